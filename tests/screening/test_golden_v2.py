"""`clearance-v2` is frozen once released: its configuration by hash, its answers by a golden file.

golden/clearance-v2.jsonl holds the same 599 cases as clearance-v1's golden file (name pairs
through `compare`, parties through `ScreeningIndex.search` on the same real index slice), with
the exact answer v2 gave for each, so the two versions can be compared row by row.

A failure here means v2's behaviour changed: a bug once v2 is released. Put the improvement
into a new version (docs/screening.md, "Adding a scorer version") and leave v2 and this file
alone.
"""

from __future__ import annotations

import pickle
from collections import Counter
from typing import Any

import pytest
from golden_support import answer, build_index, config_sha256, meta_row, read_golden

from clearance.screening import ScreeningIndex

ALGORITHM = "clearance-v2"

# !!! FROZEN. The SHA-256 of clearance-v2's configuration (`get_algorithm("clearance-v2")
# .to_dict()` as canonical JSON). If this test fails, v2's configuration changed: that is a
# BUG, not a new baseline. Do not update this constant. Revert the change to v2 and put the
# new behaviour into a new version (`clearance-v3`, ...) registered beside it.
FROZEN_CONFIG_SHA256 = "f74252663c4eba27e5ac4830f72de01ddf00bac431f6345403839ada6a9807b7"

META, ROWS = read_golden(ALGORITHM)
COMPARE_ROWS = [r for r in ROWS if r["kind"] == "compare"]
SEARCH_ROWS = [r for r in ROWS if r["kind"] == "search"]


def test_configuration_is_frozen() -> None:
    assert config_sha256(ALGORITHM) == FROZEN_CONFIG_SHA256
    assert meta_row(ALGORITHM) == META
    assert META["config_sha256"] == FROZEN_CONFIG_SHA256


def test_golden_file_covers_every_kind_of_case() -> None:
    assert len(ROWS) >= 300
    assert len({r["id"] for r in ROWS}) == len(ROWS)
    categories = Counter(r["category"] for r in ROWS)
    for category in (
        "cross_script_arabic",
        "cross_script_chinese",
        "cross_script_cyrillic",
        "cross_script_greek",
        "reordered",
        "typo",
        "dropped_middle",
        "legal_form",
        "weak_alias",
        "person_vs_org",
        "negative",
    ):
        assert categories[category] >= 5, category
    # A good part of the rows go through a real index, and they do find things.
    assert len(SEARCH_ROWS) >= 150
    assert sum(1 for r in SEARCH_ROWS if r["hits"]) >= 120


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
