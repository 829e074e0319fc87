"""The scorer versions after clearance-v1 are frozen once released: each one's configuration by
hash, its answers by a golden file (clearance-v1 has test_golden.py, which also makes the cases).

golden/<version>.jsonl holds the same 599 cases as clearance-v1's golden file (name pairs
through `compare`, parties through `ScreeningIndex.search` on the same real index slice), with
the exact answer the version gave for each, so that versions can be compared row by row
(test_golden_v1_1.py: v1.1 against v1).

A failure here means a released version's behaviour changed: a bug. Put the improvement into
a new version (docs/screening.md, "Adding a scorer version") and leave the old one, its hash
and its file alone.
"""

from __future__ import annotations

import pickle
from functools import cache
from typing import Any

import pytest
from golden_support import (
    answer,
    assert_covers_every_kind,
    build_index,
    config_sha256,
    meta_row,
    read_golden,
)

from clearance.screening import ScreeningIndex

# !!! FROZEN. The SHA-256 of each version's configuration (`get_algorithm(name).to_dict()` as
# canonical JSON). If one fails, that version's configuration changed: that is a BUG, not a
# new baseline. Do not update these constants: revert the change and register the new
# behaviour as a new version beside the old ones.
FROZEN_CONFIG_SHA256 = {
    "clearance-v1.1": "d4028b213bb86424cb54bb0c1f1e28cc703b1dfdc905d379f05f71df2a2a1dc1",
    "clearance-v2": "f74252663c4eba27e5ac4830f72de01ddf00bac431f6345403839ada6a9807b7",
    "clearance-v3": "ecfa1c8dd36168f4535b3a41138ca272c23511c07142542d076b69540c82d5a8",
    "clearance-v4": "f9c9ee46efb5521cabc55e2e3bad2e2e7ce4b617199207a43475a033966ccb7a",
}
VERSIONS = tuple(FROZEN_CONFIG_SHA256)
GOLDEN = {version: read_golden(version) for version in VERSIONS}


def _rows(kind: str) -> list[tuple[str, dict[str, Any]]]:
    return [(v, r) for v in VERSIONS for r in GOLDEN[v][1] if r["kind"] == kind]


COMPARE_ROWS, SEARCH_ROWS = _rows("compare"), _rows("search")


def _ids(rows: list[tuple[str, dict[str, Any]]]) -> list[str]:
    return [f"{version}:{row['id']}" for version, row in rows]


@cache
def golden_index(version: str) -> ScreeningIndex:
    return build_index(version)


@pytest.mark.parametrize("version", VERSIONS)
def test_configuration_is_frozen(version: str) -> None:
    meta = GOLDEN[version][0]
    assert config_sha256(version) == FROZEN_CONFIG_SHA256[version]
    assert meta_row(version) == meta
    assert meta["config_sha256"] == FROZEN_CONFIG_SHA256[version]


@pytest.mark.parametrize("version", VERSIONS)
def test_golden_file_covers_every_kind_of_case(version: str) -> None:
    assert_covers_every_kind(GOLDEN[version][1])


@pytest.mark.parametrize(("version", "row"), COMPARE_ROWS, ids=_ids(COMPARE_ROWS))
def test_compare_answers_are_unchanged(version: str, row: dict[str, Any]) -> None:
    assert answer(row, None, version) == row


@pytest.mark.parametrize(("version", "row"), SEARCH_ROWS, ids=_ids(SEARCH_ROWS))
def test_search_answers_are_unchanged(version: str, row: dict[str, Any]) -> None:
    assert answer(row, golden_index(version), version) == row


@pytest.mark.parametrize("version", VERSIONS)
def test_a_pickled_index_answers_the_same(version: str) -> None:
    # The store-backed `screen` loads its indexes from a pickle on disk (service.py).
    index = golden_index(version)
    reloaded = pickle.loads(pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL))
    for _, row in [(v, r) for v, r in SEARCH_ROWS if v == version][::3]:
        assert answer(row, reloaded, version) == row, row["id"]
