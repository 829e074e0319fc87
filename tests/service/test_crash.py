"""A decision's drawdown and its audit record commit together or not at all.

A real process is killed with SIGKILL at two points inside `service.decide(record=True)`:
right after the cap drawdown is written, and right after the audit record is appended (both
before the commit). Afterwards, on SQLite and PostgreSQL, the ledger and the chain agree — no
drawdown without its record —, `audit verify` passes, and the same transaction can be sent
again and is drawn down once, with its record.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest
from service_support import fee_to_fsb

from clearance.audit.chain import verify_chain
from clearance.audit.records import DECISION, iter_records
from clearance.decisions import ledger
from clearance.lists import parse_list
from clearance.service import Clearance, decide
from clearance.settings import load_settings
from clearance.store.db import open_store
from clearance.store.versions import import_list

# Runs in the child: patch one step of the unit of work to kill the process right after it.
CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from clearance.audit.chain import ChainWriter
    from clearance.decisions import ledger
    from clearance.service import Clearance, decide
    from clearance.settings import load_settings
    sys.path.insert(0, sys.argv[3])
    from service_support import fee_to_fsb

    where = sys.argv[1]

    def killing(original):
        def step(*args, **kwargs):
            result = original(*args, **kwargs)
            os.kill(os.getpid(), signal.SIGKILL)
            return result
        return step

    if where == "after-drawdown":
        ledger.write_drawdowns = killing(ledger.write_drawdowns)
    else:
        ChainWriter.append = killing(ChainWriter.append)
    app = Clearance.open(load_settings({"db": sys.argv[2]}))
    decide(app, fee_to_fsb("T-CRASH", "2022-06-20"), record=True)
    print("not killed")
    """
)


def decision_records(app: Clearance) -> list[int]:
    return [r.seq for r in iter_records(app.engine) if r.kind == DECISION]


@pytest.mark.slow
@pytest.mark.parametrize("where", ["after-drawdown", "after-record"])
def test_killed_decision_leaves_neither_drawdown_nor_record(
    store_url: str, lists_dir: Path, tmp_path: Path, where: str
) -> None:
    env = {**os.environ, "CLEARANCE_DATA_DIR": str(tmp_path / "data")}
    app = Clearance(open_store(store_url), load_settings({"db": store_url}, env=env), "tester")
    parsed = parse_list(lists_dir / "ofac" / "sdn_csv" / "2022-06-17")
    import_list(app.engine, parsed, published=date(2022, 6, 17))
    head_before = verify_chain(app.engine).last_hash

    child = subprocess.run(
        [sys.executable, "-c", CHILD, where, store_url, str(Path(__file__).parent)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert child.returncode == -signal.SIGKILL, child.stdout + child.stderr

    # Nothing of the killed decision survived: no drawdown, no decision, no record.
    assert ledger.entries(app.engine) == []
    assert ledger.find_recorded(app.engine, "T-CRASH") is None
    assert decision_records(app) == []
    verified = verify_chain(app.engine)
    assert verified.ok, verified.problems
    assert verified.last_hash == head_before

    # The same transaction sent again: decided afresh, drawn once, recorded once.
    again = decide(app, fee_to_fsb("T-CRASH", "2022-06-20"), record=True)
    assert again.decision.decision.value == "AUTHORIZED"
    assert again.decision.recorded and not again.decision.replayed
    assert [r.transaction_id for r in ledger.entries(app.engine)] == ["T-CRASH"]
    assert again.record is not None and decision_records(app) == [again.record.seq]
    assert again.record.payload["ledger_recorded"] is True
    assert verify_chain(app.engine).ok
