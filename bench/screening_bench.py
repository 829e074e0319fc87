"""Screening benchmark: accuracy on the labelled evaluation set, and speed, in one process.

    .venv/bin/python bench/screening_bench.py [--out-dir bench/output] [--seed N] [--quick]

Systems compared on the same queries (bench/evalset.py, built from the 2023-12-28 SDN list with
held-out aliases removed from what is indexed):

- clearance: `ScreeningIndex.search(party, threshold=0, top=TOP)` over the index;
- JW brute force: Jaro-Winkler against every listed name (bench/baselines.py);
- nomenklatura logic-v2, scoring the candidates clearance retrieved (bench/baselines.py).

For each query, each system gives the best score against the expected entry and the best score
against any other entry (for negatives every entry is "other"). From these:

- recall at 1% FPR: the threshold is set so that at most 1% of negative queries have a top hit
  above it; recall is the share of positives whose expected entry scores above it;
- recall and FPR at a fixed threshold (clearance's default match threshold for all three, and
  each baseline's conventional one);
- top-1: the expected entry scores above every other entry.

Speed (single process, single thread, over the full SDN list, all names): index build time,
latency of one search (median, p95), throughput of clearance vs. the JW brute force, and, if
the CLI has `screen --input`, end-to-end throughput on a generated CSV of `--cli-rows` (18,600)
parties: in all CPUs (`screen_processes`) and with `--processes 1`, with the CPU seconds and
the peak memory (the run and its worker processes) of each run.

Prints a plain-text report and writes it as JSON (`screening_bench.json`) and the evaluation
set (`evalset.csv`) into the output folder.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import baselines
import evalset

from clearance.model import Entry, Hit, Party
from clearance.screening import ScreeningIndex, get_algorithm

TOP = 10  # candidates per query: what a reviewer would see, and what logic-v2 rescores
TARGET_FPR = 0.01
EXAMPLES_SHOWN = 4  # per kind in the text report (the JSON keeps more)
EXAMPLES_KEPT = 25


# --- per-system results ----------------------------------------------------------------------


@dataclass
class SystemScores:
    """Per query, aligned with the evaluation set's queries."""

    name: str
    expected: np.ndarray
    best_wrong: np.ndarray
    best_wrong_id: list[str]
    best_wrong_name: list[str]
    seconds: float
    notes: list[str] = field(default_factory=list)


def threshold_at_fpr(negative_top: np.ndarray, target: float) -> float:
    """The lowest threshold t with at most `target` of negatives scoring strictly above t."""
    ordered = np.sort(negative_top)[::-1]
    allowed = int(np.floor(target * len(ordered)))
    return float(ordered[allowed]) if allowed < len(ordered) else 0.0


def _rate(flags: np.ndarray) -> float:
    return float(flags.mean()) if len(flags) else 0.0


def metrics(
    scores: SystemScores,
    queries: Sequence[evalset.EvalQuery],
    fixed_thresholds: dict[str, float],
) -> dict[str, Any]:
    positive = np.array([q.positive for q in queries])
    kinds = np.array([q.kind for q in queries])
    negative_top = scores.best_wrong[~positive]
    at_fpr = threshold_at_fpr(negative_top, TARGET_FPR)
    result: dict[str, Any] = {
        "threshold_at_1pct_fpr": round(at_fpr, 4),
        "fpr_at_that_threshold": round(_rate(negative_top > at_fpr), 4),
        "recall_at_1pct_fpr": round(_rate(scores.expected[positive] > at_fpr), 4),
        "top1": round(_rate(scores.expected[positive] > scores.best_wrong[positive]), 4),
        # Expected entry among the candidates at all (for clearance: its index retrieved it).
        "retrieved": round(_rate(scores.expected[positive] > 0), 4),
        "fixed": {},
        "per_kind": {},
        "seconds": round(scores.seconds, 2),
    }
    for label, threshold in fixed_thresholds.items():
        result["fixed"][label] = {
            "threshold": threshold,
            "recall": round(_rate(scores.expected[positive] >= threshold), 4),
            "fpr": round(_rate(negative_top >= threshold), 4),
        }
    for kind in evalset.POSITIVE_KINDS + evalset.NEGATIVE_KINDS:
        mask = kinds == kind
        if not mask.any():
            continue
        row: dict[str, Any] = {"queries": int(mask.sum())}
        if kind in evalset.POSITIVE_KINDS:
            row["recall_at_1pct_fpr"] = round(_rate(scores.expected[mask] > at_fpr), 4)
            row["top1"] = round(_rate(scores.expected[mask] > scores.best_wrong[mask]), 4)
            row["retrieved"] = round(_rate(scores.expected[mask] > 0), 4)
            for label, threshold in fixed_thresholds.items():
                row[f"recall@{label}"] = round(_rate(scores.expected[mask] >= threshold), 4)
        else:
            row["fpr_at_1pct_threshold"] = round(_rate(scores.best_wrong[mask] > at_fpr), 4)
            for label, threshold in fixed_thresholds.items():
                row[f"fpr@{label}"] = round(_rate(scores.best_wrong[mask] >= threshold), 4)
        result["per_kind"][kind] = row
    return result


# --- clearance -------------------------------------------------------------------------------


def _items(entries: Sequence[Entry]) -> list[tuple[str, int, Entry]]:
    return [("ofac-sdn", 1, e) for e in entries]


def _party(query: evalset.EvalQuery) -> Party:
    return Party(name=query.name, type=query.type)


def run_clearance(
    index: Any, queries: Sequence[evalset.EvalQuery]
) -> tuple[SystemScores, list[list[Hit]]]:
    expected = np.zeros(len(queries), dtype=np.float32)
    wrong = np.zeros(len(queries), dtype=np.float32)
    wrong_ids: list[str] = []
    wrong_names: list[str] = []
    candidates: list[list[Hit]] = []
    started = time.perf_counter()
    for i, query in enumerate(queries):
        hits = index.search(_party(query), threshold=0.0, top=TOP)
        candidates.append(hits)
        best_other: Hit | None = None
        for hit in hits:
            if hit.entry.source_id == query.expected_id:
                expected[i] = max(expected[i], hit.score)
            elif best_other is None or hit.score > best_other.score:
                best_other = hit
        wrong[i] = best_other.score if best_other else 0.0
        wrong_ids.append(best_other.entry.source_id if best_other else "")
        wrong_names.append(best_other.matched_name.name if best_other else "")
    seconds = time.perf_counter() - started
    scores = SystemScores("clearance", expected, wrong, wrong_ids, wrong_names, seconds)
    return scores, candidates


def run_logic_v2(
    queries: Sequence[evalset.EvalQuery], candidates: Sequence[Sequence[Hit]]
) -> SystemScores:
    scorer = baselines.LogicV2Baseline()
    expected = np.zeros(len(queries), dtype=np.float32)
    wrong = np.zeros(len(queries), dtype=np.float32)
    wrong_ids: list[str] = []
    wrong_names: list[str] = []
    started = time.perf_counter()
    for i, (query, hits) in enumerate(zip(queries, candidates, strict=True)):
        query_entity = scorer.query_entity(_party(query))
        best_other = ("", "", 0.0)
        for hit in hits:
            score = scorer.score(query_entity, hit.entry)
            if hit.entry.source_id == query.expected_id:
                expected[i] = max(expected[i], score)
            elif score > best_other[2]:
                best_other = (hit.entry.source_id, hit.entry.primary_name, score)
        wrong[i] = best_other[2]
        wrong_ids.append(best_other[0])
        wrong_names.append(best_other[1])
    seconds = time.perf_counter() - started
    notes = [
        f"nomenklatura {scorer.version}; scores the top {TOP} candidates clearance retrieved, "
        "so its recall is capped by clearance's retrieval"
    ]
    return SystemScores("logic-v2", expected, wrong, wrong_ids, wrong_names, seconds, notes)


def run_jw(index_entries: Sequence[Entry], queries: Sequence[evalset.EvalQuery]) -> SystemScores:
    started = time.perf_counter()
    brute = baselines.JaroWinklerBruteForce(index_entries)
    pairs = brute.pair_scores([q.name for q in queries], [q.expected_id for q in queries])
    seconds = time.perf_counter() - started
    notes = [f"{len(brute.names)} names, rapidfuzz cdist, workers=1"]
    return SystemScores(
        "jw-brute-force",
        pairs.expected,
        pairs.best_wrong,
        pairs.best_wrong_id,
        pairs.best_wrong_name,
        seconds,
        notes,
    )


# --- misses ----------------------------------------------------------------------------------


def examples(
    scores: SystemScores,
    queries: Sequence[evalset.EvalQuery],
    threshold: float,
    entries: dict[str, Entry],
) -> dict[str, list[dict[str, Any]]]:
    """Per kind: positives below `threshold` (misses) and negatives at or above it (false
    alarms), worst first."""
    found: dict[str, list[tuple[float, dict[str, Any]]]] = {}
    for i, query in enumerate(queries):
        expected, wrong = float(scores.expected[i]), float(scores.best_wrong[i])
        if query.positive and expected < threshold:
            entry = entries.get(query.expected_id or "")
            item = {
                "query": query.name,
                "expected": f"{query.expected_id} {entry.primary_name if entry else '?'}",
                "expected_score": round(expected, 3),
                "top_other": f"{scores.best_wrong_id[i]} {scores.best_wrong_name[i]}"
                if scores.best_wrong_id[i]
                else "none",
                "top_other_score": round(wrong, 3),
            }
            found.setdefault(query.kind, []).append((expected, item))
        elif not query.positive and wrong >= threshold:
            item = {
                "query": query.name,
                "hit": f"{scores.best_wrong_id[i]} {scores.best_wrong_name[i]}",
                "score": round(wrong, 3),
            }
            found.setdefault(query.kind, []).append((-wrong, item))
    return {
        kind: [item for _, item in sorted(rows, key=lambda r: r[0])[:EXAMPLES_KEPT]]
        for kind, rows in found.items()
    }


def disagreements(
    clearance: SystemScores,
    other: SystemScores,
    queries: Sequence[evalset.EvalQuery],
    systems: dict[str, Any],
    entries: dict[str, Entry],
) -> dict[str, dict[str, Any]]:
    """Positives one scorer finds at its 1%-FPR threshold and the other does not, per kind."""
    mine = systems[clearance.name]["threshold_at_1pct_fpr"]
    theirs = systems[other.name]["threshold_at_1pct_fpr"]
    found: dict[str, dict[str, Any]] = {}
    for i, query in enumerate(queries):
        if not query.positive:
            continue
        ours, baseline = float(clearance.expected[i]), float(other.expected[i])
        if (ours > mine) == (baseline > theirs):
            continue
        winner = clearance.name if ours > mine else other.name
        entry = entries.get(query.expected_id or "")
        group = found.setdefault(f"{query.kind}: only {winner}", {"count": 0, "examples": []})
        group["count"] += 1
        if len(group["examples"]) < EXAMPLES_KEPT:
            group["examples"].append(
                {
                    "query": query.name,
                    "expected": f"{query.expected_id} {entry.primary_name if entry else '?'}",
                    clearance.name: round(ours, 3),
                    other.name: round(baseline, 3),
                }
            )
    return found


# --- speed -----------------------------------------------------------------------------------


def _percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def speed(
    entries: Sequence[Entry],
    queries: Sequence[evalset.EvalQuery],
    build_index: Callable[[Sequence[Entry]], Any],
    sample_size: int,
    jw_sample_size: int,
    seed: int,
) -> dict[str, Any]:
    rng = random.Random(seed)
    sample = rng.sample(list(queries), min(sample_size, len(queries)))
    started = time.perf_counter()
    index = build_index(entries)
    build_seconds = time.perf_counter() - started
    brute = baselines.JaroWinklerBruteForce(entries)
    # One warm-up search each: first-use costs (lazy tables, caches) are not per-query costs.
    index.search(_party(sample[0]))
    brute.best(sample[0].name)
    # The two run in alternating blocks so that both see the same load on a shared machine.
    latencies: list[float] = []
    jw_count, jw_seconds = 0, 0.0
    block = 50
    jw_per_block = max(1, block * jw_sample_size // len(sample))
    for start in range(0, len(sample), block):
        chunk = sample[start : start + block]
        for query in chunk:
            t0 = time.perf_counter()
            index.search(_party(query))
            latencies.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        for query in chunk[:jw_per_block]:
            brute.best(query.name)
        jw_seconds += time.perf_counter() - t0
        jw_count += len(chunk[:jw_per_block])
    clearance_qps = len(latencies) / sum(latencies)
    jw_qps = jw_count / jw_seconds
    return {
        "entries": len(entries),
        "names": len(brute.names),
        "index_build_seconds": round(build_seconds, 3),
        "clearance": {
            "queries": len(latencies),
            "queries_per_second": round(clearance_qps, 1),
            "latency_ms_median": round(statistics.median(latencies) * 1000, 3),
            "latency_ms_p95": round(_percentile(latencies, 95) * 1000, 3),
            "latency_ms_max": round(max(latencies) * 1000, 3),
        },
        "jw_brute_force": {
            "queries": jw_count,
            "queries_per_second": round(jw_qps, 1),
            "method": "rapidfuzz process.extractOne, JaroWinkler.normalized_similarity",
        },
        "throughput_ratio_clearance_over_jw": round(clearance_qps / jw_qps, 2),
    }


def cli_throughput(
    lists_dir: Path,
    queries: Sequence[evalset.EvalQuery],
    rows: int,
    seed: int,
    algorithm: str = "clearance-v1",
) -> dict[str, Any]:
    """`clearance screen --input` end to end, on a fresh SQLite store, if the command exists."""
    exe = shutil.which("clearance", path=str(Path(sys.executable).parent))
    if exe is None:
        return {"skipped": "no clearance executable next to this Python"}
    probe = subprocess.run([exe, "screen", "--help"], capture_output=True, text=True)
    if probe.returncode != 0 or "--input" not in probe.stdout:
        return {"skipped": "the CLI has no `screen --input` yet"}
    rng = random.Random(seed)
    chosen = [rng.choice(queries) for _ in range(rows)]
    with tempfile.TemporaryDirectory(prefix="clearance-bench-") as tmp:
        db = f"sqlite:///{tmp}/store.db"
        folder = lists_dir / "ofac" / "sdn_csv" / evalset.SDN_DATE
        imported = subprocess.run(
            [exe, "lists", "import", str(folder), "--published", evalset.SDN_DATE, "--db", db],
            capture_output=True,
            text=True,
        )
        if imported.returncode != 0:
            return {"failed": f"lists import: {imported.stderr.strip()[-500:]}", "rows": rows}
        input_path, output_path = Path(tmp) / "parties.csv", Path(tmp) / "hits.csv"
        with input_path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(("id", "name", "type"))
            writer.writerows((f"r{i}", q.name, q.type.value) for i, q in enumerate(chosen))
        command = [exe, "screen", "--input", str(input_path), "--output", str(output_path)]
        env = dict(os.environ, CLEARANCE_SCREENING_ALGORITHM=algorithm)
        env["CLEARANCE_DATA_DIR"] = str(Path(tmp) / "data")
        # The first run after an import builds the index from the store (and may cache it);
        # the second shows the steady state (all CPUs: `screen_processes`); `single` the same
        # in one process (`--processes 1`); `zero` asks for every candidate
        # (`--threshold 0 --top 10`); `one` screens a single name (start-up, warm cache).
        runs: dict[str, float] = {}
        cpu: dict[str, float] = {}
        memory: dict[str, dict[str, float]] = {}
        extra = {
            "single": ["--processes", "1"],
            "zero": ["--threshold", "0", "--top", "10"],
        }
        for run in ("cold", "warm", "single", "zero", "one"):
            argv = [*command, *extra.get(run, []), "--db", db]
            if run == "one":
                argv = [exe, "screen", chosen[0].name, "--db", db]
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            returncode, stderr, memory[run] = _run_sampled(argv, env)
            runs[run] = time.perf_counter() - t0
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[run] = round(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, 2)
            if returncode != 0:
                return {"failed": f"{run} run: {stderr.strip()[-500:]}", "rows": rows}
        with output_path.open(encoding="utf-8", newline="") as handle:
            hit_rows = sum(1 for _ in csv.DictReader(handle))
    return {
        "processes": _screen_processes(env),
        "single_seconds": round(runs["single"], 2),
        "single_rows_per_second": round(rows / runs["single"], 1),
        "single_over_warm": round(runs["single"] / runs["warm"], 2),
        "cpu_seconds": cpu,
        "peak_memory_mb": memory,
        "rows": rows,
        "cold_seconds": round(runs["cold"], 2),
        "cold_rows_per_second": round(rows / runs["cold"], 1),
        "warm_seconds": round(runs["warm"], 2),
        "warm_rows_per_second": round(rows / runs["warm"], 1),
        "zero_threshold_top10_seconds": round(runs["zero"], 2),
        "zero_over_default": round(runs["zero"] / runs["warm"], 2),
        "one_name_seconds": round(runs["one"], 2),
        "hit_rows_written": hit_rows,
        "note": "each run is a new process: start, store open, index (built or cached), audit",
    }


def _screen_processes(env: dict[str, str]) -> int:
    """What `screen --input` uses by default: $CLEARANCE_SCREEN_PROCESSES, or the CPUs."""
    named = env.get("CLEARANCE_SCREEN_PROCESSES")
    return int(named) if named else len(os.sched_getaffinity(0))


def _run_sampled(argv: list[str], env: dict[str, str]) -> tuple[int, str, dict[str, float]]:
    """Run `argv`; its return code, stderr, and the peak memory of it and its worker
    processes together (sampled every 50 ms): RSS summed (pages shared copy-on-write counted
    once per process) and PSS summed (shared pages split between the processes sharing
    them: the memory the run really takes)."""
    import psutil

    peak_rss = peak_pss = 0
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err, env=env)
        parent = psutil.Process(proc.pid)
        while proc.poll() is None:
            rss = pss = 0
            try:
                for p in [parent, *parent.children(recursive=True)]:
                    info = p.memory_full_info()
                    rss, pss = rss + info.rss, pss + info.pss
            except psutil.Error:
                pass  # a process ended while sampled
            peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
            time.sleep(0.05)
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    mb = 1024 * 1024
    return proc.returncode, stderr, {"rss": round(peak_rss / mb, 1), "pss": round(peak_pss / mb, 1)}


# --- report ----------------------------------------------------------------------------------


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b > 0 else "n/a"


def render(report: dict[str, Any]) -> str:
    lines: list[str] = []
    out = lines.append
    meta = report["meta"]
    out("clearance screening benchmark")
    out(
        f"list: OFAC SDN {meta['sdn_date']} ({meta['entries']} entries); "
        f"seed {meta['seed']}; {meta['queries']} queries "
        f"({meta['positives']} positive, {meta['negatives']} negative)"
    )
    out(f"machine: {meta['machine']}; load average at start {meta['loadavg']}")
    out("")
    systems = report["systems"]
    names = list(systems)
    fixed_labels = list(next(iter(systems.values()))["fixed"])
    out("ACCURACY (recall at 1% FPR: threshold set on the negatives of each system)")
    header = f"{'':32}" + "".join(f"{n:>16}" for n in names)
    out(header)
    out(
        f"{'threshold @1% FPR':32}"
        + "".join(f"{systems[n]['threshold_at_1pct_fpr']:>16.3f}" for n in names)
    )
    out(
        f"{'recall @1% FPR':32}"
        + "".join(f"{systems[n]['recall_at_1pct_fpr']:>16.3f}" for n in names)
    )
    out(f"{'top-1':32}" + "".join(f"{systems[n]['top1']:>16.3f}" for n in names))
    out(f"{'retrieved':32}" + "".join(f"{systems[n]['retrieved']:>16.3f}" for n in names))
    for label in fixed_labels:
        cells = []
        for n in names:
            fixed = systems[n]["fixed"].get(label)
            cells.append(f"{fixed['recall']:.3f}/{fixed['fpr']:.3f}" if fixed else "-")
        threshold = next(
            s["fixed"][label]["threshold"] for s in systems.values() if label in s["fixed"]
        )
        out(f"{f'recall/FPR @{label} {threshold}':32}" + "".join(f"{c:>16}" for c in cells))
    out("")
    out("recall @1% FPR per variation kind")
    out(f"{'kind':32}" + "".join(f"{n:>16}" for n in names) + "  ratios clearance/baseline")
    for kind in evalset.POSITIVE_KINDS:
        rows = [systems[n]["per_kind"].get(kind) for n in names]
        if rows[0] is None:
            continue
        values = [r["recall_at_1pct_fpr"] if r else 0.0 for r in rows]
        ratios = " ".join(
            f"{n}={_ratio(values[0], v)}" for n, v in zip(names[1:], values[1:], strict=True)
        )
        out(
            f"{kind + ' (' + str(rows[0]['queries']) + ')':32}"
            + "".join(f"{v:>16.3f}" for v in values)
            + f"  {ratios}"
        )
    overall = [systems[n]["recall_at_1pct_fpr"] for n in names]
    ratios = " ".join(
        f"{n}={_ratio(overall[0], v)}" for n, v in zip(names[1:], overall[1:], strict=True)
    )
    out(f"{'all positives':32}" + "".join(f"{v:>16.3f}" for v in overall) + f"  {ratios}")
    out("")
    label = fixed_labels[0]
    out(f"false-positive rate per negative kind @{label}")
    for kind in evalset.NEGATIVE_KINDS:
        rows = [systems[n]["per_kind"].get(kind) for n in names]
        if rows[0] is None:
            continue
        cells = [f"{r[f'fpr@{label}']:.3f}" if r and f"fpr@{label}" in r else "-" for r in rows]
        out(
            f"{kind + ' (' + str(rows[0]['queries']) + ')':32}" + "".join(f"{c:>16}" for c in cells)
        )
    out("")
    out(
        "scoring time for the whole set (s): "
        + ", ".join(f"{n} {systems[n]['seconds']}" for n in names)
    )
    for n in names:
        for note in systems[n].get("notes", []):
            out(f"note ({n}): {note}")
    out("")
    speed_report = report["speed"]
    out(
        f"SPEED (one thread, full list: {speed_report['entries']} entries, "
        f"{speed_report['names']} names)"
    )
    c, j = speed_report["clearance"], speed_report["jw_brute_force"]
    out(f"index build: {speed_report['index_build_seconds']} s")
    out(
        f"clearance search: {c['queries_per_second']} queries/s over {c['queries']} queries; "
        f"latency median {c['latency_ms_median']} ms, p95 {c['latency_ms_p95']} ms, "
        f"max {c['latency_ms_max']} ms"
    )
    out(f"JW brute force: {j['queries_per_second']} queries/s over {j['queries']} queries")
    out(f"throughput ratio clearance / JW: {speed_report['throughput_ratio_clearance_over_jw']}")
    cli = report["cli"]
    if "warm_rows_per_second" in cli:
        out(
            f"clearance screen --input, {cli['rows']} rows: first run after import "
            f"{cli['cold_seconds']} s ({cli['cold_rows_per_second']} rows/s), second run "
            f"{cli['warm_seconds']} s ({cli['warm_rows_per_second']} rows/s)"
        )
        out(
            f"  whole run / JW brute force: {cli['warm_over_jw']}x; --threshold 0 --top 10: "
            f"{cli['zero_threshold_top10_seconds']} s ({cli['zero_over_default']}x the default); "
            f"one name (start-up, warm cache): {cli['one_name_seconds']} s"
        )
        out(
            f"  in {cli['processes']} process(es) vs --processes 1 "
            f"({cli['single_seconds']} s, {cli['single_over_jw']}x JW): "
            f"{cli['single_over_warm']}x faster; CPU s per run {cli['cpu_seconds']}"
        )
        out(f"  peak memory, MB (run + its workers, summed): {cli['peak_memory_mb']}")
        out(f"  ({cli['note']})")
    else:
        out(f"clearance screen --input: {cli.get('skipped') or cli.get('failed')}")
    out("")
    out(f"CLEARANCE per kind @{label}: recall, retrieved in top {report['meta']['top']}, top-1")
    clearance = systems[names[0]]["per_kind"]
    for kind in evalset.POSITIVE_KINDS:
        row = clearance.get(kind)
        if row:
            out(
                f"{kind:32}{row[f'recall@{label}']:>8.3f}{row['retrieved']:>8.3f}"
                f"{row['top1']:>8.3f}"
            )
    if report.get("disagreements"):
        out("")
        out("positives found by only one of clearance / logic-v2 at its own 1%-FPR threshold")
        for key, group in sorted(report["disagreements"].items()):
            shown = "; ".join(f"{r['query']!r} ({r['expected']})" for r in group["examples"][:2])
            out(f"  {key}: {group['count']}, e.g. {shown}")
    out("")
    out(f"CLEARANCE MISSES AND FALSE ALARMS @{label} (worst first; JSON has more)")
    for kind, items in report["examples"]["clearance"].items():
        out(f"[{kind}]")
        for item in items[:EXAMPLES_SHOWN]:
            if "expected" in item:
                out(
                    f"  {item['query']!r} -> expected {item['expected']!r} "
                    f"scored {item['expected_score']}; top other {item['top_other']!r} "
                    f"{item['top_other_score']}"
                )
            else:
                out(f"  {item['query']!r} -> {item['hit']!r} {item['score']}")
    return "\n".join(lines)


# --- main ------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lists-dir", type=Path, default=evalset.DEFAULT_LISTS_DIR)
    parser.add_argument("--seed", type=int, default=evalset.DEFAULT_SEED)
    # build/ is git-ignored: nothing measured here is committed.
    parser.add_argument("--out-dir", type=Path, default=evalset.REPO_ROOT / "build" / "bench")
    parser.add_argument("--algorithm", default="clearance-v1")
    parser.add_argument("--quick", action="store_true", help="a quarter-size evaluation set")
    parser.add_argument("--no-logic-v2", action="store_true", help="skip nomenklatura")
    parser.add_argument("--speed-queries", type=int, default=1000)
    parser.add_argument("--jw-speed-queries", type=int, default=500)
    # The whole-file measure: 18,600 queries through `screen --input`.
    parser.add_argument("--cli-rows", type=int, default=18_600)
    args = parser.parse_args(argv)

    algorithm = get_algorithm(args.algorithm)

    def build_index(entries: Sequence[Entry]) -> Any:
        return ScreeningIndex.build(_items(entries), algorithm=args.algorithm)

    loadavg = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    entries = evalset.load_sdn(args.lists_dir)
    sizes = evalset.Sizes().scaled(0.25) if args.quick else evalset.Sizes()
    evaluation = evalset.build_evalset(entries, seed=args.seed, sizes=sizes)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    evalset.write_csv(evaluation, args.out_dir / "evalset.csv")
    queries = evaluation.queries

    eval_index = build_index(evaluation.index_entries)
    clearance_scores, candidates = run_clearance(eval_index, queries)
    del eval_index
    results = [clearance_scores, run_jw(evaluation.index_entries, queries)]
    if not args.no_logic_v2:
        results.append(run_logic_v2(queries, candidates))

    fixed = {
        "clearance-match": algorithm.match_threshold,
        "clearance-review": algorithm.review_threshold,
    }
    systems: dict[str, Any] = {}
    for scores in results:
        own = dict(fixed)
        if scores.name == "jw-brute-force":
            own["conventional"] = baselines.JW_CONVENTIONAL_THRESHOLD
        elif scores.name == "logic-v2":
            own["conventional"] = baselines.LOGIC_V2_THRESHOLD
        systems[scores.name] = metrics(scores, queries, own) | {"notes": scores.notes}
    by_id = {e.source_id: e for e in evaluation.index_entries}
    report: dict[str, Any] = {
        "meta": {
            "sdn_date": evalset.SDN_DATE,
            "entries": len(entries),
            "seed": args.seed,
            "queries": len(queries),
            "positives": sum(q.positive for q in queries),
            "negatives": sum(not q.positive for q in queries),
            "held_out_aliases": sum(len(v) for v in evaluation.held_out.values()),
            "algorithm": args.algorithm,
            "match_threshold": algorithm.match_threshold,
            "review_threshold": algorithm.review_threshold,
            "top": TOP,
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}",
            "loadavg": loadavg,
        },
        "systems": systems,
        "examples": {
            s.name: examples(s, queries, algorithm.match_threshold, by_id)
            for s in results
            if s.name == "clearance"
        },
    }
    if len(results) == 3:
        report["disagreements"] = disagreements(results[0], results[2], queries, systems, by_id)
    report["speed"] = speed(
        entries, queries, build_index, args.speed_queries, args.jw_speed_queries, args.seed
    )
    report["cli"] = cli_throughput(
        args.lists_dir, queries, args.cli_rows, args.seed, args.algorithm
    )
    if "warm_rows_per_second" in report["cli"]:
        jw_qps = report["speed"]["jw_brute_force"]["queries_per_second"]
        report["cli"]["warm_over_jw"] = round(report["cli"]["warm_rows_per_second"] / jw_qps, 2)
        report["cli"]["single_over_jw"] = round(report["cli"]["single_rows_per_second"] / jw_qps, 2)
    text = render(report)
    print(text)
    (args.out_dir / "screening_bench.json").write_text(
        json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    (args.out_dir / "screening_bench.txt").write_text(text + "\n", encoding="utf-8")
    print(f"\nwritten: {args.out_dir / 'screening_bench.json'}, {args.out_dir / 'evalset.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
