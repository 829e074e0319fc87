"""Legal forms (LLC, OOO, GmbH, JSC, PAO, S.A., Ltd ...) reduced to one comparison form.

The table is rigour's org-type database (OCCRP's list, ISO 20275 and Wikipedia), used in its
*generic* mode, which folds country-specific forms into a few classes: `OOO`, `ООО`,
`Obshchestvo s Ogranichennoy Otvetstvennostyu`, `L.L.C.`, `Limited`, `GmbH` and `Inc` all
become `llc`; `AO`, `PAO`, `OAO`, `ZAO`, `JSC` and `S.A.` become `jsc`. Screening then weighs
these classes low: a legal form tells little about who a party is, and the same company is
published as `OOO X` in one list and `X LLC` in another.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA
from rigour.names.org_types import extract_org_types, replace_org_types_compare

__all__ = ["LegalSplit", "LegalWordCorrector", "split_legal_forms"]


@dataclass(frozen=True, slots=True)
class LegalSplit:
    text: str  # the name without its legal forms
    forms: tuple[str, ...]  # generic classes found, in order (`llc`, `jsc`, ...)
    words: tuple[str, ...]  # the words the legal forms were written with (`joint stock company`)


@lru_cache(maxsize=65536)
def split_legal_forms(normalized: str) -> LegalSplit:
    """`normalized` without its legal forms, the generic forms and the words they used.

    `normalized` must be casefolded and tokenized (single spaces), as `normalize.fold` returns.
    A name that is nothing but a legal form (`LLC`) keeps it as its text: there is nothing
    else to compare, and such a name must never match on the legal form alone (the scorer
    sees the remaining text as one ordinary, weak token).
    """
    found = extract_org_types(normalized, generic=True)
    if not found:
        return LegalSplit(normalized, (), ())
    forms = tuple(target for _, target in found)
    words = tuple(word for matched, _ in found for word in matched.split())
    replaced: str = replace_org_types_compare(normalized, generic=True)
    form_tokens = {token for form in forms for token in form.split()}
    kept = [token for token in replaced.split() if token not in form_tokens]
    if not kept:
        return LegalSplit(normalized, (), ())
    return LegalSplit(" ".join(kept), forms, words)


class LegalWordCorrector:
    """Puts misspelt legal-form words right (`companc` -> `company`, `limiaed` -> `limited`).

    Query names carry typos in their legal forms too; a form that is not recognized leaves
    its words behind as content tokens, which then count against the match. Only tokens the
    caller does not know otherwise (not a word of any listed name) are corrected, within one
    edit for words of up to six letters and two for longer ones.
    """

    def __init__(self, legal_words: Iterable[str], known: Callable[[str], bool]) -> None:
        self.words = sorted({w for w in legal_words if len(w) >= 4 and w.isalpha()})
        self.known = known
        self._cache: dict[str, str] = {}

    def correct_token(self, token: str) -> str:
        if len(token) < 4 or not token.isalpha() or self.known(token):
            return token
        cached = self._cache.get(token)
        if cached is None:
            budget = 1 if len(token) <= 6 else 2
            found = process.extractOne(token, self.words, scorer=OSA.distance, score_cutoff=budget)
            cached = found[0] if found is not None else token
            if len(self._cache) < 100_000:
                self._cache[token] = cached
        return cached

    def __call__(self, normalized: str) -> str:
        return " ".join(self.correct_token(t) for t in normalized.split())
