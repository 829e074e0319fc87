"""Monitor runs: what each covered, and how the next one is chosen.

A run's row records the list versions and the book revision it screened: the next run screens
only what changed since. The first run, and a run whose scorer or review threshold differ from
the last run's (its hits would differ for parties and entries that did not change), screen the
whole book forward.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Engine, Row, insert, select

from clearance.monitoring.tables import monitor_run

__all__ = [
    "MonitorError",
    "MonitorRun",
    "RunKind",
    "choose_kind",
    "insert_run",
    "last_run",
    "list_runs",
]


class MonitorError(ValueError):
    """A monitor run that cannot go ahead as asked."""


class RunKind(StrEnum):
    FIRST = "first"  # no run before: the whole book, forward
    DELTA = "delta"  # changed parties forward, changed entries in reverse
    FULL = "full"  # the whole book forward again (asked for, or the scorer changed)


@dataclass(frozen=True, slots=True)
class MonitorRun:
    id: int
    kind: RunKind
    previous_run: int | None
    as_of: date
    started_at: datetime
    finished_at: datetime
    book_revision: int
    algorithm: str
    review_threshold: float
    list_versions: dict[str, int]  # list name -> version id
    parties: int
    screened: int
    new_alerts: int
    summary: dict[str, Any]
    audit_seq: int
    actor: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind.value,
            "previous_run": self.previous_run,
            "as_of": self.as_of.isoformat(),
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat(),
            "book_revision": self.book_revision,
            "algorithm": self.algorithm,
            "review_threshold": self.review_threshold,
            "list_versions": [{"list": k, "id": v} for k, v in sorted(self.list_versions.items())],
            "parties": self.parties,
            "screened": self.screened,
            "new_alerts": self.new_alerts,
            "summary": self.summary,
            "audit_record": self.audit_seq,
            "actor": self.actor,
        }


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _run_of(row: Row[Any]) -> MonitorRun:
    m = row._mapping
    return MonitorRun(
        id=int(m["id"]),
        kind=RunKind(m["kind"]),
        previous_run=m["previous_run"],
        as_of=m["as_of"],
        started_at=_utc(m["started_at"]),
        finished_at=_utc(m["finished_at"]),
        book_revision=int(m["book_revision"]),
        algorithm=m["algorithm"],
        review_threshold=float(m["review_threshold"]),
        list_versions={v["list"]: int(v["id"]) for v in json.loads(m["list_versions"])},
        parties=int(m["parties"]),
        screened=int(m["screened"]),
        new_alerts=int(m["new_alerts"]),
        summary=json.loads(m["summary"]),
        audit_seq=int(m["audit_seq"]),
        actor=m["actor"],
    )


def last_run(bind: Engine | Connection) -> MonitorRun | None:
    query = select(monitor_run).order_by(monitor_run.c.id.desc()).limit(1)
    if isinstance(bind, Connection):
        row = bind.execute(query).first()
    else:
        with bind.connect() as conn:
            row = conn.execute(query).first()
    return _run_of(row) if row is not None else None


def list_runs(engine: Engine, limit: int = 20) -> list[MonitorRun]:
    """The newest runs first."""
    query = select(monitor_run).order_by(monitor_run.c.id.desc()).limit(limit)
    with engine.connect() as conn:
        return [_run_of(r) for r in conn.execute(query)]


def insert_run(conn: Connection, values: dict[str, Any]) -> int:
    row = dict(values)
    row["list_versions"] = json.dumps(
        [{"list": k, "id": v} for k, v in sorted(row["list_versions"].items())]
    )
    row["summary"] = json.dumps(row["summary"], sort_keys=True, ensure_ascii=False)
    row["kind"] = RunKind(row["kind"]).value
    result = conn.execute(insert(monitor_run).values(**row))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def choose_kind(
    last: MonitorRun | None,
    algorithm: str,
    review_threshold: float,
    *,
    full: bool,
    reverse_ok: bool,
) -> tuple[RunKind, str]:
    """The kind of the next run and why."""
    if last is None:
        return RunKind.FIRST, "no earlier run: the whole book is screened"
    if full:
        return RunKind.FULL, "asked for a full run"
    if last.algorithm != algorithm or last.review_threshold != review_threshold:
        return RunKind.FULL, (
            f"the scorer or review threshold changed since run {last.id} "
            f"({last.algorithm} at {last.review_threshold} -> {algorithm} at {review_threshold})"
        )
    if not reverse_ok:
        return (
            RunKind.FULL,
            f"{algorithm} matches given-name symbols, which reverse screening lacks",
        )
    return RunKind.DELTA, f"what changed since run {last.id}"
