"""Cross-checks of state kept beside the chain: alert review state and the cap ledger.

The `alert` table and `ledger_entry` are working state that use cases update in the same
transaction as the audit record that explains the change. Plain SQL can insert or edit those
rows without any record (a forged false-positive review silences later hits; a forged
reversal frees cap headroom), so `audit verify` compares them with the records:

* every alert must be named by the record that raised it (`created_seq`); its review state,
  reviewer and the keys a suppression matches on (fingerprint, list, entry, entry content
  hash) must be those of the last `review` record of that alert, which must be `review_seq`;
  an alert no record reviewed must be open;
* every drawdown must be one a `decision` record drew (transaction, cap, amount), and every
  reversal one a `ledger` record wrote (its row id, cap, amount);
* every `recorded_decision` (what a repeated transaction id answers with) must be the decision
  its `decision` record holds.

Rows older than the chain's first remaining record (purged) cannot be checked and are skipped.
With an audit key the records themselves are MAC'd, so the rows cannot be made to agree by
forging records too.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Connection, select

from clearance.audit.chain import VerifyResult, as_utc, row_to_record
from clearance.audit.records import DECISION, LEDGER, REVIEW
from clearance.audit.tables import alert, audit_record
from clearance.decisions.tables import ledger_entry, recorded_decision

_CHUNK = 500

# (transaction id, family, holder, period, amount in cents)
_LedgerKey = tuple[str, str, str, str, int]


def check_derived_state(conn: Connection, result: VerifyResult) -> None:
    """Add to `result.inconsistent` every alert or ledger row its records do not explain."""
    first_seq = result.first_seq or 1
    floor = _first_created_at(conn, first_seq) if first_seq > 1 else None
    _check_alerts(conn, result, first_seq)
    _check_ledger(conn, result, floor)


def _first_created_at(conn: Connection, seq: int) -> datetime | None:
    found = conn.scalar(select(audit_record.c.created_at).where(audit_record.c.seq == seq))
    return as_utc(found) if found is not None else None


def _payloads(conn: Connection, kind: str) -> Iterator[tuple[int, dict[str, Any]]]:
    rows = conn.execute(
        select(audit_record.c.seq, audit_record.c.payload)
        .where(audit_record.c.kind == kind)
        .order_by(audit_record.c.seq)
        .execution_options(stream_results=True, yield_per=2000)
    )
    for seq, text in rows:
        try:
            body = json.loads(text)
        except ValueError:
            continue  # the hash check already names an unreadable payload
        if isinstance(body, dict):
            yield int(seq), body


def _names_alert(value: Any, alert_id: int) -> bool:
    """Does a payload hold `{"alert": alert_id, ...}` anywhere (a hit's review, a new alert)?"""
    if isinstance(value, Mapping):
        if value.get("alert") == alert_id:
            return True
        return any(_names_alert(v, alert_id) for v in value.values())
    if isinstance(value, list):
        return any(_names_alert(v, alert_id) for v in value)
    return False


def _records_by_seq(conn: Connection, seqs: set[int]) -> dict[int, dict[str, Any]]:
    found: dict[int, dict[str, Any]] = {}
    ordered = sorted(seqs)
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        for row in conn.execute(select(audit_record).where(audit_record.c.seq.in_(chunk))):
            try:
                found[int(row.seq)] = row_to_record(row).payload
            except ValueError:
                continue
    return found


def _check_alerts(conn: Connection, result: VerifyResult, first_seq: int) -> None:
    last_review: dict[int, tuple[int, dict[str, Any]]] = {}
    for seq, body in _payloads(conn, REVIEW):
        if isinstance(body.get("alert"), int):
            last_review[body["alert"]] = (seq, body)
    rows = conn.execute(select(alert).order_by(alert.c.id)).all()
    raising = _records_by_seq(
        conn, {int(r.created_seq) for r in rows if r.created_seq >= first_seq}
    )
    for row in rows:
        where = f"alert {row.id}"
        if row.created_seq >= first_seq and not _names_alert(raising.get(row.created_seq), row.id):
            result.inconsistent.append(
                f"{where}: record {row.created_seq}, which it says raised it, does not name it "
                "(row inserted outside the audit trail)"
            )
        review = last_review.get(int(row.id))
        if row.review_seq is None:
            if review is not None:
                result.inconsistent.append(
                    f"{where}: reviewed in record {review[0]} but the row shows no review"
                )
            elif row.state != "open" or row.final or row.reviewer is not None:
                result.inconsistent.append(
                    f"{where}: state {row.state!r} without any review record (edited by hand)"
                )
            continue
        if row.review_seq < first_seq:
            continue  # its review record was purged
        if review is None or review[0] != row.review_seq:
            last = f"record {review[0]}" if review else "no review record"
            result.inconsistent.append(
                f"{where}: names review record {row.review_seq}, but its last review is {last}"
            )
            continue
        mismatch = _review_mismatch(row, review[1])
        if mismatch:
            result.inconsistent.append(
                f"{where}: {mismatch} differ from review record {review[0]} (edited by hand)"
            )


def _review_mismatch(row: Any, body: Mapping[str, Any]) -> str:
    to = body.get("to")
    target: Mapping[str, Any] = to if isinstance(to, Mapping) else {}
    expected: dict[str, Any] = {
        "state": target.get("state"),
        "final": target.get("final"),
        "fingerprint": body.get("fingerprint"),
        "list_name": body.get("list"),
        "entry_id": body.get("source_id"),
        "entry_hash": body.get("entry_hash"),
    }
    if body.get("action") != "confirm":  # a confirmation keeps the first reviewer's name
        expected |= {"reviewer": body.get("reviewer"), "note": body.get("note")}
    differing = [name for name, value in expected.items() if getattr(row, name) != value]
    return ", ".join(differing)


def _cents(text: Any) -> int | None:
    try:
        cents = Decimal(str(text)) * 100
    except (InvalidOperation, ValueError):
        return None
    return int(cents) if cents == cents.to_integral_value() else None


def _drawn_in_chain(
    conn: Connection, decisions: dict[str, Mapping[str, Any]]
) -> Counter[_LedgerKey]:
    """The drawdowns the decision records drew; fills `decisions` (transaction id -> the
    recorded decision) on the way."""
    drawn: Counter[_LedgerKey] = Counter()
    for _seq, body in _payloads(conn, DECISION):
        decision = body.get("decision")
        if not body.get("ledger_recorded") or not isinstance(decision, Mapping):
            continue
        if decision.get("replayed"):
            continue  # a repeated transaction id: the earlier record drew
        decisions[str(decision.get("transaction_id"))] = decision
        for cap in decision.get("caps") or ():
            cents = _cents(cap.get("this")) if isinstance(cap, Mapping) else None
            if cents is not None and cap.get("drawn"):
                txn = str(decision.get("transaction_id"))
                drawn[(txn, cap["family"], cap["holder"], cap["period"], cents)] += 1
    return drawn


def _reversed_in_chain(conn: Connection) -> dict[int, _LedgerKey]:
    written: dict[int, _LedgerKey] = {}
    for _seq, body in _payloads(conn, LEDGER):
        for row in body.get("rows") or ():
            cents = _cents(row.get("amount")) if isinstance(row, Mapping) else None
            if cents is not None and isinstance(row.get("id"), int):
                key = (str(row["transaction_id"]), row["family"], row["holder"], row["period"])
                written[row["id"]] = (*key, cents)
    return written


def _check_ledger(conn: Connection, result: VerifyResult, floor: datetime | None) -> None:
    decisions: dict[str, Mapping[str, Any]] = {}
    drawn, reversals = _drawn_in_chain(conn, decisions), _reversed_in_chain(conn)
    for row in conn.execute(select(recorded_decision).order_by(recorded_decision.c.id)):
        if floor is not None and as_utc(row.decided_at) < floor:
            continue
        try:
            same = json.loads(row.body) == decisions.get(row.transaction_id)
        except ValueError:
            same = False
        if not same:
            result.inconsistent.append(
                f"recorded decision {row.id} ({row.transaction_id!r}): not the decision its "
                "decision record holds (inserted or edited outside the audit trail)"
            )
    for row in conn.execute(select(ledger_entry).order_by(ledger_entry.c.id)):
        if floor is not None and as_utc(row.recorded_at) < floor:
            continue  # recorded before the purged part of the chain ended
        key = (row.transaction_id, row.family, row.holder, row.period, int(row.amount_cents))
        where = f"ledger row {row.id} ({row.kind} of {row.transaction_id!r})"
        if row.kind == "drawdown" and drawn[key] > 0:
            drawn[key] -= 1
        elif row.kind == "reversal" and reversals.get(int(row.id)) == key:
            del reversals[int(row.id)]
        else:
            result.inconsistent.append(
                f"{where}: no {'decision' if row.kind == 'drawdown' else 'ledger'} record "
                "wrote it (inserted outside the audit trail)"
            )
