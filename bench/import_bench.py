"""Import benchmark: the 2023-12-28 OFAC SDN set (sdn/add/alt) into a fresh store.

Figures are printed as ratios against a baseline run in the same process — reading the same
three files with the csv module and nothing else — because wall-clock seconds on these shared
machines are noisy. Peak memory is measured in a child process (ru_maxrss), against the same
child's footprint after imports and before the work, so it is the import's own cost.

Usage: python bench/import_bench.py [--repeat N] [--pg URL]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LISTS = Path(os.environ.get("CLEARANCE_LISTS_DIR") or REPO.parent / "shared/data/lists")
SNAPSHOT = LISTS / "ofac/sdn_csv/2023-12-28"


def baseline_csv_read() -> int:
    rows = 0
    for name in ("sdn.csv", "add.csv", "alt.csv"):
        text = (SNAPSHOT / name).read_bytes().decode("cp1252", errors="replace")
        rows += sum(1 for _ in csv.reader(io.StringIO(text)))
    return rows


def parse_only() -> int:
    from clearance.lists import parse_list

    return sum(1 for _ in parse_list(SNAPSHOT).entries)


def full_import(url: str) -> int:
    from clearance.lists import parse_list
    from clearance.store.db import open_store
    from clearance.store.versions import import_list

    engine = open_store(url)
    result = import_list(engine, parse_list(SNAPSHOT), published=date(2023, 12, 28))
    engine.dispose()
    return result.version.entry_count


def best_of(repeat: int, func: object, *args: object) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func(*args)  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


_CHILD = """
import resource, sys, json, tracemalloc
sys.path.insert(0, {bench!r})
from import_bench import full_import
def rss_kib():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0
before = rss_kib()
tracemalloc.start()
n = full_import({url!r})
heap_peak = tracemalloc.get_traced_memory()[1] // 1024
tracemalloc.stop()
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"entries": n, "rss_before_kib": before, "rss_peak_kib": after,
                  "heap_peak_kib": heap_peak}}))
"""


def peak_memory(url: str) -> dict[str, int]:
    code = _CHILD.format(bench=str(Path(__file__).parent), url=url)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    result: dict[str, int] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def pg_url_fresh(base: str) -> str | None:
    """A fresh schema on the PostgreSQL server, or None when it is unreachable."""
    try:
        from sqlalchemy import create_engine, text

        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        schema = f"bench_{os.getpid()}_{time.monotonic_ns()}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
    except Exception as exc:  # report and carry on without the PostgreSQL figure
        print(f"  PostgreSQL skipped: {exc.__class__.__name__}")
        return None
    return f"{base}?options=-csearch_path%3D{schema}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()

    print(f"== import benchmark: {SNAPSHOT}")
    baseline = best_of(args.repeat, baseline_csv_read)
    parsed = best_of(args.repeat, parse_only)
    with tempfile.TemporaryDirectory() as tmp:
        urls = iter(f"sqlite:///{tmp}/b{i}.sqlite" for i in range(100))
        sqlite_time = best_of(args.repeat, lambda: full_import(next(urls)))
        memory = peak_memory(f"sqlite:///{tmp}/mem.sqlite")
    entries = memory["entries"]
    print(f"  baseline (csv.reader over sdn/add/alt, no model): {baseline:.3f} s")
    print(f"  parse to Entry objects:        {parsed:.3f} s   = {parsed / baseline:.1f}x baseline")
    print(
        f"  parse + import, SQLite:        {sqlite_time:.3f} s   = {sqlite_time / baseline:.1f}x "
        f"baseline  ({entries / sqlite_time:,.0f} entries/s, {entries} entries)"
    )
    pg = pg_url_fresh(args.pg)
    if pg is not None:
        pg_time = best_of(1, full_import, pg)
        print(
            f"  parse + import, PostgreSQL:    {pg_time:.3f} s   = {pg_time / baseline:.1f}x "
            f"baseline  ({entries / pg_time:,.0f} entries/s)"
        )
    growth = (memory["rss_peak_kib"] - memory["rss_before_kib"]) / 1024
    print(
        f"  peak RSS of an import process: {memory['rss_peak_kib'] / 1024:.0f} MiB "
        f"({growth:.0f} MiB above the bare interpreter); peak Python heap during the import "
        f"{memory['heap_peak_kib'] / 1024:.0f} MiB"
    )


if __name__ == "__main__":
    main()
