"""The hash chain: appending records under a lock, and verifying the chain.

Each record's hash is `sha256(prev_hash + "\\n" + header + "\\n" + payload)` where `header` is
the canonical JSON of seq, id, kind, created_at and actor, and `payload` the stored canonical
JSON text. `prev_hash` is the previous record's hash (64 zeros for the first record). So any
edit of a record breaks its own hash, and removing or reordering records breaks the link of the
record after it; a removed tail shows against the one-row chain head.

After a purge the chain starts at a later seq: the purge writes a `purge_marker` record that
carries the hash of the last purged record (the anchor), and verification accepts a first
record whose `prev_hash` equals the anchor of a marker further down the (verified) chain.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from clearance.audit.tables import audit_chain_head, audit_record
from clearance.model import canonical_json
from clearance.store.db import begin_write

GENESIS = "0" * 64
HEAD_ID = 1
PURGE_MARKER = "purge_marker"

# Verification stops collecting after this many problems; the first one is what matters.
_MAX_PROBLEMS = 100


class AuditError(Exception):
    """A request the audit trail cannot answer (unknown record, refused purge, ...)."""


class AuditNotFound(AuditError):
    """No such record or alert (a door answers 404)."""


def _utcnow() -> datetime:
    # The one clock of the chain (tests move it to make records of different days).
    return datetime.now(UTC)


def utc_iso(moment: datetime) -> str:
    """The one text form of a timestamp inside hashes: UTC, microseconds always present."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def as_utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes (we only ever store UTC); PostgreSQL aware ones in the
    # session's zone.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def record_hash(
    prev_hash: str,
    seq: int,
    record_id: str,
    kind: str,
    created_at: datetime,
    actor: str,
    payload_text: str,
) -> str:
    header = canonical_json(
        {
            "seq": seq,
            "id": record_id,
            "kind": kind,
            "created_at": utc_iso(created_at),
            "actor": actor,
        }
    )
    digest = hashlib.sha256()
    for part in (prev_hash, header, payload_text):
        digest.update(part.encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class AuditRecord:
    seq: int
    id: str
    kind: str
    created_at: datetime
    actor: str
    payload_text: str  # exactly as stored and hashed
    prev_hash: str
    hash: str

    @property
    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.payload_text)
        return data

    def computed_hash(self) -> str:
        return record_hash(
            self.prev_hash,
            self.seq,
            self.id,
            self.kind,
            self.created_at,
            self.actor,
            self.payload_text,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "id": self.id,
            "kind": self.kind,
            "created_at": utc_iso(self.created_at),
            "actor": self.actor,
            "payload": self.payload,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AuditRecord:
        """From `to_dict` output (an export line); the payload is re-canonicalized."""
        return cls(
            seq=int(data["seq"]),
            id=str(data["id"]),
            kind=str(data["kind"]),
            created_at=as_utc(datetime.fromisoformat(str(data["created_at"]))),
            actor=str(data["actor"]),
            payload_text=canonical_json(data["payload"]),
            prev_hash=str(data["prev_hash"]),
            hash=str(data["hash"]),
        )


def row_to_record(row: Any) -> AuditRecord:
    m = row._mapping
    return AuditRecord(
        seq=int(m["seq"]),
        id=m["id"],
        kind=m["kind"],
        created_at=as_utc(m["created_at"]),
        actor=m["actor"],
        payload_text=m["payload"],
        prev_hash=m["prev_hash"],
        hash=m["hash"],
    )


class ChainWriter:
    """Appends records while holding the chain lock (see `locked_chain`)."""

    def __init__(self, conn: Connection, head_seq: int, head_hash: str) -> None:
        self.conn = conn
        self.head_seq = head_seq
        self.head_hash = head_hash
        self.appended: list[AuditRecord] = []

    @property
    def next_seq(self) -> int:
        return self.head_seq + 1

    def append(self, kind: str, payload: Mapping[str, Any], *, actor: str) -> AuditRecord:
        [record] = self.append_all(kind, [payload], actor=actor)
        return record

    def append_all(
        self, kind: str, payloads: Sequence[Mapping[str, Any]], *, actor: str
    ) -> list[AuditRecord]:
        """Append one record per payload, in order, with one INSERT statement: each record is
        exactly what `append` would have made of its payload in turn."""
        if not kind or not actor:
            raise AuditError("an audit record needs a kind and an actor")
        records = []
        for payload in payloads:
            payload_text = canonical_json(dict(payload))
            seq, record_id, created_at = self.next_seq, str(uuid.uuid4()), _utcnow()
            digest = record_hash(
                self.head_hash, seq, record_id, kind, created_at, actor, payload_text
            )
            records.append(
                AuditRecord(
                    seq, record_id, kind, created_at, actor, payload_text, self.head_hash, digest
                )
            )
            self.head_seq, self.head_hash = seq, digest
        if records:
            self.conn.execute(
                insert(audit_record),
                [
                    {
                        "seq": r.seq,
                        "id": r.id,
                        "kind": r.kind,
                        "created_at": r.created_at,
                        "actor": r.actor,
                        "payload": r.payload_text,
                        "prev_hash": r.prev_hash,
                        "hash": r.hash,
                    }
                    for r in records
                ],
            )
        self.appended.extend(records)
        return records

    def save_head(self) -> None:
        """Move the chain head to the last appended record (inside the same transaction)."""
        if self.appended:
            self.conn.execute(
                update(audit_chain_head)
                .where(audit_chain_head.c.id == HEAD_ID)
                .values(seq=self.head_seq, hash=self.head_hash)
            )


def open_writer(conn: Connection) -> ChainWriter:
    """Lock the chain head on `conn`'s open transaction and return a writer appending after it.

    The caller commits (see `locked_chain`, and `clearance.service.uow` which puts other work
    such as cap drawdowns in the same transaction) after `writer.save_head()`.
    """
    head = conn.execute(
        select(audit_chain_head.c.seq, audit_chain_head.c.hash)
        .where(audit_chain_head.c.id == HEAD_ID)
        .with_for_update()
    ).one()
    return ChainWriter(conn, int(head.seq), head.hash)


@contextmanager
def locked_chain(engine: Engine) -> Iterator[ChainWriter]:
    """One transaction holding the chain's write lock; commits on success.

    Work done on `writer.conn` (alerts, rules snapshots) commits or rolls back together with
    the records.
    """
    with engine.connect() as conn, conn.begin():
        begin_write(conn)
        writer = open_writer(conn)
        yield writer
        writer.save_head()


def append_record(
    engine: Engine, kind: str, payload: Mapping[str, Any], *, actor: str
) -> AuditRecord:
    with locked_chain(engine) as writer:
        return writer.append(kind, payload, actor=actor)


# --- verification ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChainProblem:
    seq: int
    record_id: str | None
    message: str

    def __str__(self) -> str:
        who = f"record {self.seq}" + (f" ({self.record_id})" if self.record_id else "")
        return f"{who}: {self.message}"


@dataclass(slots=True)
class VerifyResult:
    checked: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    last_hash: str = GENESIS
    anchored_at: int | None = None  # seq of the purge marker the chain starts from, if any
    problems: list[ChainProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "first_seq": self.first_seq,
            "last_seq": self.last_seq,
            "last_hash": self.last_hash,
            "anchored_by_purge_marker": self.anchored_at,
            "first_problem": str(self.problems[0]) if self.problems else None,
            "problems": [str(p) for p in self.problems],
        }


def _anchor_of(record: AuditRecord) -> tuple[int, str] | None:
    try:
        anchor = record.payload["anchor"]
        return int(anchor["seq"]), str(anchor["hash"])
    except (KeyError, TypeError, ValueError):
        return None


def verify_records(
    records: Iterable[AuditRecord], head: tuple[int, str] | None = None
) -> VerifyResult:
    """Walk records in the order given (which must be seq order) and check every link.

    `head` is the (seq, hash) the store's chain head names; None skips the tail check (an
    exported file has no head).
    """
    result = VerifyResult()
    problems = result.problems

    def problem(seq: int, record_id: str | None, message: str) -> None:
        if len(problems) < _MAX_PROBLEMS:
            problems.append(ChainProblem(seq, record_id, message))

    first: AuditRecord | None = None
    previous: AuditRecord | None = None
    anchors: dict[int, tuple[int, str]] = {}  # anchored seq -> (marker seq, anchor hash)
    for record in records:
        result.checked += 1
        if record.computed_hash() != record.hash:
            problem(record.seq, record.id, "content does not match its hash (record altered)")
        if previous is None:
            first = record
        elif record.seq != previous.seq + 1:
            if record.seq <= previous.seq:
                problem(record.seq, record.id, f"out of order after record {previous.seq}")
            else:
                missing = (
                    f"record {previous.seq + 1}"
                    if record.seq == previous.seq + 2
                    else f"records {previous.seq + 1}..{record.seq - 1}"
                )
                problem(record.seq, record.id, f"{missing} missing before it (removed)")
        elif record.prev_hash != previous.hash:
            problem(
                record.seq,
                record.id,
                f"prev_hash does not match the hash of record {previous.seq} "
                "(a record before it was altered, replaced or reordered)",
            )
        if record.kind == PURGE_MARKER:
            anchor = _anchor_of(record)
            if anchor is None:
                problem(record.seq, record.id, "purge marker without a valid anchor")
            else:
                anchors[anchor[0]] = (record.seq, anchor[1])
        previous = record

    if first is not None:
        result.first_seq = first.seq
        if first.seq == 1:
            if first.prev_hash != GENESIS:
                problem(
                    first.seq, first.id, "the first record does not start from the genesis hash"
                )
        else:
            marker = anchors.get(first.seq - 1)
            if marker is None:
                problem(
                    first.seq,
                    first.id,
                    f"the chain starts at record {first.seq} but no purge marker anchors it "
                    f"(records 1..{first.seq - 1} removed without a purge)",
                )
            elif marker[1] != first.prev_hash:
                problem(
                    first.seq,
                    first.id,
                    f"prev_hash does not match the anchor of purge marker {marker[0]}",
                )
            else:
                result.anchored_at = marker[0]
    if previous is not None:
        result.last_seq, result.last_hash = previous.seq, previous.hash
    if head is not None:
        head_seq, head_hash = head
        last_seq = previous.seq if previous is not None else 0
        last_hash = previous.hash if previous is not None else GENESIS
        if head_seq != last_seq:
            if head_seq > last_seq:
                problem(
                    last_seq + 1,
                    None,
                    f"missing: the chain head names record {head_seq} but the last stored "
                    f"record is {last_seq} (records removed from the end)",
                )
            else:
                problem(last_seq, None, f"the chain head names record {head_seq}, behind the last")
        elif head_hash != last_hash:
            problem(last_seq, None, "hash differs from the one the chain head recorded")
    return result


def _stored_records(conn: Connection) -> Iterator[AuditRecord]:
    rows = conn.execute(
        select(audit_record)
        .order_by(audit_record.c.seq)
        .execution_options(stream_results=True, yield_per=2000)
    )
    for row in rows:
        yield row_to_record(row)


def read_head(conn: Connection) -> tuple[int, str]:
    head = conn.execute(
        select(audit_chain_head.c.seq, audit_chain_head.c.hash).where(
            audit_chain_head.c.id == HEAD_ID
        )
    ).one()
    return int(head.seq), head.hash


def verify_connection(conn: Connection) -> VerifyResult:
    return verify_records(_stored_records(conn), head=read_head(conn))


def verify_chain(engine: Engine) -> VerifyResult:
    """Check every stored record and link, the purge anchor and the chain head."""
    with engine.connect() as conn, conn.begin():
        # One snapshot: records appended during the walk must not look like a broken tail.
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        else:  # pysqlite would run each SELECT in its own snapshot
            conn.exec_driver_sql("BEGIN")
        return verify_connection(conn)
