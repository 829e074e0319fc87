"""Reading the trail a page at a time: the newest records of a period and of some kinds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine, and_, func, select

from clearance.audit.chain import AuditRecord, row_to_record
from clearance.audit.tables import audit_record


def _conditions(
    start: date | None, end: date | None, kinds: Sequence[str] | None, actor: str | None
) -> list[Any]:
    conditions: list[Any] = []
    if start is not None:
        conditions.append(audit_record.c.created_at >= datetime.combine(start, time(), UTC))
    if end is not None:  # inclusive: the whole day
        conditions.append(
            audit_record.c.created_at < datetime.combine(end, time(), UTC) + timedelta(days=1)
        )
    if kinds:
        conditions.append(audit_record.c.kind.in_(list(kinds)))
    if actor:
        conditions.append(audit_record.c.actor == actor)
    return conditions


def newest_records(
    engine: Engine,
    *,
    start: date | None = None,
    end: date | None = None,
    kinds: Sequence[str] | None = None,
    actor: str | None = None,
    before_seq: int | None = None,
    limit: int = 100,
) -> tuple[list[AuditRecord], int]:
    """Up to `limit` records of the period, newest first, below `before_seq` if given; and
    how many records the period (without `before_seq`) holds in all."""
    conditions = _conditions(start, end, kinds, actor)
    page = list(conditions)
    if before_seq is not None:
        page.append(audit_record.c.seq < before_seq)
    query = select(audit_record).order_by(audit_record.c.seq.desc()).limit(limit)
    count = select(func.count()).select_from(audit_record)
    if page:
        query = query.where(and_(*page))
    if conditions:
        count = count.where(and_(*conditions))
    with engine.connect() as conn:
        records = [row_to_record(row) for row in conn.execute(query)]
        total = int(conn.execute(count).scalar_one())
    return records, total


def record_kinds(engine: Engine) -> list[str]:
    """The kinds of record the trail holds, in alphabetical order."""
    with engine.connect() as conn:
        return sorted(conn.execute(select(audit_record.c.kind).distinct()).scalars())
