"""Issue 13's side-by-side: clearance-v1, v1.1, v2, v3 and v4, nomenklatura logic-v2 and the
Jaro-Winkler brute force on the extended real-data evaluation set (bench/realeval.py).

    .venv/bin/python bench/v2_report.py [--persons 6000] [--companies 1500] [--logic-top 5]

Per query and system: the best score of the expected entry and the best score of any other
entry (top 10 candidates of each clearance version; logic-v2 rescoring the union of all
versions' top `--logic-top`, as the screening benchmark does: a comparison of scorers).

Thresholds are chosen on the `tune` split only: for each system the lowest threshold at which
at most `--target-fpr` of the tune split's clean names (persons and companies) score a wrong
entry at or above it. Every figure printed is measured on the `report` split, at that
threshold and at each system's conventional one (clearance 0.80, logic-v2 0.70, JW 0.85).
Writes build/bench/v2_report.json and .txt.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import baselines
import evalset
import realeval

from clearance.model import Entry, Hit, Party
from clearance.screening import ScreeningIndex

VERSIONS = ("clearance-v1", "clearance-v1.1", "clearance-v2", "clearance-v3", "clearance-v4")
CONVENTIONAL = {**dict.fromkeys(VERSIONS, 0.80), "logic-v2": 0.70, "jw": 0.85}
GRID = np.round(np.arange(0.60, 1.0001, 0.005), 3)


def run_clearance(
    entries: Sequence[Entry], queries: Sequence[realeval.Query], algorithm: str
) -> tuple[np.ndarray, np.ndarray, list[list[Hit]], float, float]:
    t0 = time.perf_counter()
    index = ScreeningIndex.build([("ofac-sdn", 1, e) for e in entries], algorithm)
    build = time.perf_counter() - t0
    expected = np.zeros(len(queries))
    wrong = np.zeros(len(queries))
    kept: list[list[Hit]] = []
    t0 = time.perf_counter()
    for i, q in enumerate(queries):
        hits = index.search(Party(q.name, q.type), threshold=0.0, top=10)
        kept.append(hits)
        for hit in hits:
            if hit.entry.source_id == q.expected_id:
                expected[i] = max(expected[i], hit.score)
            else:
                wrong[i] = max(wrong[i], hit.score)
    return expected, wrong, kept, build, time.perf_counter() - t0


def run_logic(
    queries: Sequence[realeval.Query], candidates: Sequence[Sequence[Hit]]
) -> tuple[np.ndarray, np.ndarray, float]:
    scorer = baselines.LogicV2Baseline()
    expected = np.zeros(len(queries))
    wrong = np.zeros(len(queries))
    t0 = time.perf_counter()
    for i, (q, hits) in enumerate(zip(queries, candidates, strict=True)):
        entity = scorer.query_entity(Party(q.name, q.type))
        for entry in {h.entry.source_id: h.entry for h in hits}.values():
            score = scorer.score(entity, entry)
            if entry.source_id == q.expected_id:
                expected[i] = max(expected[i], score)
            else:
                wrong[i] = max(wrong[i], score)
    return expected, wrong, time.perf_counter() - t0


def pick_threshold(wrong: np.ndarray, clean: np.ndarray, target: float) -> float:
    for t in GRID:
        if (wrong[clean] >= t).mean() <= target:
            return float(t)
    return 1.0


def measures(
    queries: Sequence[realeval.Query], expected: np.ndarray, wrong: np.ndarray, t: float
) -> dict[str, Any]:
    report = np.array([q.split == "report" for q in queries])
    positive = np.array([q.positive for q in queries])
    groups: dict[str, list[int]] = defaultdict(list)
    for i, q in enumerate(queries):
        if report[i]:
            groups[f"kind {q.kind}"].append(i)
            groups[f"{'pos' if q.positive else 'neg'} script {q.script}"].append(i)
            groups[f"{'pos' if q.positive else 'neg'} type {q.type.value}"].append(i)
    out: dict[str, Any] = {"threshold": t}
    for name, rows in sorted(groups.items()):
        ids = np.array(rows)
        if positive[ids[0]]:
            out[name] = {"n": len(ids), "recall": round(float((expected[ids] >= t).mean()), 4)}
        else:
            out[name] = {"n": len(ids), "fpr": round(float((wrong[ids] >= t).mean()), 4)}
    pos, neg = report & positive, report & ~positive
    out["recall all"] = round(float((expected[pos] >= t).mean()), 4)
    out["fpr all negatives"] = round(float((wrong[neg] >= t).mean()), 4)
    tp = float((expected[pos] >= t).sum())
    fp = float((wrong[neg] >= t).sum() + ((wrong[pos] >= t) & (expected[pos] < t)).sum())
    fn = float((expected[pos] < t).sum())
    out["f1"] = round(2 * tp / (2 * tp + fp + fn), 4) if tp else 0.0
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lists-dir", type=Path, default=evalset.DEFAULT_LISTS_DIR)
    parser.add_argument("--seed", type=int, default=evalset.DEFAULT_SEED)
    parser.add_argument("--persons", type=int, default=6000)
    parser.add_argument("--companies", type=int, default=1500)
    parser.add_argument("--logic-top", type=int, default=5)
    parser.add_argument("--no-logic-v2", action="store_true")
    parser.add_argument("--target-fpr", type=float, default=0.005)
    parser.add_argument("--out-dir", type=Path, default=evalset.REPO_ROOT / "build" / "bench")
    args = parser.parse_args(argv)
    base, queries = realeval.build(
        args.lists_dir, args.seed, args.persons, args.companies, evalset.Sizes()
    )
    entries = base.index_entries
    scores: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    timing: dict[str, Any] = {}
    candidates: dict[str, list[list[Hit]]] = {}
    for algorithm in VERSIONS:
        e, w, kept, build, seconds = run_clearance(entries, queries, algorithm)
        scores[algorithm], candidates[algorithm] = (e, w), kept
        timing[algorithm] = {"build_s": round(build, 2), "search_s": round(seconds, 2)}
    t0 = time.perf_counter()
    brute = baselines.JaroWinklerBruteForce(entries)
    pairs = brute.pair_scores([q.name for q in queries], [q.expected_id for q in queries])
    scores["jw"] = (pairs.expected.astype(float), pairs.best_wrong.astype(float))
    timing["jw"] = {"search_s": round(time.perf_counter() - t0, 2)}
    if not args.no_logic_v2:
        union = [
            [hit for version in versions for hit in version[: args.logic_top]]
            for versions in zip(*(candidates[v] for v in VERSIONS), strict=True)
        ]
        e, w, seconds = run_logic(queries, union)
        scores["logic-v2"] = (e, w)
        timing["logic-v2"] = {"search_s": round(seconds, 2)}
    tune_clean = np.array(
        [q.split == "tune" and q.kind in realeval.NEGATIVE_KINDS for q in queries]
    )
    result: dict[str, Any] = {"queries": len(queries), "timing": timing, "systems": {}}
    for system, (e, w) in scores.items():
        tuned = pick_threshold(w, tune_clean, args.target_fpr)
        result["systems"][system] = {
            "tuned": measures(queries, e, w, tuned),
            "conventional": measures(queries, e, w, CONVENTIONAL[system]),
        }
    text = render(result)
    print(text)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / "v2_report.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    (args.out_dir / "v2_report.txt").write_text(text + "\n", encoding="utf-8")
    return 0


def render(result: dict[str, Any]) -> str:
    systems = list(result["systems"])
    lines = [f"{result['queries']} queries; figures on the report split; timing {result['timing']}"]
    for mode in ("tuned", "conventional"):
        lines.append("")
        lines.append(f"[{mode} threshold]" + "".join(f"{s:>22}" for s in systems))
        rows = sorted({k for s in systems for k in result["systems"][s][mode]})
        for row in rows:
            cells = []
            for s in systems:
                v = result["systems"][s][mode].get(row)
                if isinstance(v, dict):
                    cells.append(f"{v.get('recall', v.get('fpr')):.3f} (n={v['n']})")
                else:
                    cells.append("-" if v is None else f"{v:.3f}")
            lines.append(f"{row:40}" + "".join(f"{c:>22}" for c in cells))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
