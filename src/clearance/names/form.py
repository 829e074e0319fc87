"""`NameForm`: a name analysed once into what the scorer compares.

Steps, in order: honorifics off (persons), transliteration to ASCII and tokenization
(`normalize.fold`), legal forms out into their own generic classes (everything but persons),
optional parts marked (persons). Both the listed names (once, when the index is built) and the
query go through the same steps, so that both sides always agree on the form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from clearance.model import EntryType
from clearance.names.legal_forms import split_legal_forms
from clearance.names.normalize import fold
from clearance.names.person import optional_tokens, strip_honorifics
from clearance.names.reading import read_name
from clearance.names.scripts import has_cyrillic

__all__ = ["NameForm", "analyze_name"]


@dataclass(frozen=True, slots=True)
class NameForm:
    text: str  # as given
    tokens: tuple[str, ...]  # content tokens: ASCII, casefolded, in written order
    optional: tuple[bool, ...]  # per token: a matching name may leave it out (middle names)
    legal_forms: tuple[str, ...]  # generic legal-form classes found (`llc`, `jsc`, ...)
    type: EntryType
    legal_words: tuple[str, ...] = ()  # the words those forms were written with
    flags: int = 0  # clearance-v2's reading: FLAG_ARABIC, FLAG_EAST_ASIAN (names/reading.py)

    @property
    def key(self) -> str:
        """Order-free exact form: equal keys mean the same tokens, in any order."""
        return " ".join(sorted(self.tokens))


def analyze_name(
    text: str,
    type: EntryType = EntryType.UNKNOWN,
    *,
    first: str | None = None,
    last: str | None = None,
    correct: Callable[[str], str] | None = None,
    reading: str = "v1",
) -> NameForm:
    """Analyse one name of a party or entry of the given type.

    `first` / `last` are the published given and family names, where a list gives them (UN,
    UK, EU); they tell a person's family name apart without guessing from commas or capitals.
    `correct` may put misspelt legal-form words right before legal forms are looked for
    (`LegalWordCorrector`; not for persons). `reading` is `v1` (clearance-v1's steps, frozen)
    or `v2` (names/reading.py: data-driven rewriting on top of them), or `v3` (as `v2`, with
    honorifics read, not dropped).
    """
    if reading in ("v2", "v3"):
        found = read_name(text, type, first, last, correct, reading)
        return NameForm(
            text=text,
            tokens=found.tokens,
            optional=found.optional,
            legal_forms=found.forms,
            type=type,
            legal_words=found.words,
            flags=found.flags,
        )
    is_person = type is EntryType.PERSON
    source = strip_honorifics(text) if is_person else text
    folded = fold(source)
    forms: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    if not is_person and folded:
        if correct is not None:
            folded = correct(folded)
        split = split_legal_forms(folded)
        if not split.forms and has_cyrillic(source):
            # BGN spells `АКЦИОНЕРНОЕ ОБЩЕСТВО` `aktsionernoye obshchestvo`, which rigour's
            # legal-form table knows only as `aktsionernoe obshchestvo`.
            other = split_legal_forms(fold(source, russian_bgn=False))
            if other.forms:
                split = other
        folded, forms, words = split.text, split.forms, split.words
    tokens = tuple(folded.split()) if folded else ()
    # `LAST, First Middle` is how lists write persons: a comma in a name of unknown type is
    # taken as that form, so that its middle names are optional as for a known person.
    if is_person or (type is EntryType.UNKNOWN and "," in source):
        optional = optional_tokens(source, tokens, first, last)
    else:
        optional = (False,) * len(tokens)
    return NameForm(
        text=text,
        tokens=tokens,
        optional=optional,
        legal_forms=forms,
        type=type,
        legal_words=words,
    )
