"""Audit overhead: what recording costs per decision, and how long verification takes.

    python bench/audit_bench.py [--records 100000] [--decisions 200]

1. Decisions per second on the FSB case (SDN 2022-06-17 and 2022-06-28, real rules) with
   `service.decide(audit=False)` (a dry run) and audited (screening alerts + the audit record,
   one unit of work each), and their ratio.
2. `audit verify` time per 100,000 records: that many synthetic records are appended through
   the real append path (ChainWriter.append, 1,000 per transaction) into a temporary SQLite
   database, then the whole chain is verified.

Everything runs in a temporary directory; nothing is left behind.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import Engine

from clearance.audit.chain import locked_chain, verify_chain
from clearance.decisions import Transaction
from clearance.lists import parse_list
from clearance.service import Clearance
from clearance.service.decisions import decide
from clearance.settings import load_settings
from clearance.store.db import make_engine, migrate
from clearance.store.versions import import_list

_BATCH = 1000


def fill_chain(engine: Engine, count: int) -> None:
    settings = load_settings({}, env={}).described()
    written = 0
    while written < count:
        with locked_chain(engine) as writer:
            for n in range(written, min(count, written + _BATCH)):
                writer.append(
                    "screening",
                    {
                        "party": {"name": f"Synthetic Party {n}", "type": "organization"},
                        "hits": [],
                        "list_versions": [{"id": 1, "list": "ofac-sdn", "published": "2024-05-03"}],
                        "settings": settings,
                    },
                    actor="bench",
                )
        written = min(count, written + _BATCH)


def bench_verify(workdir: Path, count: int) -> None:
    engine = make_engine(f"sqlite:///{workdir / 'verify.sqlite'}")
    migrate(engine)
    started = time.perf_counter()
    fill_chain(engine, count)
    filled = time.perf_counter() - started
    started = time.perf_counter()
    result = verify_chain(engine)
    took = time.perf_counter() - started
    engine.dispose()
    assert result.ok and result.checked == count, result.problems[:3]
    print(f"append: {count} records in {filled:.1f} s ({count / filled:,.0f} records/s)")
    print(
        f"audit verify: {took:.2f} s for {count} records = "
        f"{took * 100_000 / count:.2f} s per 100,000 records"
    )


def _fee(n: int) -> Transaction:
    return Transaction.from_dict(
        {
            "id": f"BENCH-{n}",
            "date": "2022-06-20",
            "parties": [{"name": "Federal Security Service", "country": "RU", "role": "payee"}],
            "purpose": "import-authorization-fee",
            "goods": [
                {"description": "laser printers", "eccn": "5A992.c", "export_authorization": "NLR"}
            ],
            "regions": ["RU"],
            "amount": {"value": "10", "currency": "USD"},
        }
    )


def bench_decisions(workdir: Path, lists_dir: Path, count: int) -> None:
    engine = make_engine(f"sqlite:///{workdir / 'decisions.sqlite'}")
    migrate(engine)
    parsed = parse_list(lists_dir / "ofac" / "sdn_csv" / "2022-06-17")
    import_list(engine, parsed, published=date(2022, 6, 17))
    loaded = load_settings({"data_dir": str(workdir / "data")}, env={})
    app = Clearance(engine, loaded, "bench")
    decide(app, _fee(-1), audit=False)  # builds the index once

    started = time.perf_counter()
    for n in range(count):
        decide(app, _fee(n), audit=False)
    plain = count / (time.perf_counter() - started)
    started = time.perf_counter()
    for n in range(count):
        decide(app, _fee(n))
    audited = count / (time.perf_counter() - started)
    engine.dispose()
    print(
        f"decisions: {plain:.1f}/s without recording, {audited:.1f}/s audited "
        f"(ratio {audited / plain:.2f}; overhead {1000 / audited - 1000 / plain:.1f} ms per "
        f"decision: alerts, rules snapshot check, audit record)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--decisions", type=int, default=200)
    parser.add_argument(
        "--lists-dir",
        default=str(load_settings({}, env={}).settings.lists_dir),
        help="Shared list data (default: the lists_dir setting).",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="clearance-audit-bench-") as tmp:
        workdir = Path(tmp)
        bench_decisions(workdir, Path(args.lists_dir), args.decisions)
        bench_verify(workdir, args.records)


if __name__ == "__main__":
    main()
