"""Arabic and Persian names (clearance-v2): a romanization made for personal names, the
spellings of one name part read as one, and a vowel-blind comparison key.

Arabic script leaves short vowels out (`محمد` is m-h-m-d), and Latin spellings of one name
differ mostly in vowels and in how a consonant is written (`Mohammed`, `Muhammad`,
`Mohamed`). Three tools, all from data tables (names/data/arabic_*.yaml):

- `romanize_word`: an Arabic-script word to Latin, through the table of common name parts
  (`محمد` -> `muhammad`) or, failing that, letter by letter (`نورزی` -> `nurzi`);
- `canonical_parts`: a Latin word to its name part's canonical spelling (`mohammed` ->
  `muhammad`, `abdulbasir` -> `abd basir`, `ben` -> `bin`);
- `other_spellings`: the other Latin spellings of a canonical name part (`muhammad` ->
  `mohamed`, `mohammed`, ...), against which clearance-v4 compares a word the table does
  not know (a misspelt `Mohamen` is one letter from `Mohamed`, not from `muhammad`);
- `skeleton`: a word's consonants, with the digraphs of one Arabic letter made one and the
  vowels and semivowels left out (`noorzai`, `nurzi` -> `nrz`): two words with one skeleton
  are spellings of one Arabic word, as far as the letters can tell.
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import cache, lru_cache

from clearance.names.tables import arabic_tables, fold_arabic

__all__ = [
    "ARABIC_LETTER",
    "canonical_parts",
    "has_arabic",
    "is_known_spelling",
    "other_spellings",
    "romanize_word",
    "skeleton",
]

ARABIC_LETTER = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
_ALEF = "ا"


def has_arabic(text: str) -> bool:
    return ARABIC_LETTER.search(text) is not None


def _letters(word: str) -> str:
    tables = arabic_tables()
    out: list[str] = []
    previous = ""
    for k, char in enumerate(word):
        if char in tables.semivowels and (k == 0 or previous == _ALEF):
            out.append(tables.semivowels[char])
        else:
            out.append(tables.letters.get(char, ""))
        previous = char
    return "".join(out)


@lru_cache(maxsize=65536)
def romanize_word(word: str) -> tuple[str, ...]:
    """An Arabic-script word (presentation forms already NFKC-folded) as Latin name parts."""
    tables = arabic_tables()
    folded = fold_arabic(word, tables.fold, tables.marks)
    if not folded:
        return ()
    found = tables.script.get(folded)
    if found is not None:
        return (found,)
    if folded.startswith("ال") and len(folded) > 3:
        return romanize_word(folded[2:])  # the article: read as nothing in a person's name
    if folded.startswith("عبد") and len(folded) > 4:
        rest = folded[3:]
        return (tables.prefix_reads, *romanize_word(rest))
    latin = _letters(folded)
    return (latin,) if latin else ()


@lru_cache(maxsize=65536)
def canonical_parts(token: str) -> tuple[str, ...]:
    """A Latin word of a name as canonical name parts: `mohammed` -> (`muhammad`,),
    `abdulbasir` -> (`abd`, `basir`), `salahuddin` -> (`salah`, `din`); others unchanged."""
    tables = arabic_tables()
    found = tables.latin.get(token)
    if found is not None:
        return (found,)
    if not token.isalpha():
        return (token,)
    for prefix in tables.prefixes:
        rest = token[len(prefix) :]
        if token.startswith(prefix) and len(rest) >= tables.min_rest:
            return (tables.prefix_reads, *canonical_parts(rest))
    for suffix in tables.suffixes:
        rest = token[: -len(suffix)]
        if token.endswith(suffix) and len(rest) >= tables.min_rest:
            return (*canonical_parts(rest), tables.suffix_reads[suffix])
    return (token,)


@cache
def _spellings_by_part() -> dict[str, tuple[str, ...]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for spelling, canonical in arabic_tables().latin.items():
        if spelling != canonical:
            groups[canonical].append(spelling)
    return {canonical: tuple(sorted(spellings)) for canonical, spellings in groups.items()}


def other_spellings(token: str) -> tuple[str, ...]:
    """The table's Latin spellings of a canonical name part other than the canonical one
    (`muhammad` -> `mohamed`, `mohammed`, ...); none for any other word."""
    return _spellings_by_part().get(token, ())


def is_known_spelling(token: str) -> bool:
    """Whether the table knows the word as a spelling of a name part (the reading has made
    it canonical already)."""
    return token in arabic_tables().latin


_DIGRAPHS = (("kh", "x"), ("gh", "G"), ("sh", "S"), ("ch", "C"), ("th", "T"), ("dh", "D"))
_SKELETON_DROP = re.compile("[aeiou']")
_DOUBLE = re.compile(r"(.)\1+")


@lru_cache(maxsize=262144)
def skeleton(token: str) -> str:
    """The consonants of a word as Arabic script would write them (see module docstring)."""
    word = token.replace("ph", "f").replace("ou", "u")
    for digraph, letter in _DIGRAPHS:
        word = word.replace(digraph, letter)
    word = word.replace("q", "k").replace("c", "k")
    # A final long i (the nisba of `Maroufi`, `Noorzai`) is a letter in Arabic script.
    nisba = "Y" if len(word) > 3 and word[-1] in "iy" else ""
    head, tail = word[:1], word[1:]
    tail = _SKELETON_DROP.sub("", tail).replace("y", "").replace("w", "")
    head = _SKELETON_DROP.sub("", head)
    word = _DOUBLE.sub(r"\1", head + tail)
    if len(word) > 2 and word.endswith("h"):
        word = word[:-1]  # ta marbuta and final heh: `fatimah` is `fatima`
    return word + nisba
