"""Rows of `batch_job` in and out: create, progress, finish, fail, read, fail interrupted ones.

A job's state only moves forward: queued -> running -> done | failed (queued -> failed too).
Every update names the states it may leave, so a job marked failed by a restarted server is
never flipped back to done by a thread that outlived it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Engine, Row, and_, insert, select, update

from clearance.jobs.tables import batch_job


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    EXPIRED = "expired"  # finished, and its files deleted (retention, or its owner's request)


UNFINISHED = (JobState.QUEUED, JobState.RUNNING)
FINISHED = (JobState.DONE, JobState.FAILED)


@dataclass(frozen=True, slots=True)
class Runner:
    """The server process a job belongs to."""

    server: str  # one id per server start (shared by its workers)
    host: str
    pid: int


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    state: JobState
    owner: str
    created_at: datetime
    updated_at: datetime
    rows_total: int | None
    rows_done: int
    output_rows: int | None
    matches: int | None
    input_path: str
    output_path: str
    input_bytes: int
    request: dict[str, Any]
    error: str | None
    audit_seq: int | None
    runner: Runner

    def to_dict(self) -> dict[str, Any]:
        """The job as the API shows it: no server paths, no runner."""
        return {
            "id": self.id,
            "state": self.state.value,
            "owner": self.owner,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "rows_total": self.rows_total,
            "rows_done": self.rows_done,
            "output_rows": self.output_rows,
            "matches": self.matches,
            "input_bytes": self.input_bytes,
            "format": "parquet" if self.output_path.endswith(".parquet") else "csv",
            "request": self.request,
            "error": self.error,
            "audit_record": self.audit_seq,
        }


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _job(row: Row[Any]) -> Job:
    m = row._mapping
    return Job(
        id=m["id"],
        state=JobState(m["state"]),
        owner=m["owner"],
        created_at=_utc(m["created_at"]),
        updated_at=_utc(m["updated_at"]),
        rows_total=m["rows_total"],
        rows_done=m["rows_done"],
        output_rows=m["output_rows"],
        matches=m["matches"],
        input_path=m["input_path"],
        output_path=m["output_path"],
        input_bytes=m["input_bytes"],
        request=json.loads(m["request"]),
        error=m["error"],
        audit_seq=m["audit_seq"],
        runner=Runner(m["server"], m["host"], m["pid"]),
    )


def insert_job(
    conn: Connection,
    job_id: str,
    *,
    owner: str,
    input_path: str,
    output_path: str,
    input_bytes: int,
    request: dict[str, Any],
    runner: Runner,
) -> None:
    now = datetime.now(UTC)
    conn.execute(
        insert(batch_job).values(
            id=job_id,
            state=JobState.QUEUED.value,
            owner=owner,
            created_at=now,
            updated_at=now,
            rows_done=0,
            input_path=input_path,
            output_path=output_path,
            input_bytes=input_bytes,
            request=json.dumps(request, sort_keys=True),
            server=runner.server,
            host=runner.host,
            pid=runner.pid,
        )
    )


def get_job(engine: Engine, job_id: str) -> Job | None:
    with engine.connect() as conn:
        row = conn.execute(select(batch_job).where(batch_job.c.id == job_id)).first()
    return _job(row) if row is not None else None


def _move(engine: Engine, job_id: str, leaving: tuple[JobState, ...], **values: Any) -> bool:
    """Update a job still in one of `leaving`; False when it had moved on meanwhile."""
    with engine.begin() as conn:
        result = conn.execute(
            update(batch_job)
            .where(
                and_(batch_job.c.id == job_id, batch_job.c.state.in_([s.value for s in leaving]))
            )
            .values(updated_at=datetime.now(UTC), **values)
        )
    return bool(result.rowcount)


def mark_running(engine: Engine, job_id: str, rows_total: int) -> bool:
    return _move(
        engine, job_id, (JobState.QUEUED,), state=JobState.RUNNING.value, rows_total=rows_total
    )


def mark_progress(engine: Engine, job_id: str, rows_done: int) -> bool:
    return _move(engine, job_id, (JobState.RUNNING,), rows_done=rows_done)


def mark_done(
    engine: Engine, job_id: str, *, rows: int, output_rows: int, matches: int, audit_seq: int
) -> bool:
    return _move(
        engine,
        job_id,
        (JobState.RUNNING,),
        state=JobState.DONE.value,
        rows_done=rows,
        output_rows=output_rows,
        matches=matches,
        audit_seq=audit_seq,
    )


def mark_failed(engine: Engine, job_id: str, error: str) -> bool:
    return _move(engine, job_id, UNFINISHED, state=JobState.FAILED.value, error=error)


def unfinished_jobs(engine: Engine) -> list[Job]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(batch_job).where(batch_job.c.state.in_([s.value for s in UNFINISHED]))
        ).all()
    return [_job(row) for row in rows]


def mark_expired(engine: Engine, job_id: str, why: str) -> bool:
    return _move(engine, job_id, FINISHED, state=JobState.EXPIRED.value, error=why)


def finished_before(engine: Engine, cutoff: datetime) -> list[Job]:
    """Jobs done or failed whose last change is older than `cutoff`."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(batch_job).where(
                and_(
                    batch_job.c.state.in_([s.value for s in FINISHED]),
                    batch_job.c.updated_at < cutoff,
                )
            )
        ).all()
    return [_job(row) for row in rows]
