"""Korean and Chinese names (clearance-v2): given-name syllables as one word, Hangul input,
and spellings of one syllable read as one (names/data/east_asian_names.yaml).

`Kim Jong Un`, `Kim Jong-un`, `KIM, Jong Un`, `Kim Jongun` and `김정은` all read as the
surname key `gim` and the given-name key `jongun`. A name is read this way when one of its
ends is a listed surname and every other word is made of romanized syllables; such names are
then compared by key only (scorer), because two Korean names sharing a syllable or two are
not spellings of one name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

import icu

from clearance.names.tables import apply_rules, east_asian_tables

__all__ = ["HANGUL", "given_name_readings", "join_given_names", "romanize_hangul", "syllable_key"]

HANGUL = re.compile("[\uac00-\ud7a3]")


@lru_cache(maxsize=1)
def _hangul_latin() -> icu.Transliterator:
    return icu.Transliterator.createInstance("Hangul-Latin; Latin-ASCII")


def _syllables(word: str) -> list[str]:
    return [str(_hangul_latin().transliterate(s)) for s in word]


@lru_cache(maxsize=65536)
def romanize_hangul(word: str, surname_first: bool) -> str:
    """A Hangul word as Latin: `김정은` -> `kim jeong eun`; a word of 2 to 4 syllables
    whose first syllable is a surname gives the surname's usual spelling."""
    tables = east_asian_tables()
    if surname_first and 2 <= len(word) <= 4 and word[0] in tables.korean_hangul:
        key = tables.korean_hangul[word[0]]
        spelling = next(s for s, k in tables.surnames.items() if k == key)
        return " ".join([spelling, *_syllables(word[1:])])
    return " ".join(_syllables(word))


def syllable_key(word: str) -> str:
    return apply_rules(word, east_asian_tables().key_rules)


def _is_syllabic(word: str) -> bool:
    return word.isalpha() and east_asian_tables().syllabic.fullmatch(word) is not None


def _syllables_of(word: str) -> list[str] | None:
    """A syllabic word cut into its syllables (`jongun` -> `jong`, `un`), or None."""
    tables = east_asian_tables()
    if not _is_syllabic(word):
        return None
    parts = tables.syllable.findall(word)
    return parts if "".join(parts) == word else [word]


def join_given_names(
    tokens: list[str], surname_first: bool = False
) -> tuple[list[str], int] | None:
    """(surname key and given-name key, in written order; the surname's position), or None
    when the name is not read as a Korean or Chinese name.

    The surname is the first word that is one, looked for first, last, then anywhere (lists
    cut Korean names oddly: the UK writes `RI Yong Mu` as `MU, Ri Yong`); with
    `surname_first` (a comma) the words after the first come before the last. The given
    name's key is its syllables' keys in alphabetical order, so that a cut or reordered given
    name (`Yong Mu`, `Mu Yong`) reads the same.
    """
    return next(given_name_readings(tokens, surname_first), None)


def given_name_readings(
    tokens: list[str], surname_first: bool = False, typo: bool = False
) -> Iterator[tuple[list[str], int]]:
    """Every reading of `join_given_names`, its own first: one per word that can be the
    surname (`Chun Yong Choe`: `chun` or `choe`, both surnames). With `typo`, one given-name
    word that is no syllable may stand for one (`RI, Chun oSng`), so that a typo in a Korean
    name still reads as one (clearance-v3)."""
    if not 2 <= len(tokens) <= 4:
        return
    surnames = east_asian_tables().surnames
    middle = list(range(1, len(tokens) - 1))
    last = [len(tokens) - 1]
    # `LAST, First`: the surname before the comma, else (as the UK cuts them) right after it.
    order = [0, *middle, *last] if surname_first else [0, *last, *middle]
    for position in order:
        if tokens[position] not in surnames:
            continue
        syllables = _given_syllables(tokens, position, typo)
        if syllables is None or not 1 <= len(syllables) <= 3:
            continue
        key = "".join(sorted(syllable_key(s) for s in syllables))
        surname = surnames[tokens[position]]
        yield ([surname, key], 0) if position == 0 else ([key, surname], 1)


def _given_syllables(tokens: list[str], surname: int, typo: bool) -> list[str] | None:
    """The syllables of every word but the surname; None when a word is none (with `typo`,
    one short word of letters may be a misspelt syllable)."""
    syllables: list[str] = []
    typos = 0
    for k, token in enumerate(tokens):
        if k == surname:
            continue
        parts = _syllables_of(token)
        if parts is None and typo and typos == 0 and token.isalpha() and 2 <= len(token) <= 6:
            typos, parts = 1, [token]
        if parts is None:
            return None
        syllables.extend(parts)
    return syllables
