"""clearance-v4 on the real SDN list of 2023-12-28: what it finds that clearance-v3 missed (the
typo losses of v3 to v1.1 on the `tune` split of bench/realeval.py), what it still refuses,
and what a search with a threshold of 0 returns.

Every test that shows a gain checks v3's answer too, so that a test passing for both versions
cannot pass for the wrong reason.
"""

from __future__ import annotations

import pytest
from rapidfuzz.distance import OSA
from version_support import best_on, indexes_of

from clearance.model import Entry, EntryType, Party
from clearance.screening import ScreeningIndex
from clearance.screening.variants import spelling_similarity

VERSIONS = ("clearance-v3", "clearance-v4")


@pytest.fixture(scope="module")
def indexes(sdn_2023: list[Entry]) -> dict[str, ScreeningIndex]:
    return indexes_of(sdn_2023, VERSIONS)


@pytest.mark.parametrize(
    ("query", "source_id", "pair"),
    [
        # The reading makes the listed `Mohamed` canonical (`muhammad`) and leaves the
        # misspelt `Mohamen` as written: v4 compares it with the part's other spellings.
        ("AKLI, Mohamen Amife", "7827", "mohamen~MUHAMMAD 0.90 (as mohamed)"),
        ("ASHTARI FARD, Hoswsein", "28918", "hoswsein~HUSAYN 0.92 (as hossein)"),
        ("HAQQANI, Adbul Aziz", "18347", "adbul~ABD 0.87 (as abdul)"),
    ],
)
def test_a_misspelt_arabic_name_part_is_compared_with_its_spellings(
    indexes: dict[str, ScreeningIndex], query: str, source_id: str, pair: str
) -> None:
    v3 = best_on(indexes["clearance-v3"], query, source_id)
    assert v3 is None or not v3.match
    hit = best_on(indexes["clearance-v4"], query, source_id)
    assert hit is not None and hit.match and hit.algorithm == "clearance-v4"
    assert pair in hit.explanation


def test_only_a_word_the_table_does_not_know_is_compared_with_spellings() -> None:
    def base(a: str, b: str) -> tuple[float, str]:
        return 1.0 - OSA.normalized_distance(a, b), "fuzzy"

    similarity, how = spelling_similarity("mohamen", "muhammad", base)
    assert how == "as mohamed" and similarity == pytest.approx(1 - 1 / 7)
    # Only a query word against a listed part: a listed word the table does not know is
    # another name more often than a typo (`MORADI` against the query's `murad`).
    assert spelling_similarity("muhammad", "mohamen", base) == (0.0, "")
    # `mohamed` is itself a spelling the reading makes `muhammad`: nothing more to compare.
    assert spelling_similarity("mohamed", "muhammad", base) == (0.0, "")
    # Neither word is a canonical part with spellings.
    assert spelling_similarity("smith", "smyth", base) == (0.0, "")


def test_a_listed_word_is_not_read_as_a_misspelt_part(indexes: dict[str, ScreeningIndex]) -> None:
    # `MORADI` (a surname: "of Murad") is no misspelt `murad`: the clean name `Murad Al Ali`
    # in Arabic script stays below the match threshold against `MORADI, Ali Reza`.
    hit = best_on(indexes["clearance-v4"], "مراد آل علي", "40017")
    assert hit is None or not hit.match, hit.explanation


@pytest.mark.parametrize(
    ("query", "source_id", "listed"),
    [
        # `Woln` is no syllable: read as a misspelt one, the given-name key may differ by an
        # edit (v3 allowed two letters swapped only).
        ("JO, Yong-Woln", "21303", "JO, Yong-Won"),
    ],
)
def test_a_misspelt_korean_syllable_may_differ_by_one_edit(
    indexes: dict[str, ScreeningIndex], query: str, source_id: str, listed: str
) -> None:
    v3 = best_on(indexes["clearance-v3"], query, source_id)
    assert v3 is None or not v3.match
    hit = best_on(indexes["clearance-v4"], query, source_id)
    assert hit is not None and hit.match and hit.matched_name.name == listed


def test_a_korean_name_of_real_syllables_is_still_another_name(
    indexes: dict[str, ScreeningIndex],
) -> None:
    # `Wan` is a syllable: `Yong Wan` is another given name than `Yong Won`, not a typo.
    hit = best_on(indexes["clearance-v4"], "JO, Yong Wan", "21303")
    assert hit is None or hit.score <= 0.5, hit and hit.explanation


QUERIES = [
    "Vladimir Putin",
    "Mohamed Ali",
    "Kim Jong Un",
    "Haji Baz Mohammad",
    "Banco Nacional de Cuba",
    "Federal Security Service",
    "Ocean Maritime Management",
    "Abdul Basir Noorzai",
]


@pytest.mark.parametrize("query", QUERIES)
def test_a_zero_threshold_answer_holds_every_default_hit(
    indexes: dict[str, ScreeningIndex], query: str
) -> None:
    index = indexes["clearance-v4"]
    party = Party(query, EntryType.UNKNOWN)
    default = index.search(party)
    everything = index.search(party, threshold=0.0, top=10)
    scores = {h.entry.source_id: h.score for h in everything}
    for hit in default:
        assert scores.get(hit.entry.source_id, -1.0) >= hit.score, (query, hit.matched_name)
    # (At its score or higher: a name whose estimate the default search leaves out may score
    # higher once aligned.) Filled up to the top 10 (every one of these names shares a word
    # with 10 entries or more), best first.
    assert len(everything) == 10
    assert [h.score for h in everything] == sorted(scores.values(), reverse=True)
