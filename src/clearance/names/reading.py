"""clearance-v2's reading of a name: the steps of `analyze_name` (form.py) plus data-driven
rewriting of name parts, on the query and on the listed side alike.

Before anything else default-ignorable characters go (`clearance.text`). Then, on top of
clearance-v1's steps:

1. Arabic-script words are romanized for names (names/arabic.py) and Hangul words read as
   Korean names (names/east_asian.py), instead of ICU's generic transliteration;
2. Arabic and Persian name parts are read in their canonical spelling (`Mohammed` ->
   `muhammad`, `Abdulbasir` -> `abd basir`, `ben` -> `bin`); in person names the article
   (`al-`, `el-`) and honorifics anywhere (`Haji`, `Mullah`, `Sheikh`) are dropped;
3. an organization's acronym written beside its expansion (`... COMPANY (OMM)`) is dropped;
4. Korean and Chinese given-name syllables become one word, compared by syllable key.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from clearance.model import EntryType
from clearance.names.arabic import ARABIC_LETTER, canonical_parts, romanize_word
from clearance.names.east_asian import (
    HANGUL,
    given_name_readings,
    join_given_names,
    romanize_hangul,
)
from clearance.names.legal_forms import split_legal_forms
from clearance.names.normalize import fold
from clearance.names.person import optional_tokens, strip_honorifics
from clearance.names.scripts import has_cyrillic
from clearance.names.tables import arabic_tables, honorifics
from clearance.text import strip_ignorables

__all__ = [
    "FLAG_ARABIC",
    "FLAG_EAST_ASIAN",
    "FLAG_MISSPELT_SYLLABLE",
    "Reading",
    "east_asian_readings",
    "read_name",
    "transliterate_words",
]

FLAG_ARABIC = 1  # written in Arabic script: compared by skeleton too (names/arabic.py)
FLAG_EAST_ASIAN = 2  # a Korean or Chinese name: given names joined, compared by key only
# Of `east_asian_readings`: one given-name word read as a misspelt syllable (clearance-v4
# lets such a given-name key differ by one edit).
FLAG_MISSPELT_SYLLABLE = 4

Pairs = list[tuple[str, bool]]  # (token, optional)


class Reading:
    """What `read_name` found, for `form.analyze_name` to build its `NameForm` from."""

    __slots__ = ("flags", "forms", "optional", "tokens", "words")

    def __init__(self) -> None:
        self.tokens: tuple[str, ...] = ()
        self.optional: tuple[bool, ...] = ()
        self.forms: tuple[str, ...] = ()
        self.words: tuple[str, ...] = ()
        self.flags = 0


def transliterate_words(text: str) -> tuple[str, int]:
    """Arabic-script and Hangul words of `text` romanized for names; the flags they set."""
    if text.isascii():
        return text, 0
    flags = 0
    out: list[str] = []
    first_hangul = True
    for word in text.split():
        if ARABIC_LETTER.search(word):
            flags |= FLAG_ARABIC
            out.extend(romanize_word(word) or (word,))
        elif HANGUL.search(word):
            out.append(romanize_hangul(word, first_hangul))
            first_hangul = False
        else:
            out.append(word)
    return " ".join(out), flags


def _rewrite(pairs: Pairs, is_person: bool, v3: bool = False) -> Pairs:
    """Canonical name parts; in person names, no article and no honorific (in names of
    three written words or more, so that a title never leaves a name of one word).

    clearance-v3: honorifics stay (`Sheikh` is a surname too, and `NOORZAI, Haji` has no
    other given name); v3 weighs them as particles (algorithms.py)."""
    out: Pairs = []
    for token, optional in pairs:
        out.extend((part, optional) for part in canonical_parts(token))
    if not is_person:
        return out
    articles, titles = arabic_tables().articles, honorifics()
    kept = [(t, o) for t, o in out if t not in articles]
    if v3:
        return kept or out
    if sum(1 for t, _ in pairs if t not in articles) >= 3:
        kept = [(t, o) for t, o in kept if t not in titles] or kept
    return kept if len(kept) >= 1 else out


def _drop_acronyms(pairs: Pairs) -> Pairs:
    """An organization's acronym beside its expansion (`ocean maritime management omm`)."""
    tokens = [t for t, _ in pairs]
    initials = "".join(t[0] for t in tokens)
    keep: Pairs = []
    for k, (token, optional) in enumerate(pairs):
        others = initials[:k] + "\x00" + initials[k + 1 :]
        acronym = 3 <= len(token) <= 6 and token.isalpha() and len(tokens) > len(token)
        if acronym and token in others:
            continue
        keep.append((token, optional))
    return keep or pairs


def read_name(
    text: str,
    type: EntryType,
    first: str | None,
    last: str | None,
    correct: Callable[[str], str] | None,
    version: str = "v2",
) -> Reading:
    """The reading of `version`: `v2`, or `v3` (honorifics read, not dropped)."""
    reading, pairs, surname_first = _read_words(text, type, first, last, correct, version)
    if type in (EntryType.PERSON, EntryType.UNKNOWN):
        joined = join_given_names([t for t, _ in pairs], surname_first)
        if joined is not None:
            pairs = [(t, False) for t in joined[0]]
            reading.flags |= FLAG_EAST_ASIAN
    reading.tokens = tuple(t for t, _ in pairs)
    reading.optional = tuple(o for _, o in pairs)
    return reading


def east_asian_readings(
    text: str, type: EntryType, version: str = "v3"
) -> list[tuple[tuple[str, ...], bool]]:
    """The other ways a query can read as a Korean or Chinese name than `read_name`'s
    (clearance-v3): each other word that is a surname as the surname (`Chun Yong Choe`,
    `SO'K MIN, Ch'oe`), and one misspelt given-name syllable (`RI, Chun oSng`); each with
    whether it reads a word as a misspelt syllable."""
    if type not in (EntryType.PERSON, EntryType.UNKNOWN) or HANGUL.search(text):
        return []  # written in Hangul, the surname comes first (romanize_hangul)
    _, pairs, surname_first = _read_words(text, type, None, None, None, version)
    tokens = [t for t, _ in pairs]
    readings = [tuple(r) for r, _ in given_name_readings(tokens, surname_first, typo=True)]
    spelt = {tuple(r) for r, _ in given_name_readings(tokens, surname_first)}
    primary = join_given_names(tokens, surname_first)
    first = tuple(primary[0]) if primary is not None else None
    return [(r, r not in spelt) for r in dict.fromkeys(readings) if r != first]


def _read_words(
    text: str,
    type: EntryType,
    first: str | None,
    last: str | None,
    correct: Callable[[str], str] | None,
    version: str,
) -> tuple[Reading, Pairs, bool]:
    """Every step but the joining of Korean and Chinese given names: the reading so far, its
    (token, optional) pairs, and whether the name puts its surname first (a comma)."""
    reading = Reading()
    is_person = type is EntryType.PERSON
    text = unicodedata.normalize("NFKC", strip_ignorables(text))
    source = strip_honorifics(text) if is_person else text
    latin, reading.flags = transliterate_words(source)
    folded = fold(latin)
    if not is_person and folded:
        if correct is not None:
            folded = correct(folded)
        split = split_legal_forms(folded)
        if not split.forms and has_cyrillic(source):
            # As clearance-v1 (form.py): rigour knows some Russian forms in its own spelling.
            other = split_legal_forms(fold(latin, russian_bgn=False))
            if other.forms:
                split = other
        folded, reading.forms, reading.words = split.text, split.forms, split.words
    tokens = tuple(folded.split()) if folded else ()
    if is_person or (type is EntryType.UNKNOWN and "," in source):
        first_latin = transliterate_words(first)[0] if first else None
        last_latin = transliterate_words(last)[0] if last else None
        optional = optional_tokens(latin, tokens, first_latin, last_latin)
    else:
        optional = (False,) * len(tokens)
    pairs = _rewrite(list(zip(tokens, optional, strict=True)), is_person, version == "v3")
    if not is_person:
        pairs = _drop_acronyms(pairs)
    if type not in (EntryType.PERSON, EntryType.UNKNOWN):
        reading.flags &= ~FLAG_ARABIC  # skeletons are for personal names
    return reading, pairs, "," in latin
