"""clearance-v3 on the real SDN list of 2023-12-28: what it finds that clearance-v2 missed (the
losses of v2 to v1 on the `tune` split of bench/realeval.py), and what it still refuses.

Each case is a real publication: the UK's and UN's spellings of SDN-listed Koreans, a
reordered name, the SDN's own `NOORZAI, Hajji Malik`. Every test checks v2's answer too, so
that a test passing for both versions cannot pass for the wrong reason.
"""

from __future__ import annotations

import pytest
from version_support import best_on, indexes_of

from clearance.model import Entry, EntryType, Party
from clearance.screening import ScreeningIndex

VERSIONS = ("clearance-v2", "clearance-v3")


@pytest.fixture(scope="module")
def indexes(sdn_2023: list[Entry]) -> dict[str, ScreeningIndex]:
    return indexes_of(sdn_2023, VERSIONS)


@pytest.mark.parametrize(
    ("query", "source_id", "listed"),
    [
        # Two words that are both surnames: `Chun` read as the surname, `Choe` as a given name.
        ("Chun Yong Choe", "21747", "CHOE, Chun Yong"),
        # The UK lists `RI Chun Song` as `CH'UN-SO'NG, Ri` and `CH'OE So'k-min` as `SO'K MIN,
        # Ch'oe`: the given name before the comma, and `Min` is a surname too.
        ("CH'UN-SO'NG, Ri", "22988", "RI, Chun Song"),
        ("SO’K MIN, Ch’oe", "23001", "CH'OE, So'k-min"),
        # One misspelt syllable (`oSng`) no longer stops the name reading as Korean.
        ("RI, Chun oSng", "22988", "RI, Chun Song"),
    ],
)
def test_a_korean_name_is_found_under_its_other_readings(
    indexes: dict[str, ScreeningIndex], query: str, source_id: str, listed: str
) -> None:
    v2 = best_on(indexes["clearance-v2"], query, source_id)
    assert v2 is None or v2.score < 0.8
    hit = best_on(indexes["clearance-v3"], query, source_id)
    assert hit is not None and hit.match and hit.score >= 0.95, query
    assert hit.matched_name.name == listed and hit.algorithm == "clearance-v3"


def test_a_query_part_left_over_is_another_korean_name(
    indexes: dict[str, ScreeningIndex],
) -> None:
    # `Kim Seong Su` read with `Su` as the surname would merge `kim seong` into `KIM, Song`.
    for query in ("김성수", "Kim Seong Su"):
        hit = best_on(indexes["clearance-v3"], query, "23508")
        assert hit is None or hit.score <= 0.5, (query, hit and hit.explanation)


@pytest.mark.parametrize("query", ["NOORZAI, Haji", "NOORZAI, Hajji"])
def test_an_honorific_that_is_the_only_given_name_is_read(
    indexes: dict[str, ScreeningIndex], query: str
) -> None:
    v2 = best_on(indexes["clearance-v2"], query, "12921")
    assert v2 is not None and v2.score < 0.8
    hit = best_on(indexes["clearance-v3"], query, "12921")
    assert hit is not None and hit.match, hit and hit.explanation
    assert hit.matched_name.name == "NOORZAI, Hajji Malik"
    assert "nurzai~NURZAI 1.00, haji~HAJI 1.00" in hit.explanation


def test_a_matched_honorific_says_little(indexes: dict[str, ScreeningIndex]) -> None:
    # `Haji` and `Muhammad` in common are next to nothing: no match on another Haji Muhammad.
    # (The SDN lists two persons of that very name, 8867 and 13127.)
    hits = indexes["clearance-v3"].search(Party("Haji Baz Mohammad", EntryType.PERSON))
    assert {h.entry.source_id for h in hits if h.match} == {"8867", "13127"}
    assert {h.matched_name.name for h in hits if h.match} == {"MOHAMMAD, Haji Baz"}
