"""Decision throughput: what `--record` (the atomic cap drawdown) costs, on SQLite and PostgreSQL.

    python bench/decisions_bench.py [--decisions 300] [--threads 4] [--pg URL] [--no-pg]

The FSB case with the real rules: the SDN snapshot of late 2018 is imported (as published
2018-12-31) into a temporary store per backend, and N USD 10 notification fees to the FSB on
2019-03-01 are decided one after another:

1. baseline: `decide` without recording (screening, evaluation, an unlocked usage read);
2. `decide --record`: the same plus locking the cap, reading its usage under the lock and
   writing the drawdown, in one database transaction;
3. `decide --record` from several threads at once (they queue on the same cap lock).

Each transaction has its own id and one of 50 cap holders, so no cap runs out. Figures are
printed as decisions per second and as ratios against the baseline of the same backend in the
same process, because wall-clock seconds on shared machines are noisy. The JSON goes to
build/bench/decisions_bench.json. Everything else runs in temporary storage.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text

from clearance.decisions import Outcome, RuleSet, Transaction, load_rules
from clearance.decisions.flow import decide
from clearance.lists import parse_list
from clearance.settings import Settings
from clearance.store.db import make_engine, migrate
from clearance.store.versions import import_list

REPO = Path(__file__).resolve().parents[1]
LISTS = Path(os.environ.get("CLEARANCE_LISTS_DIR") or REPO.parent / "shared/data/lists")
SNAPSHOT = LISTS / "ofac/sdn_csv/2018-12"
DEFAULT_PG = os.environ.get(
    "CLEARANCE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def fee(txn_id: str, holder: str) -> Transaction:
    return Transaction.from_dict(
        {
            "id": txn_id,
            "date": "2019-03-01",
            "parties": [{"name": "Federal Security Service", "country": "RU"}],
            "purpose": "import-authorization-fee",
            "goods": [
                {"description": "laser printers", "eccn": "5A992.c", "export_authorization": "NLR"}
            ],
            "regions": ["RU"],
            "amount": {"value": 10, "currency": "USD"},
            "cap_holder": holder,
        }
    )


@contextmanager
def sqlite_store(folder: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{folder / 'bench.sqlite'}")
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def pg_store(url: str) -> Iterator[Engine]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def run_serial(
    engine: Engine, rules: RuleSet, settings: Settings, prefix: str, count: int, record: bool
) -> tuple[float, Counter[str]]:
    outcomes: Counter[str] = Counter()
    start = time.perf_counter()
    for i in range(count):
        decision = decide(
            engine,
            fee(f"{prefix}-{i}", f"holder-{i % 50}"),
            rules=rules,
            settings=settings,
            record=record,
        )
        outcomes[decision.decision.value] += 1
    return time.perf_counter() - start, outcomes


def run_threads(
    engine: Engine, rules: RuleSet, settings: Settings, count: int, threads: int
) -> tuple[float, Counter[str]]:
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(threads)

    def work(worker: int) -> None:
        barrier.wait()
        for i in range(worker, count, threads):
            decision = decide(
                engine,
                fee(f"thr-{i}", f"holder-{i % 50}"),
                rules=rules,
                settings=settings,
                record=True,
            )
            with lock:
                outcomes[decision.decision.value] += 1

    pool = [threading.Thread(target=work, args=(w,)) for w in range(threads)]
    start = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return time.perf_counter() - start, outcomes


def bench_backend(
    name: str,
    store: Callable[[], Any],
    rules: RuleSet,
    settings: Settings,
    count: int,
    threads: int,
) -> dict[str, object]:
    with store() as engine:
        migrate(engine)
        import_list(engine, parse_list(SNAPSHOT), published=date(2018, 12, 31))
        # Warm-up: builds the screening index once, outside the timings.
        decide(engine, fee("warm-up", "warm-up"), rules=rules, settings=settings)
        base_s, base_out = run_serial(engine, rules, settings, "base", count, record=False)
        rec_s, rec_out = run_serial(engine, rules, settings, "rec", count, record=True)
        thr_s, thr_out = run_threads(engine, rules, settings, count, threads)
    for outcomes in (base_out, rec_out, thr_out):
        if outcomes != {Outcome.AUTHORIZED.value: count}:
            raise SystemExit(f"{name}: unexpected outcomes {dict(outcomes)}")
    return {
        "backend": name,
        "decisions": count,
        "baseline_per_s": round(count / base_s, 1),
        "record_per_s": round(count / rec_s, 1),
        "record_threads_per_s": round(count / thr_s, 1),
        "threads": threads,
        "record_vs_baseline": round(base_s / rec_s, 3),
        "record_threads_vs_baseline": round(base_s / thr_s, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--decisions", type=int, default=300)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL URL (a schema is made)")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument("--out-dir", type=Path, default=REPO / "build" / "bench")
    args = parser.parse_args()

    rules = load_rules()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "data")
        sqlite_dir = Path(tmp) / "sqlite"
        sqlite_dir.mkdir()
        results.append(
            bench_backend(
                "sqlite",
                lambda: sqlite_store(sqlite_dir),
                rules,
                settings,
                args.decisions,
                args.threads,
            )
        )
        if not args.no_pg:
            try:
                probe = create_engine(args.pg)
                with probe.connect():
                    pass
                probe.dispose()
            except Exception as exc:  # no server: say so and carry on with SQLite alone
                print(f"postgresql: skipped ({exc.__class__.__name__}: not reachable at {args.pg})")
            else:
                results.append(
                    bench_backend(
                        "postgresql",
                        lambda: pg_store(args.pg),
                        rules,
                        settings,
                        args.decisions,
                        args.threads,
                    )
                )

    print(f"decisions: {args.decisions} FSB fees on 2019-03-01 (SDN 2018-12), real screening")
    for r in results:
        print(
            f"{r['backend']:>10}: baseline {r['baseline_per_s']}/s; --record {r['record_per_s']}/s"
            f" (x{r['record_vs_baseline']} of baseline); --record x{r['threads']} threads "
            f"{r['record_threads_per_s']}/s (x{r['record_threads_vs_baseline']})"
        )
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / "decisions_bench.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
