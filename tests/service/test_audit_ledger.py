"""The cap ledger checked against the chain by `audit verify`, and concurrent reversals.

A ledger row inserted by plain SQL (a drawdown nobody decided, a reversal that frees cap
headroom) has no record that wrote it: verify names the row. Both backends.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from service_support import fee_to_fsb, import_version
from sqlalchemy import Engine, select

from clearance.decisions import ledger
from clearance.decisions.tables import ledger_entry, recorded_decision
from clearance.service import Clearance, audit_trail, decide
from clearance.service.decisions import reverse_drawdown

pytestmark = pytest.mark.slow  # imports the whole SDN list of 2022-06-17


@pytest.fixture
def decided(app: Clearance, lists_dir: Path) -> Clearance:
    """A store with one recorded FSB fee (a drawdown on GL 1B's cap) and one reversed."""
    import_version(app.engine, lists_dir / "ofac" / "sdn_csv" / "2022-06-17", date(2022, 6, 17))
    for txn_id in ("T-1", "T-2"):
        result = decide(app, fee_to_fsb(txn_id, "2022-07-15"), record=True)
        assert result.decision.recorded
    reverse_drawdown(app, "T-2", "payment returned")
    return app


def _row(engine: Engine, txn_id: str, kind: str) -> dict[str, object]:
    with engine.connect() as conn:
        row = conn.execute(
            select(ledger_entry).where(
                ledger_entry.c.transaction_id == txn_id, ledger_entry.c.kind == kind
            )
        ).one()
    return dict(row._mapping)


def test_recorded_drawdowns_and_reversals_verify(decided: Clearance) -> None:
    result = audit_trail.verify(decided)
    assert result.ok, (result.problems, result.inconsistent)


def test_ledger_rows_inserted_by_plain_sql_are_named(decided: Clearance) -> None:
    engine = decided.engine
    drawdown = _row(engine, "T-1", "drawdown")
    forged_reversal = drawdown | {
        "kind": "reversal",
        "idempotency_key": f"reversal:{drawdown['id']}",
        "amount_cents": -int(drawdown["amount_cents"]),  # type: ignore[call-overload]
        "quantity": -int(drawdown["quantity"]),  # type: ignore[call-overload]
        "reverses_id": drawdown["id"],
        "decision_id": None,
        "note": "refund",
        "recorded_at": datetime.now(UTC),
    }
    forged_drawdown = drawdown | {"transaction_id": "T-X", "idempotency_key": "T-X"}
    with engine.begin() as conn:
        for values in (forged_reversal, forged_drawdown):
            del values["id"]
            conn.execute(ledger_entry.insert().values(**values))
    result = audit_trail.verify(decided)
    assert not result.ok
    assert len(result.inconsistent) == 2, result.inconsistent
    assert "(reversal of 'T-1'): no ledger record wrote it" in result.inconsistent[0]
    assert "(drawdown of 'T-X'): no decision record wrote it" in result.inconsistent[1]


def test_concurrent_reversals_of_one_drawdown_answer_already_reversed(
    app: Clearance, lists_dir: Path
) -> None:
    import_version(app.engine, lists_dir / "ofac" / "sdn_csv" / "2022-06-17", date(2022, 6, 17))
    decide(app, fee_to_fsb("T-R", "2022-07-15"), record=True)
    start = threading.Barrier(4)
    outcomes: list[str] = []

    def reverse() -> None:
        start.wait()
        try:
            reverse_drawdown(app, "T-R", "returned")
            outcomes.append("reversed")
        except ledger.LedgerConflict as exc:
            outcomes.append(str(exc))

    threads = [threading.Thread(target=reverse) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (
        sorted(outcomes)
        == ["reversed"] + ["the drawdowns of transaction 'T-R' are already reversed"] * 3
    )
    assert audit_trail.verify(app).ok


def test_a_recorded_decision_edited_or_inserted_by_plain_sql_is_named(
    decided: Clearance,
) -> None:
    engine = decided.engine
    with engine.begin() as conn:
        row = conn.execute(
            select(recorded_decision).where(recorded_decision.c.transaction_id == "T-1")
        ).one()
        forged = dict(row._mapping) | {"transaction_id": "T-9"}
        del forged["id"]
        # What a repeat of T-9 would answer with, though nobody decided T-9.
        conn.execute(recorded_decision.insert().values(**forged))
    result = audit_trail.verify(decided)
    assert not result.ok
    assert len(result.inconsistent) == 1
    assert "('T-9'): not the decision its decision record holds" in result.inconsistent[0]
