"""The cap ledger: drawdowns per (license family, cap holder, period), drawn atomically.

Two concurrent decisions must never together exceed a cap. A recording decision therefore
runs in one write transaction (the caller's: `clearance.service.uow`, so the decision's audit
record commits with its drawdowns) that first locks every cap it may touch (`lock_caps`),
then reads their usage, evaluates, and writes its drawdowns before it commits:

* SQLite: `BEGIN IMMEDIATE` takes the database write lock before anything is read, so
  writers queue (the busy timeout makes them wait) and each reads the sums its predecessors
  committed.
* PostgreSQL: one `cap_counter` row per cap, created on demand (`INSERT ... ON CONFLICT DO
  NOTHING`), locked with `SELECT ... FOR UPDATE` in a fixed order (no deadlocks); under READ
  COMMITTED the sum read after the lock sees every earlier committed drawdown.

Drawdowns are never edited (a trigger refuses UPDATE and DELETE); a reversal is a new negative
row. The transaction id is the idempotency key: `recorded_decision.transaction_id` is unique,
so a repeated id returns the earlier decision instead of drawing twice. Anything that fails
before the commit rolls the whole transaction back: a failed decision leaves no trace here.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, insert, or_, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from clearance.decisions.caps import CapKey, Usage
from clearance.decisions.identity import canonical_holder
from clearance.decisions.tables import cap_counter, ledger_entry, recorded_decision
from clearance.decisions.trace import Decision
from clearance.decisions.transaction import Transaction
from clearance.model import canonical_json
from clearance.store.db import within

CENTS = Decimal(100)


class LedgerError(Exception):
    """A ledger request that cannot be honoured (conflicting repeat of a transaction id...)."""


class LedgerNotFound(LedgerError):
    """No drawdowns are recorded for the transaction (a door answers 404)."""


class LedgerConflict(LedgerError):
    """The request contradicts what the ledger holds: already reversed (a door answers 409)."""


def to_cents(value: Decimal) -> int:
    cents = value * CENTS
    if cents != cents.to_integral_value():
        raise LedgerError(f"amount {value} has more than two decimal places")
    return int(cents)


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / CENTS).quantize(Decimal("0.01"))


def _usage(conn: Connection, keys: Collection[CapKey]) -> dict[CapKey, Usage]:
    """What has been drawn on each cap. Holders are compared canonically
    (`identity.canonical_holder`): rows written before holders were canonical (`ACME Corp`)
    count against the same cap as `acme corp`."""
    if not keys:
        return {}
    wanted = {(k.family, k.period) for k in keys}
    rows = conn.execute(
        select(
            ledger_entry.c.family,
            ledger_entry.c.holder,
            ledger_entry.c.period,
            func.coalesce(func.sum(ledger_entry.c.amount_cents), 0),
            func.coalesce(func.sum(ledger_entry.c.quantity), 0),
        )
        .where(tuple_(ledger_entry.c.family, ledger_entry.c.period).in_(sorted(wanted)))
        .group_by(ledger_entry.c.family, ledger_entry.c.holder, ledger_entry.c.period)
    ).all()
    cents: dict[CapKey, int] = {}
    quantity: dict[CapKey, int] = {}
    for family, holder, period, amount, count in rows:
        key = CapKey(family, canonical_holder(holder), period)
        cents[key] = cents.get(key, 0) + int(amount)
        quantity[key] = quantity.get(key, 0) + int(count)
    out: dict[CapKey, Usage] = {}
    for key in keys:
        same = CapKey(key.family, canonical_holder(key.holder), key.period)
        out[key] = Usage(from_cents(cents[same]), quantity[same]) if same in cents else Usage()
    return out


def read_usage(engine: Engine, keys: Collection[CapKey]) -> dict[CapKey, Usage]:
    """Usage without a lock: for decisions that do not record."""
    with engine.connect() as conn:
        return _usage(conn, keys)


def usage_in(conn: Connection, keys: Collection[CapKey]) -> dict[CapKey, Usage]:
    """Usage read on an open connection, without locking (decisions that do not record)."""
    return _usage(conn, keys)


def _ensure_counters(conn: Connection, keys: list[CapKey]) -> None:
    now = datetime.now(UTC)
    rows = [
        {"family": k.family, "holder": k.holder, "period": k.period, "created_at": now}
        for k in keys
    ]
    if conn.dialect.name == "postgresql":
        conn.execute(postgresql.insert(cap_counter).values(rows).on_conflict_do_nothing())
    else:
        conn.execute(sqlite.insert(cap_counter).values(rows).on_conflict_do_nothing())


def lock_caps(conn: Connection, keys: Collection[CapKey]) -> dict[CapKey, Usage]:
    """Lock every cap in `keys` inside `conn`'s open write transaction; their usage under it.

    Caps are locked in one fixed order so that two decisions never wait on each other.
    """
    ordered = sorted(set(keys), key=lambda k: (k.family, k.holder, k.period))
    if ordered:
        _ensure_counters(conn, ordered)
        conn.execute(
            select(cap_counter.c.family)
            .where(
                or_(
                    *(
                        and_(
                            cap_counter.c.family == k.family,
                            cap_counter.c.holder == k.holder,
                            cap_counter.c.period == k.period,
                        )
                        for k in ordered
                    )
                )
            )
            .order_by(cap_counter.c.family, cap_counter.c.holder, cap_counter.c.period)
            .with_for_update()
        ).all()
    return _usage(conn, ordered)


# --- recorded decisions and drawdowns --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reversal:
    """When a recorded transaction's drawdowns were reversed, and why."""

    at: datetime
    note: str | None


@dataclass(frozen=True, slots=True)
class Recorded:
    id: int
    transaction_sha256: str
    decision: Decision
    decided_at: datetime | None = None
    reversal: Reversal | None = None


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def recorded(conn: Connection, transaction_id: str) -> Recorded | None:
    row = conn.execute(
        select(recorded_decision).where(recorded_decision.c.transaction_id == transaction_id)
    ).first()
    if row is None:
        return None
    undone = conn.execute(
        select(ledger_entry.c.recorded_at, ledger_entry.c.note)
        .where(
            and_(
                ledger_entry.c.transaction_id == transaction_id,
                ledger_entry.c.kind == "reversal",
            )
        )
        .order_by(ledger_entry.c.id)
        .limit(1)
    ).first()
    return Recorded(
        row.id,
        row.transaction_sha256,
        Decision.from_dict(json.loads(row.body)),
        _utc(row.decided_at),
        Reversal(_utc(undone.recorded_at), undone.note) if undone is not None else None,
    )


def find_recorded(engine: Engine, transaction_id: str) -> Recorded | None:
    with engine.connect() as conn:
        return recorded(conn, transaction_id)


def write_drawdowns(conn: Connection, txn: Transaction, decision: Decision) -> int:
    """Store the decision and one drawdown per cap it relies on; returns the decision row id."""
    now = datetime.now(UTC)
    inserted = conn.execute(
        insert(recorded_decision).values(
            transaction_id=txn.id,
            transaction_sha256=txn.content_hash(),
            decision=decision.decision.value,
            body=canonical_json(decision.to_dict()),
            decided_at=now,
        )
    ).inserted_primary_key
    assert inserted is not None
    decision_id = int(inserted[0])
    for use in decision.drawdowns:
        conn.execute(
            insert(ledger_entry).values(
                family=use.key.family,
                holder=use.key.holder,
                period=use.key.period,
                license=use.license,
                transaction_id=txn.id,
                idempotency_key=txn.id,
                kind="drawdown",
                amount_cents=to_cents(use.this),
                currency=use.currency,
                quantity=use.quantity_this,
                decision_id=decision_id,
                recorded_at=now,
            )
        )
    return decision_id


@dataclass(frozen=True, slots=True)
class LedgerRow:
    id: int
    key: CapKey
    license: str
    transaction_id: str
    kind: str
    amount: Decimal
    currency: str
    quantity: int
    reverses_id: int | None
    note: str | None
    recorded_at: datetime

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "family": self.key.family,
            "holder": self.key.holder,
            "period": self.key.period,
            "license": self.license,
            "transaction_id": self.transaction_id,
            "kind": self.kind,
            "amount": f"{self.amount:.2f}",
            "currency": self.currency,
            "quantity": self.quantity,
            "reverses_id": self.reverses_id,
            "note": self.note,
            "recorded_at": self.recorded_at.isoformat(),
        }


def _row(r: object) -> LedgerRow:
    m = r._mapping  # type: ignore[attr-defined]
    at = m["recorded_at"]
    return LedgerRow(
        id=m["id"],
        key=CapKey(m["family"], canonical_holder(m["holder"]), m["period"]),
        license=m["license"],
        transaction_id=m["transaction_id"],
        kind=m["kind"],
        amount=from_cents(m["amount_cents"]),
        currency=m["currency"],
        quantity=m["quantity"],
        reverses_id=m["reverses_id"],
        note=m["note"],
        recorded_at=at if at.tzinfo is not None else at.replace(tzinfo=UTC),
    )


def reverse(engine: Engine | Connection, transaction_id: str, note: str) -> list[LedgerRow]:
    """Undo a transaction's drawdowns with new negative rows (once: a second call is refused)."""
    with within(engine) as conn:
        rows = conn.execute(
            select(ledger_entry)
            .where(
                and_(
                    ledger_entry.c.transaction_id == transaction_id,
                    ledger_entry.c.kind == "drawdown",
                )
            )
            .order_by(ledger_entry.c.id)
        ).all()
        if not rows:
            raise LedgerNotFound(f"no drawdowns are recorded for transaction {transaction_id!r}")
        done = set(
            conn.scalars(
                select(ledger_entry.c.reverses_id).where(
                    ledger_entry.c.reverses_id.in_([r.id for r in rows])
                )
            )
        )
        if done:
            raise LedgerConflict(
                f"the drawdowns of transaction {transaction_id!r} are already reversed"
            )
        now = datetime.now(UTC)
        try:
            ids = _write_reversals(conn, transaction_id, rows, note, now)
        except IntegrityError as exc:
            # PostgreSQL: a concurrent reversal committed first; its rows hold the unique
            # (idempotency key, cap) this one needs. The transaction rolls back whole.
            raise LedgerConflict(
                f"the drawdowns of transaction {transaction_id!r} are already reversed"
            ) from exc
        out = conn.execute(select(ledger_entry).where(ledger_entry.c.id.in_(ids))).all()
    return [_row(r) for r in out]


def _write_reversals(
    conn: Connection, transaction_id: str, rows: Sequence[Any], note: str, now: datetime
) -> list[int]:
    ids = []
    for r in rows:
        inserted = conn.execute(
            insert(ledger_entry).values(
                family=r.family,
                holder=r.holder,
                period=r.period,
                license=r.license,
                transaction_id=transaction_id,
                idempotency_key=f"reversal:{r.id}",
                kind="reversal",
                amount_cents=-r.amount_cents,
                currency=r.currency,
                quantity=-r.quantity,
                reverses_id=r.id,
                note=note,
                recorded_at=now,
            )
        ).inserted_primary_key
        assert inserted is not None
        ids.append(int(inserted[0]))
    return ids


def entries(engine: Engine, holder: str | None = None, year: int | None = None) -> list[LedgerRow]:
    """Drawdowns and reversals, with the canonical holder (`ACME PRINTERS` finds the rows of
    `acme printers`, and of `Acme Printers` written before holders were canonical)."""
    query = select(ledger_entry).order_by(ledger_entry.c.id)
    with engine.connect() as conn:
        rows = [_row(r) for r in conn.execute(query)]
    wanted = canonical_holder(holder) if holder is not None else None
    return [
        r
        for r in rows
        if (wanted is None or r.key.holder == wanted)
        and (year is None or period_touches(r.key.period, year))
    ]


def period_touches(period: str, year: int) -> bool:
    """Does a cap period (`2019`, or `2022-07-01/2023-06-30`, or `.../open`) touch `year`?"""
    if "/" not in period:
        return period == str(year)
    start, _, end = period.partition("/")
    return int(start[:4]) <= year and (end == "open" or year <= int(end[:4]))


@dataclass(frozen=True, slots=True)
class CapTotal:
    key: CapKey
    currency: str
    used: Decimal
    quantity: int
    entries: int


def totals(rows: list[LedgerRow]) -> list[CapTotal]:
    grouped: dict[CapKey, list[LedgerRow]] = {}
    for row in rows:
        grouped.setdefault(row.key, []).append(row)
    return [
        CapTotal(
            key,
            group[0].currency,
            sum((r.amount for r in group), Decimal(0)),
            sum(r.quantity for r in group),
            len(group),
        )
        for key, group in sorted(
            grouped.items(), key=lambda kv: (kv[0].family, kv[0].holder, kv[0].period)
        )
    ]
