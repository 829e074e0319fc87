"""`clearance-v1` is frozen: its configuration by hash, its answers by a golden file.

golden/clearance-v1.jsonl holds 599 cases (name pairs through `compare`, parties through
`ScreeningIndex.search` on a real index) with the exact answer v1 gave for each; every row is
asserted here, float for float and word for word. make_golden.py says how the file was made,
golden_support.py what a row holds.

A failure here means v1's behaviour changed. That is a bug, whatever the change improves:
past screenings must replay exactly. Put the improvement into a new algorithm version beside
v1 (docs/screening.md, "Adding a scorer version") and leave v1 and this file alone.
"""

from __future__ import annotations

import pickle
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

ALGORITHM = "clearance-v1"

# !!! FROZEN. The SHA-256 of clearance-v1's configuration (`get_algorithm("clearance-v1")
# .to_dict()` as canonical JSON). If this test fails, v1's configuration changed: that is a
# BUG, not a new baseline. Do not update this constant. Revert the change to v1 and put the
# new behaviour into a new version (`clearance-v2`, ...) registered beside it.
FROZEN_CONFIG_SHA256 = "cef051c8c95c613541add304ba999c30e58978b96c2228030f9d7f792852b698"

META, ROWS = read_golden(ALGORITHM)
COMPARE_ROWS = [r for r in ROWS if r["kind"] == "compare"]
SEARCH_ROWS = [r for r in ROWS if r["kind"] == "search"]


def test_configuration_is_frozen() -> None:
    assert config_sha256(ALGORITHM) == FROZEN_CONFIG_SHA256
    assert meta_row(ALGORITHM) == META
    assert META["config_sha256"] == FROZEN_CONFIG_SHA256


def test_golden_file_covers_every_kind_of_case() -> None:
    assert_covers_every_kind(ROWS)


@pytest.mark.parametrize("row", COMPARE_ROWS, ids=[r["id"] for r in COMPARE_ROWS])
def test_compare_answers_are_unchanged(row: dict[str, Any]) -> None:
    assert answer(row, None, ALGORITHM) == row


@pytest.fixture(scope="module")
def golden_index() -> ScreeningIndex:
    return build_index(ALGORITHM)


@pytest.mark.parametrize("row", SEARCH_ROWS, ids=[r["id"] for r in SEARCH_ROWS])
def test_search_answers_are_unchanged(golden_index: ScreeningIndex, row: dict[str, Any]) -> None:
    assert answer(row, golden_index, ALGORITHM) == row


def test_a_pickled_index_answers_the_same(golden_index: ScreeningIndex) -> None:
    # The store-backed `screen` loads its indexes from a pickle on disk (service.py).
    reloaded = pickle.loads(pickle.dumps(golden_index, protocol=pickle.HIGHEST_PROTOCOL))
    for row in SEARCH_ROWS[::3]:
        assert answer(row, reloaded, ALGORITHM) == row, row["id"]
