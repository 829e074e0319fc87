"""`clearance-v1.1` is clearance-v1 but for the evasion routes of issue 15.

Its frozen hash and golden answers are checked with the other versions' in
test_golden_versions.py. Here: v1.1 answers every golden case as v1 does, except the cases
where a word split in two or two words joined reach a listed name.
"""

from __future__ import annotations

import json

from golden_support import read_golden

ALGORITHM = "clearance-v1.1"

_, ROWS = read_golden(ALGORITHM)


# Han names read syllable by syllable (`fang wei`) reach the joined listed given name
# (`FANGWEI`); two negatives gain hits below the review threshold through a merged pair.
ROUTED = {
    "s-cross_script_chinese-005",
    "s-cross_script_chinese-006",
    "s-cross_script_chinese-007",
    "s-negative-008",
    "s-negative-020",
}


def test_only_the_routes_differ_from_v1() -> None:
    _, v1_rows = read_golden("clearance-v1")
    v1_by_id = {r["id"]: r for r in v1_rows}
    differ = set()
    for row in ROWS:
        as_v1 = json.loads(json.dumps(row).replace('"clearance-v1.1"', '"clearance-v1"'))
        if as_v1 != v1_by_id[row["id"]]:
            differ.add(row["id"])
    assert differ == ROUTED
    for case in ("s-cross_script_chinese-005", "s-cross_script_chinese-006"):
        [hit] = next(r for r in ROWS if r["id"] == case)["hits"]
        assert hit["score"] == 1.0 and "(merged)" in hit["features"][0]["detail"]
        assert v1_by_id[case]["hits"] == []
    for case in ("s-negative-008", "s-negative-020"):
        above = [h["id"] for h in v1_by_id[case]["hits"] if h["score"] >= 0.75]
        assert [
            h["id"] for h in next(r for r in ROWS if r["id"] == case)["hits"] if h["score"] >= 0.75
        ] == above
