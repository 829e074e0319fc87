"""The hash chain: appending records under a lock, and verifying the chain.

Each record's hash is `sha256(prev_hash + "\\n" + header + "\\n" + payload)` where `header` is
the canonical JSON of seq, id, kind, created_at and actor, and `payload` the stored canonical
JSON text. `prev_hash` is the previous record's hash (64 zeros for the first record). So any
edit of a record breaks its own hash, and removing or reordering records breaks the link of the
record after it; a removed tail shows against the one-row chain head.

After a purge the chain starts at a later seq: the purge writes a `purge_marker` record that
carries the hash of the last purged record (the anchor), and verification accepts a first
record whose `prev_hash` equals the anchor of a marker further down the (verified) chain.

The hashes alone only show accidents: anyone who can write rows can recompute them. With an
audit key (`audit_key` / `audit_key_file`) every record also carries a MAC,
`KEYID:hmac_sha256(key, hash)`, in its `mac` column; the hash covers the previous hash, so a
valid MAC vouches for the record and everything before it. A chain becomes keyed, or moves to
a new key, through an `audit.key-rotated` record MAC'd with the new key; from then on every
record needs a MAC. Verified with the key, a chain rewritten by someone without it fails.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from clearance.audit.tables import audit_chain_head, audit_record
from clearance.model import canonical_json
from clearance.settings import Settings
from clearance.store.db import begin_write

GENESIS = "0" * 64
HEAD_ID = 1
PURGE_MARKER = "purge_marker"
KEY_ROTATED = "audit.key-rotated"
# OFAC's ten years (31 CFR 501.601): the least retention any purge marker may claim.
MIN_RETENTION_YEARS = 10
# A key shorter than this is a password, not a MAC key.
MIN_KEY_BYTES = 16

# Verification stops collecting after this many problems; the first one is what matters.
_MAX_PROBLEMS = 100


class AuditError(Exception):
    """A request the audit trail cannot answer (unknown record, refused purge, ...)."""


class AuditNotFound(AuditError):
    """No such record or alert (a door answers 404)."""


class AuditKey:
    """The secret that MACs the chain. Its id (a keyed digest, not the key) names it in records."""

    __slots__ = ("_secret", "key_id")

    def __init__(self, secret: bytes) -> None:
        if len(secret) < MIN_KEY_BYTES:
            raise AuditError(f"the audit key must be at least {MIN_KEY_BYTES} bytes long")
        self._secret = secret
        self.key_id = hmac.new(secret, b"clearance audit key id", hashlib.sha256).hexdigest()[:16]

    def __repr__(self) -> str:
        return f"AuditKey(key_id={self.key_id!r})"

    def mac(self, record_hash: str) -> str:
        digest = hmac.digest(self._secret, record_hash.encode("ascii"), "sha256").hex()
        return f"{self.key_id}:{digest}"

    def check(self, record_hash: str, mac: str) -> bool:
        return hmac.compare_digest(self.mac(record_hash), mac)


def audit_key(settings: Settings) -> AuditKey | None:
    """The key the settings name (`audit_key`, else the first line of `audit_key_file`)."""
    if settings.audit_key is not None and settings.audit_key.get_secret_value():
        return AuditKey(settings.audit_key.get_secret_value().encode("utf-8"))
    if settings.audit_key_file is not None:
        try:
            text = settings.audit_key_file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise AuditError(f"audit_key_file {settings.audit_key_file}: {exc}") from exc
        if not text:
            raise AuditError(f"audit_key_file {settings.audit_key_file} is empty")
        return AuditKey(text.encode("utf-8"))
    return None


def mac_key_id(mac: str | None) -> str | None:
    return mac.split(":", 1)[0] if mac else None


def _utcnow() -> datetime:
    # The one clock of the chain (tests move it to make records of different days).
    return datetime.now(UTC)


def today_utc() -> date:
    """The chain clock's day (a purge's "today": its marker is dated by the same clock)."""
    return _utcnow().date()


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
    mac: str | None = None  # KEYID:hmac, when written with an audit key

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
            "mac": self.mac,
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
            mac=str(data["mac"]) if data.get("mac") else None,
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
        mac=m["mac"],
    )


class ChainWriter:
    """Appends records while holding the chain lock (see `locked_chain`)."""

    def __init__(self, conn: Connection, head_seq: int, head_hash: str) -> None:
        self.conn = conn
        self.head_seq = head_seq
        self.head_hash = head_hash
        self.appended: list[AuditRecord] = []
        self._key_settled = False

    @property
    def next_seq(self) -> int:
        return self.head_seq + 1

    def append(
        self,
        kind: str,
        payload: Mapping[str, Any],
        *,
        actor: str,
        key: AuditKey | None = None,
    ) -> AuditRecord:
        """Append one record, MAC'd with `key` when there is one.

        The first append of a transaction compares the key with the one the chain's last
        record was MAC'd with: a new key is introduced by an `audit.key-rotated` record first;
        a keyed chain refuses records without a key (they would fail verification).
        """
        [record] = self.append_all(kind, [payload], actor=actor, key=key)
        return record

    def append_all(
        self,
        kind: str,
        payloads: Sequence[Mapping[str, Any]],
        *,
        actor: str,
        key: AuditKey | None = None,
    ) -> list[AuditRecord]:
        """Append one record per payload, in order, with one INSERT statement: each record is
        exactly what `append` would have made of its payload in turn."""
        if not kind or not actor:
            raise AuditError("an audit record needs a kind and an actor")
        if not self._key_settled:
            self.settle_key(key, actor)
        return self._append_all(kind, payloads, actor, key)

    def settle_key(self, key: AuditKey | None, actor: str) -> None:
        """Introduce `key` (an `audit.key-rotated` record) unless the chain already uses it."""
        current = mac_key_id(
            self.conn.scalar(select(audit_record.c.mac).where(audit_record.c.seq == self.head_seq))
        )
        if key is None and current is not None:
            raise AuditError(
                f"the audit chain is keyed (key id {current}) but no audit key is configured: "
                "set CLEARANCE_AUDIT_KEY or audit_key_file"
            )
        if key is not None and current not in (None, key.key_id) and self._used_before(key):
            # Rotating back would vouch, with this key's MAC, for whatever the other key wrote.
            raise AuditError(
                f"the audit chain's last record is MAC'd with key {current}, but the configured "
                f"key {key.key_id} MAC'd earlier records: someone rotated away from it without "
                "it; run `clearance audit verify` before writing"
            )
        self._key_settled = True
        if key is not None and key.key_id != current:
            self._append(
                KEY_ROTATED,
                {"key_id": key.key_id, "previous_key_id": current, "algorithm": "hmac-sha256"},
                actor,
                key,
            )

    def _used_before(self, key: AuditKey) -> bool:
        # Only at a change of key: a scan of the mac column is affordable then.
        return (
            self.conn.scalar(
                select(audit_record.c.seq)
                .where(audit_record.c.mac.startswith(key.key_id + ":"))
                .limit(1)
            )
            is not None
        )

    def _append(
        self, kind: str, payload: Mapping[str, Any], actor: str, key: AuditKey | None
    ) -> AuditRecord:
        [record] = self._append_all(kind, [payload], actor, key)
        return record

    def _append_all(
        self,
        kind: str,
        payloads: Sequence[Mapping[str, Any]],
        actor: str,
        key: AuditKey | None,
    ) -> list[AuditRecord]:
        records = []
        for payload in payloads:
            payload_text = canonical_json(dict(payload))
            seq, record_id, created_at = self.next_seq, str(uuid.uuid4()), _utcnow()
            digest = record_hash(
                self.head_hash, seq, record_id, kind, created_at, actor, payload_text
            )
            mac = key.mac(digest) if key is not None else None
            records.append(
                AuditRecord(
                    seq,
                    record_id,
                    kind,
                    created_at,
                    actor,
                    payload_text,
                    self.head_hash,
                    digest,
                    mac,
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
                        "mac": r.mac,
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
    engine: Engine,
    kind: str,
    payload: Mapping[str, Any],
    *,
    actor: str,
    key: AuditKey | None = None,
) -> AuditRecord:
    with locked_chain(engine) as writer:
        return writer.append(kind, payload, actor=actor, key=key)


# --- verification ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChainProblem:
    seq: int
    record_id: str | None
    message: str

    def __str__(self) -> str:
        who = f"record {self.seq}" + (f" ({self.record_id})" if self.record_id else "")
        return f"{who}: {self.message}"


UNKEYED_NOTE = (
    "the chain is unkeyed (no record carries a MAC): its hashes show accidental damage, but "
    "anyone able to write to the database can rewrite it so that it verifies; configure an "
    "audit key (CLEARANCE_AUDIT_KEY or audit_key_file) and export the head (`audit head`)"
)
UNCHECKED_NOTE = (
    "the chain carries MACs but no audit key is configured: only the hashes were checked, "
    "which anyone able to write to the database can recompute"
)


@dataclass(slots=True)
class VerifyResult:
    checked: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    last_hash: str = GENESIS
    anchored_at: int | None = None  # seq of the purge marker the chain starts from, if any
    key_id: str | None = None  # the key the chain's last record is MAC'd with
    macs_checked: int = 0
    key_configured: bool = False
    expected_head: str | None = None  # SEQ:HASH given to `--expect-head`, found in the chain
    problems: list[ChainProblem] = field(default_factory=list)
    # Rows kept beside the chain (alerts, ledger) that its records do not explain.
    inconsistent: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.inconsistent

    @property
    def keyed(self) -> bool:
        return self.key_id is not None

    @property
    def note(self) -> str | None:
        """What this verification does not prove (None: a keyed chain checked with its key)."""
        if not self.keyed:
            return UNKEYED_NOTE if self.checked else None
        return None if self.key_configured else UNCHECKED_NOTE

    def problem(self, seq: int, record_id: str | None, message: str) -> None:
        if len(self.problems) < _MAX_PROBLEMS:
            self.problems.append(ChainProblem(seq, record_id, message))

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "first_seq": self.first_seq,
            "last_seq": self.last_seq,
            "last_hash": self.last_hash,
            "anchored_by_purge_marker": self.anchored_at,
            "keyed": self.keyed,
            "key_id": self.key_id,
            "macs_checked": self.macs_checked,
            "expected_head": self.expected_head,
            "note": self.note,
            "first_problem": self.first_problem,
            "problems": [str(p) for p in self.problems],
            "inconsistent_rows": list(self.inconsistent),
        }

    @property
    def first_problem(self) -> str | None:
        if self.problems:
            return str(self.problems[0])
        return self.inconsistent[0] if self.inconsistent else None


def _anchor_of(record: AuditRecord) -> tuple[int, str] | None:
    try:
        anchor = record.payload["anchor"]
        return int(anchor["seq"]), str(anchor["hash"])
    except (KeyError, TypeError, ValueError):
        return None


def parse_head(text: str) -> tuple[int, str]:
    """`SEQ:HASH` (as `audit head` prints it) -> (seq, hash); AuditError when malformed."""
    seq, _, digest = text.strip().partition(":")
    digest = digest.lower()
    if not seq.isdigit() or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise AuditError(f"{text!r} is not a chain head: expected SEQ:HASH (64 hex digits)")
    return int(seq), digest


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True, slots=True)
class _Marker:
    """What a purge marker claims: the range it removed, the cut-off, the anchor."""

    seq: int
    before: date
    from_seq: int
    to_seq: int
    first_created_at: datetime
    last_created_at: datetime
    anchor_hash: str
    retention_years: int

    @classmethod
    def of(cls, record: AuditRecord) -> _Marker | None:
        try:
            body = record.payload
            purged, anchor = body["purged"], body["anchor"]
            return cls(
                record.seq,
                date.fromisoformat(str(body["before"])),
                int(purged["from_seq"]),
                int(purged["to_seq"]),
                as_utc(datetime.fromisoformat(str(purged["first_created_at"]))),
                as_utc(datetime.fromisoformat(str(purged["last_created_at"]))),
                str(anchor["hash"]) if int(anchor["seq"]) == int(purged["to_seq"]) else "",
                int(body.get("retention_years") or 0),
            )
        except (KeyError, TypeError, ValueError):
            return None

    @property
    def cutoff(self) -> datetime:
        return datetime.combine(self.before, time(), UTC)


class _Walk:
    """The state of one verification walk, record by record."""

    def __init__(
        self,
        result: VerifyResult,
        key: AuditKey | None,
        expect: tuple[int, str] | None,
        now: datetime,
    ) -> None:
        self.result, self.key, self.expect, self.now = result, key, expect, now
        self.first: AuditRecord | None = None
        self.previous: AuditRecord | None = None
        self.keyed_since: int | None = None
        self.configured_since: int | None = None  # first record MAC'd with the configured key
        self.markers: dict[int, _Marker] = {}  # anchored seq (to_seq + 1) -> marker

    def visit(self, record: AuditRecord) -> None:
        result, problem = self.result, self.result.problem
        result.checked += 1
        if record.computed_hash() != record.hash:
            problem(record.seq, record.id, "content does not match its hash (record altered)")
        previous = self.previous
        if previous is None:
            self.first = record
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
        self._check_mac(record)
        if record.kind == PURGE_MARKER:
            self._check_marker(record)
        if self.expect is not None and record.seq == self.expect[0]:
            if record.hash != self.expect[1]:
                problem(
                    record.seq,
                    record.id,
                    "hash differs from the exported head (--expect-head): the chain was "
                    "rewritten since the head was exported",
                )
            else:
                result.expected_head = f"{record.seq}:{record.hash}"
        self.previous = record

    def _check_mac(self, record: AuditRecord) -> None:
        problem = self.result.problem
        key_id = mac_key_id(record.mac)
        before = mac_key_id(self.previous.mac) if self.previous is not None else None
        if key_id is None:
            if self.keyed_since is not None:
                problem(
                    record.seq,
                    record.id,
                    f"no MAC, but the chain is keyed since record {self.keyed_since} (written "
                    "or rewritten without the audit key)",
                )
            elif record.kind == KEY_ROTATED:
                problem(record.seq, record.id, "key rotation record without a MAC")
            return
        if self.keyed_since is None:
            self.keyed_since = record.seq
        if record.kind == KEY_ROTATED:
            if record.payload.get("key_id") != key_id:
                problem(record.seq, record.id, "key rotation record not MAC'd with its new key")
        elif key_id != before and self.previous is not None:
            problem(
                record.seq,
                record.id,
                f"MAC'd with key {key_id} without an {KEY_ROTATED} record introducing it",
            )
        if self.key is None:
            return
        if key_id == self.key.key_id:
            if self.configured_since is None:
                self.configured_since = record.seq
            if self.key.check(record.hash, record.mac or ""):
                self.result.macs_checked += 1
            else:
                problem(
                    record.seq,
                    record.id,
                    "MAC does not match (the record was written or rewritten without the key)",
                )
        elif self.configured_since is not None:
            # Keys only move forward: the configured one is the newest. A move away from it
            # was made by someone without it, and anything MAC'd with the other key is theirs.
            problem(
                record.seq,
                record.id,
                f"MAC'd with key {key_id} after the configured key took over at record "
                f"{self.configured_since} (a rotation away from it, made without it)",
            )

    def _check_marker(self, record: AuditRecord) -> None:
        problem = self.result.problem
        marker = _Marker.of(record)
        if marker is None or not marker.anchor_hash:
            problem(record.seq, record.id, "purge marker without a valid range, cut-off or anchor")
            return
        self.markers[marker.to_seq + 1] = marker
        # The retention in force when the marker was written (a later, longer setting does not
        # make an earlier lawful purge wrong); never less than the legal ten years.
        years = max(MIN_RETENTION_YEARS, marker.retention_years)
        allowed = years_before(record.created_at.date(), years)
        if marker.before > allowed:
            problem(
                record.seq,
                record.id,
                f"purge marker cut-off {marker.before} is inside the {years}-year "
                f"retention on its own date {record.created_at.date()} (latest allowed {allowed})",
            )
        if not (marker.first_created_at <= marker.last_created_at < marker.cutoff):
            problem(
                record.seq,
                record.id,
                "purge marker covers records created on or after its cut-off "
                f"{marker.before} (last purged {utc_iso(marker.last_created_at)})",
            )
        if not marker.from_seq <= marker.to_seq < record.seq:
            problem(record.seq, record.id, "purge marker range does not precede it")
        if record.created_at > self.now + timedelta(days=1):
            problem(
                record.seq,
                record.id,
                f"purge marker dated {utc_iso(record.created_at)}, in the future",
            )

    def finish(self, head: tuple[int, str] | None) -> None:
        result, first, previous = self.result, self.first, self.previous
        if first is not None:
            result.first_seq = first.seq
            self._check_start(first)
        if previous is not None:
            result.last_seq, result.last_hash = previous.seq, previous.hash
            result.key_id = mac_key_id(previous.mac)
        if head is not None:
            self._check_head(head)
        if self.key is not None and previous is not None:
            self._check_tail_key(previous)
        if self.expect is not None and result.expected_head is None:
            seq = self.expect[0]
            result.problem(
                seq,
                None,
                f"the exported head record {seq} is not in the chain (the chain was "
                "truncated, rewritten or purged past it)",
            )

    def _check_start(self, first: AuditRecord) -> None:
        problem = self.result.problem
        if first.seq == 1:
            if first.prev_hash != GENESIS:
                problem(
                    first.seq, first.id, "the first record does not start from the genesis hash"
                )
            return
        marker = self.markers.get(first.seq)
        if marker is None:
            problem(
                first.seq,
                first.id,
                f"the chain starts at record {first.seq} but no purge marker anchors it "
                f"(records 1..{first.seq - 1} removed without a purge)",
            )
        elif marker.anchor_hash != first.prev_hash:
            problem(
                first.seq,
                first.id,
                f"prev_hash does not match the anchor of purge marker {marker.seq}",
            )
        elif first.created_at < marker.cutoff and first.seq != marker.seq:
            problem(
                first.seq,
                first.id,
                f"created before the cut-off {marker.before} of purge marker {marker.seq}, "
                "which should have purged it first",
            )
        else:
            self.result.anchored_at = marker.seq

    def _check_head(self, head: tuple[int, str]) -> None:
        problem, previous = self.result.problem, self.previous
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

    def _check_tail_key(self, last: AuditRecord) -> None:
        assert self.key is not None
        key_id = mac_key_id(last.mac)
        if key_id == self.key.key_id:
            return
        if key_id is None:
            self.result.problem(
                last.seq,
                last.id,
                f"the configured audit key (id {self.key.key_id}) never MAC'd this chain: either "
                "it was rewritten by someone without the key, or the key was never introduced "
                "(`clearance audit rotate-key` introduces it)",
            )
        else:
            self.result.problem(
                last.seq,
                last.id,
                f"the chain is MAC'd with key {key_id}, not the configured key {self.key.key_id}",
            )


def verify_records(
    records: Iterable[AuditRecord],
    head: tuple[int, str] | None = None,
    *,
    key: AuditKey | None = None,
    expect_head: tuple[int, str] | None = None,
) -> VerifyResult:
    """Walk records in the order given (which must be seq order) and check every link.

    `head` is the (seq, hash) the store's chain head names; None skips the tail check (an
    exported file has no head). With `key`, every MAC made with it is checked and the chain's
    last record must carry one. `expect_head` is a (seq, hash) exported earlier: the chain
    must still hold that record with that hash.
    """
    result = VerifyResult(key_configured=key is not None)
    walk = _Walk(result, key, expect_head, _utcnow())
    for record in records:
        walk.visit(record)
    walk.finish(head)
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


def verify_connection(
    conn: Connection,
    *,
    key: AuditKey | None = None,
    expect_head: tuple[int, str] | None = None,
) -> VerifyResult:
    return verify_records(
        _stored_records(conn), head=read_head(conn), key=key, expect_head=expect_head
    )


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """A read transaction that sees one state of the store throughout."""
    with engine.connect() as conn, conn.begin():
        # Records appended during a walk must not look like a broken tail.
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        else:  # pysqlite would run each SELECT in its own snapshot
            conn.exec_driver_sql("BEGIN")
        yield conn


def verify_chain(
    engine: Engine,
    *,
    key: AuditKey | None = None,
    expect_head: tuple[int, str] | None = None,
) -> VerifyResult:
    """Check every stored record and link, MACs, purge markers and the chain head."""
    with snapshot(engine) as conn:
        return verify_connection(conn, key=key, expect_head=expect_head)
