"""A batch run searches each distinct party once (`SearchMemo`): the rows it writes are the
rows of a search per row, for real SDN names named on many rows."""

from __future__ import annotations

from clearance.model import Party
from clearance.screening import ScreeningIndex
from clearance.screening.batch import SearchMemo, screen_chunk

NAMES = ["Vladimir Putin", "FSB", "Kim Jong Un", "Jane Smith", "Banco Nacional de Cuba"]


def _chunk() -> list[tuple[str, dict[str, str]]]:
    rows = [{"id": f"r{k}", "name": NAMES[k % len(NAMES)], "type": ""} for k in range(40)]
    rows.append({"id": "r40", "name": "Vladimir Putin", "type": "person"})
    return [(f"line {k + 2}", row) for k, row in enumerate(rows)]


def test_a_party_on_many_rows_is_searched_once_with_the_same_rows(
    sdn_index: ScreeningIndex,
) -> None:
    for threshold in (None, 0.0):
        memo = SearchMemo()
        plain = screen_chunk(sdn_index, "parties.csv", _chunk(), threshold=threshold)
        kept = screen_chunk(sdn_index, "parties.csv", _chunk(), threshold=threshold, memo=memo)
        assert kept == plain
        assert plain[1] >= 16  # Putin, the FSB and Kim Jong Un match on each of their rows
    # One search per distinct party: the five names, and Putin again as a person.
    assert len(memo) == len(NAMES) + 1
    assert memo.get(Party("Jane Smith")) is not None


def test_the_memo_stops_growing_at_its_bound() -> None:
    memo = SearchMemo(limit=3)
    for k in range(5):
        memo.keep(Party(f"name {k}"), ([], 0))
    kept = [memo.get(Party(f"name {k}")) for k in range(5)]
    assert kept == [([], 0), ([], 0), ([], 0), None, None]
