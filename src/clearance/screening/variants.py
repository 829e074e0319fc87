"""clearance-v2's token similarity: clearance-v1's, plus spellings of one name read as one.

- `variant`: two words with one Russian-spelling key (names/cyrillic.py: `sergei`/`sergey`);
- `skeleton`: in a name written in Arabic script, two words with one consonant skeleton
  (names/arabic.py: `nurzi`/`noorzai`), as far as letters without short vowels can tell;
- Korean and Chinese names read as such on both sides are compared by syllable key only
  (`strict`): `jongsu` is not a misspelt `jongun`.

Arabic and Persian spellings from the data table (`mohammed` -> `muhammad`) need nothing here:
the reading has already made them one word. A misspelt one (`mohamen`) it leaves as written,
so clearance-v4 also compares a word the table does not know with the other spellings of a
canonical part of the listed name (`spelling`: `mohamen` ~ `muhammad` as `mohamed`), as
clearance-v1 compared the two words as written.
"""

from __future__ import annotations

from collections.abc import Callable

from rapidfuzz.distance import OSA

from clearance.names.arabic import is_known_spelling, other_spellings, skeleton
from clearance.names.cyrillic import spelling_key
from clearance.screening.config import AlgorithmConfig

__all__ = ["MIN_SKELETON", "spelling_similarity", "strict", "v2_similarity"]

PairSimilarity = Callable[[str, str], tuple[float, str]]
# Skeletons of fewer consonants (`hsn` is Hasan and Husayn) say too little.
MIN_SKELETON = 3
# A query word at most this many edits from a spelling of a listed name part may be a
# misspelling of it (`agbdullat` / `abdullah`).
SPELLING_EDITS = 2
# Given-name keys at least this long may differ by one edit in a query read with a misspelt
# syllable; surnames (`ri` / `li`, `kim` / `kin`) and short keys never do.
MISSPELT_KEY = 6


def v2_similarity(
    a: str, b: str, config: AlgorithmConfig, base: PairSimilarity, arabic: bool
) -> tuple[float, str]:
    similarity, how = base(a, b)
    if config.part_spellings and similarity < 1.0:
        spelled = spelling_similarity(a, b, base)
        if spelled[0] > similarity:
            similarity, how = spelled
    if similarity >= config.variant_similarity and similarity >= config.skeleton_similarity:
        return similarity, how
    if config.variant_similarity > similarity:
        key = spelling_key(a)
        if key is not None and key == spelling_key(b):
            return config.variant_similarity, "variant"
    if arabic and config.skeleton_similarity > similarity and a.isalpha() and b.isalpha():
        bones = skeleton(a)
        if len(bones) >= MIN_SKELETON and bones == skeleton(b):
            return config.skeleton_similarity, "skeleton"
    return similarity, how


def spelling_similarity(a: str, b: str, base: PairSimilarity) -> tuple[float, str]:
    """A query word `a` the Arabic name-part table does not know against a listed canonical
    part `b`, as the nearest of the part's other spellings it is at most `SPELLING_EDITS`
    edits from (`mohamen` ~ `muhammad` as `mohamed`);
    (0, "") for other pairs. Only that way round: a listed word the table does not know is
    another name far more often than a typo (`MORADI` is not a misspelt `murad`)."""
    if is_known_spelling(a):
        return 0.0, ""
    best = (0.0, "")
    for spelling in other_spellings(b):
        if OSA.distance(a, spelling, score_cutoff=SPELLING_EDITS) > SPELLING_EDITS:
            continue  # not a misspelling of this one
        similarity = base(a, spelling)[0]
        if similarity > best[0]:
            best = (similarity, f"as {spelling}")
    return best


def strict(similarity_of: PairSimilarity, misspelt: bool = False) -> PairSimilarity:
    """Equal words, initials, and two letters swapped (a typo: `chunosng`): how Korean and
    Chinese name keys are compared. Any other difference (`jongong` / `jongjong`, `sangjol`
    / `songjol`) is another name. With `misspelt` (clearance-v4, a query read with a
    misspelt syllable), two keys of `MISSPELT_KEY` letters or more may differ by one edit
    (`pyoingcha` / `pyongcha`)."""

    def compare(a: str, b: str) -> tuple[float, str]:
        similarity, how = similarity_of(a, b)
        swapped = len(a) == len(b) and sorted(a) == sorted(b)
        if how in ("=", "initial") or (swapped and OSA.distance(a, b, score_cutoff=1) <= 1):
            return similarity, how
        near = misspelt and min(len(a), len(b)) >= MISSPELT_KEY
        if near and OSA.distance(a, b, score_cutoff=1) <= 1:
            return similarity, how
        return 0.0, ""

    return compare
