"""The golden files of screening algorithms: reading them, and answering their cases.

`golden/<algorithm>.jsonl` freezes an algorithm (test_golden.py asserts every row); its first
line is a `meta` row (the algorithm and the SHA-256 of its configuration), every other line a
case and the answer the algorithm gave:

- `compare` rows: a name pair through `clearance.screening.compare` (the score, every
  feature's name, score and detail) and, at full float precision, the `score_names` result
  behind it (score, both coverages, every aligned token pair);
- `search` rows: a `Party` through `ScreeningIndex.search` on a real index (entry ids, scores,
  match flags, matched names and every feature of every hit).

The index is built from `golden/index-slice.jsonl.gz`, a committed snapshot of real list
entries (make_golden.py says which, and makes the files).
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from clearance.model import (
    Entry,
    EntryType,
    Feature,
    Identifier,
    Party,
    canonical_json,
    entry_from_dict,
)
from clearance.names import analyze_name
from clearance.screening import ScreeningIndex, compare, get_algorithm
from clearance.screening.scorer import score_names

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
SLICE_FILE = GOLDEN_DIR / "index-slice.jsonl.gz"
FIRST_ALGORITHM = "clearance-v1"


# --- the index -------------------------------------------------------------------------------


def load_slice() -> list[tuple[str, int, Entry]]:
    lines = gzip.decompress(SLICE_FILE.read_bytes()).decode("utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    return [(r["list"], r["version"], entry_from_dict(r["entry"])) for r in rows]


def build_index(algorithm: str = FIRST_ALGORITHM) -> ScreeningIndex:
    return ScreeningIndex.build(load_slice(), algorithm)


def config_sha256(algorithm: str) -> str:
    text = canonical_json(get_algorithm(algorithm).to_dict())
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- answering a case ------------------------------------------------------------------------


def _features(features: Iterable[Feature]) -> list[dict[str, Any]]:
    return [{"name": f.name, "score": f.score, "detail": f.detail} for f in features]


def compare_answer(case: dict[str, Any], algorithm: str) -> dict[str, Any]:
    kind = EntryType(case["type"])
    score, features = compare(case["left"], case["right"], kind, algorithm)
    reading = get_algorithm(algorithm).reading
    query = analyze_name(case["left"], kind, reading=reading)
    listed = analyze_name(case["right"], kind, reading=reading)
    raw = None
    if query.tokens and listed.tokens:
        result = score_names(query, listed, get_algorithm(algorithm))
        raw = {
            "score": result.score,
            "query_coverage": result.query_coverage,
            "listed_coverage": result.listed_coverage,
            "pairs": [[p.query, p.listed, p.similarity, p.how] for p in result.pairs],
        }
    return {"score": score, "features": _features(features), "raw": raw}


def _party(data: dict[str, Any]) -> Party:
    return Party(
        data["name"],
        EntryType(data.get("type", "unknown")),
        country=data.get("country"),
        dob=data.get("dob"),
        identifiers=tuple(Identifier(i["kind"], i["value"]) for i in data.get("identifiers", ())),
    )


def search_answer(case: dict[str, Any], index: ScreeningIndex) -> dict[str, Any]:
    hits = index.search(_party(case["party"]), threshold=case["threshold"], top=case["top"])
    return {
        "hits": [
            {
                "list": h.list_name,
                "version": h.list_version_id,
                "id": h.entry.source_id,
                "score": h.score,
                "match": h.match,
                "matched": [h.matched_name.name, h.matched_name.kind.value],
                "algorithm": h.algorithm,
                "features": _features(h.features),
            }
            for h in hits
        ]
    }


CASE_KEYS = ("id", "kind", "category", "left", "right", "type", "party", "threshold", "top", "aim")


def answer(case: dict[str, Any], index: ScreeningIndex | None, algorithm: str) -> dict[str, Any]:
    """The row for `case`: its own keys plus the algorithm's answer, as JSON would hold it.

    `index` (built by `build_index`) is needed for search cases only."""
    row = {k: case[k] for k in CASE_KEYS if k in case}
    if case["kind"] == "compare":
        row |= compare_answer(case, algorithm)
    else:
        assert index is not None, "a search case needs the index"
        row |= search_answer(case, index)
    # Through JSON and back: tuples become lists, exactly as the stored row reads.
    result: dict[str, Any] = json.loads(json.dumps(row, ensure_ascii=False))
    return result


def golden_file(algorithm: str) -> Path:
    return GOLDEN_DIR / f"{algorithm}.jsonl"


def read_golden(algorithm: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    lines = golden_file(algorithm).read_text(encoding="utf-8").splitlines()
    meta, *rows = (json.loads(line) for line in lines)
    return meta, rows


def meta_row(algorithm: str) -> dict[str, Any]:
    return {
        "kind": "meta",
        "algorithm": algorithm,
        "config_sha256": config_sha256(algorithm),
        "slice": SLICE_FILE.name,
    }


# --- checking ------------------------------------------------------------------------------


def check(algorithm: str) -> list[str]:
    """Every difference between the golden file and what `algorithm` answers now."""
    meta, rows = read_golden(algorithm)
    problems = []
    if meta != meta_row(algorithm):
        problems.append(f"meta: stored {meta}, now {meta_row(algorithm)}")
    index = build_index(algorithm)
    for row in rows:
        now = answer(row, index, algorithm)
        if now != row:
            problems.append(f"{row['id']}:\n  stored {row}\n  now    {now}")
    return problems


def assert_covers_every_kind(rows: list[dict[str, Any]]) -> None:
    """A golden file holds every kind of case, and a good part of its rows go through a real
    index and find things."""
    assert len(rows) >= 300
    assert len({r["id"] for r in rows}) == len(rows)
    categories = Counter(r["category"] for r in rows)
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
    searches = [r for r in rows if r["kind"] == "search"]
    assert len(searches) >= 150
    assert sum(1 for r in searches if r["hits"]) >= 120
