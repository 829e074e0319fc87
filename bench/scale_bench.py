"""Scale-out benchmark: one process against a LocalCluster of Dask workers on this machine.

    .venv/bin/python bench/scale_bench.py [--names 1000000] [--workers 2] [--out-dir DIR]

Against a SQLite store holding the full OFAC SDN list of 2023-12-28, a generated file of
`--names` parties (default 1,000,000; mostly names that are on no list, as in a real customer
book, with about 1% listed names, some misspelt) is screened twice through the use case every
door calls (`service.screen_parties_file`):

- in one process (`screen_file`, the index loaded from the disk cache);
- on a LocalCluster of `--workers` single-threaded worker processes, started beforehand (its
  start-up is reported apart) and named to the use case as an existing cluster.

Reported: rows per second of each (the screening phase, and end to end), the speed-up and the
rows per second per worker (per core); the index's shipping cost (pickled size, seconds until
every worker held it, unpickling seconds per worker); peak memory (RSS) of the single process
and of each worker; the caller's planning rate (reading the file once, finding partition
boundaries and its checksum, without screening), which bounds how fast any cluster can be fed.
Both outputs are compared byte for byte.

Timings on a shared 2-core machine are noisy: compare the ratios measured in one run, and read
the load average printed at the start.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from faker import Faker

from clearance.lists import parse_list
from clearance.model import ListSource
from clearance.scale.cluster import ClusterSpec, open_cluster
from clearance.scale.partitions import Plan
from clearance.screening import service as screening_service
from clearance.service import Clearance, ScreenRequest, screen_parties_file
from clearance.settings import load_settings
from clearance.store.db import open_store
from clearance.store.versions import import_list

REPO = Path(__file__).resolve().parents[1]
SDN = ("ofac", "sdn_csv", "2023-12-28")
LOCALES = ["en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "ru_RU", "tr_TR", "ar_AA", "fa_IR"]


def generate(path: Path, count: int, listed: list[tuple[str, str]], seed: int) -> None:
    """`count` parties: pools of Faker given names, family names and companies recombined (a
    large vocabulary, as a customer book has), and 1% names from the list, a third misspelt."""
    fake = Faker(LOCALES)
    fake.seed_instance(seed)
    rng = random.Random(seed)
    given = [fake.first_name() for _ in range(4000)]
    family = [fake.last_name() for _ in range(6000)]
    companies = [fake.company() for _ in range(6000)]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "type", "country"])
        for number in range(count):
            roll = rng.random()
            if roll < 0.01:
                name, kind = rng.choice(listed)
                if rng.random() < 0.33 and len(name) > 6:
                    at = rng.randrange(len(name))
                    name = name[:at] + name[at + 1 :]
            elif roll < 0.70:
                name, kind = f"{rng.choice(given)} {rng.choice(family)}", "person"
            else:
                name, kind = rng.choice(companies), "organization"
            writer.writerow([f"c{number}", name, kind, rng.choice(["", "US", "DE", "RU", "IR"])])


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _worker_peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="clearance-scale-bench-") as folder:
        return measure(args, Path(folder))


def measure(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    lists_dir = Path(args.lists_dir)
    db = f"sqlite:///{work / 'store.sqlite'}"
    engine = open_store(db)
    parsed = parse_list(lists_dir.joinpath(*SDN), ListSource.OFAC_SDN)
    import_list(engine, parsed, date(2023, 12, 28))
    listed = [
        (e.primary_name, e.type.value)
        for e in parse_list(lists_dir.joinpath(*SDN), ListSource.OFAC_SDN).entries
        if e.type.value in ("person", "organization")
    ]
    source = work / "parties.csv"
    started = time.perf_counter()
    generate(source, args.names, listed, args.seed)
    report: dict[str, Any] = {
        "names": args.names,
        "workers": args.workers,
        "partition_rows": args.partition_rows,
        "input_bytes": source.stat().st_size,
        "generate_seconds": round(time.perf_counter() - started, 1),
        "load_average": os.getloadavg(),
        "cpus": os.cpu_count(),
    }
    env = {"CLEARANCE_DATA_DIR": str(work / "data"), "CLEARANCE_DB": db}
    app = Clearance(engine, load_settings(env=env), "bench")
    request = ScreenRequest(as_of=date(2024, 1, 2))
    # Build the index and fill the disk cache, as a previous screening would have.
    screen_parties_file(app, _head(source, work / "warm.csv", 100), work / "warm-out.csv", request)

    started, cpu = time.perf_counter(), time.thread_time()
    plan = Plan(str(source), str(source), args.partition_rows)
    partitions = sum(1 for _ in plan)
    plan_seconds, cpu = time.perf_counter() - started, time.thread_time() - cpu
    report["plan"] = {
        "partitions": partitions,
        "seconds": round(plan_seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "rows_per_cpu_second": round(args.names / cpu),
    }

    screening_service.clear_memory_cache()
    started, cpu = time.perf_counter(), time.thread_time()
    single = screen_parties_file(app, source, work / "single.csv", request)
    total, cpu = time.perf_counter() - started, time.thread_time() - cpu
    report["single"] = {
        "seconds": round(single.timings["run"], 1),
        "end_to_end_seconds": round(total, 1),
        "rows_per_second": round(args.names / single.timings["run"]),
        "cpu_seconds": round(cpu, 1),
        "rows_per_cpu_second": round(args.names / cpu),
        "peak_rss_mb": round(peak_rss_mb()),
        "hits": single.summary.output_rows,
        "matches": single.summary.matches,
    }
    _print("single process", report["single"])

    started = time.perf_counter()
    with open_cluster(ClusterSpec(workers=args.workers)) as client:
        report["cluster_start_seconds"] = round(time.perf_counter() - started, 1)
        address = client.scheduler_info(n_workers=0)["address"]
        clustered = Clearance(
            engine,
            load_settings(
                {"dask_scheduler": address, "dask_partition_rows": args.partition_rows}, env=env
            ),
            "bench",
        )
        screening_service.clear_memory_cache()
        started = time.perf_counter()
        batch = screen_parties_file(clustered, source, work / "cluster.csv", request)
        total = time.perf_counter() - started
        worker_rss = client.run(_worker_peak_rss_mb)
    assert batch.shipping is not None
    seconds = batch.timings["run"]
    report["cluster"] = {
        "seconds": round(seconds, 1),
        "end_to_end_seconds": round(total, 1),
        "rows_per_second": round(args.names / seconds),
        "rows_per_second_per_worker": round(args.names / seconds / args.workers),
        "worker_cpu_seconds": round(batch.timings["screening_cpu"], 1),
        "rows_per_cpu_second": round(args.names / batch.timings["screening_cpu"]),
        "partitions": batch.partitions,
        "worker_peak_rss_mb": sorted(round(v) for v in worker_rss.values()),
        "identical_output": (work / "cluster.csv").read_bytes()
        == (work / "single.csv").read_bytes(),
    }
    report["shipping"] = {
        "index_bytes": batch.shipping["bytes"],
        "seconds_until_every_worker_holds_it": round(batch.shipping["seconds"], 2),
        "arrivals_per_worker": sorted(batch.shipping["arrivals"].values()),
        "unpickle_seconds_per_worker": sorted(
            round(v, 2) for v in batch.shipping["unpickle_seconds"].values()
        ),
    }
    report["speedup"] = round(
        report["cluster"]["rows_per_second"] / report["single"]["rows_per_second"], 2
    )
    _print("cluster", report["cluster"])
    _print("shipping", report["shipping"])
    engine.dispose()
    return report


def _head(source: Path, target: Path, rows: int) -> Path:
    with source.open(encoding="utf-8") as handle:
        target.write_text("".join(handle.readline() for _ in range(rows + 1)), encoding="utf-8")
    return target


def _print(title: str, values: dict[str, Any]) -> None:
    print(f"{title}: " + ", ".join(f"{k}={v}" for k, v in values.items()), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--names", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--partition-rows", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=20231228)
    parser.add_argument("--out-dir", default=str(REPO / "build" / "bench"))
    parser.add_argument(
        "--lists-dir",
        default=os.environ.get("CLEARANCE_LISTS_DIR") or str(REPO.parent / "shared/data/lists"),
    )
    args = parser.parse_args()
    report = run(args)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "scale_bench.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
    sys.exit(0 if report["cluster"]["identical_output"] else 1)


if __name__ == "__main__":
    main()
