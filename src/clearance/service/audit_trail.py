"""Use cases of the audit trail itself: show, verify, export, purge (replay is in replay.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal, TextIO

from clearance.audit.chain import (
    KEY_ROTATED,
    AuditError,
    AuditRecord,
    VerifyResult,
    audit_key,
    locked_chain,
    parse_head,
    read_head,
    snapshot,
    verify_connection,
    verify_records,
)
from clearance.audit.records import (
    PurgeResult,
    export_records,
    get_record,
    iter_records,
    purge,
    read_export,
)
from clearance.service.audit_consistency import check_derived_state
from clearance.service.handle import Clearance
from clearance.settings import LoadedSettings


def show_record(app: Clearance, ref: str | int) -> dict[str, Any]:
    """One record as stored, and whether its hash still matches its content."""
    record = get_record(app.engine, ref)
    return record.to_dict() | {"hash_matches_content": record.computed_hash() == record.hash}


@dataclass(frozen=True, slots=True)
class RecordPage:
    """Some records in seq order, and where the next page starts (None: no more)."""

    records: tuple[AuditRecord, ...]
    next_after: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "records": [r.to_dict() for r in self.records],
            "next_after": self.next_after,
        }


def records(
    app: Clearance,
    start: date | None = None,
    end: date | None = None,
    kinds: Sequence[str] | None = None,
    *,
    after: int | None = None,
    limit: int = 100,
) -> RecordPage:
    """Records of a period (UTC days, inclusive) and kinds, `limit` at a time after seq `after`."""
    found = tuple(
        iter_records(app.engine, start=start, end=end, kinds=kinds, after=after, limit=limit + 1)
    )
    page = found[:limit]
    return RecordPage(page, page[-1].seq if len(found) > limit else None)


def verify(app: Clearance, expect_head: str | None = None) -> VerifyResult:
    """Walk the whole chain in the store — hashes, links, MACs (with the audit key), the head,
    purge markers — and check the alert and ledger rows against its records, all in one
    snapshot. `expect_head` is a `SEQ:HASH` exported earlier (`audit head`) that the chain
    must still contain."""
    expected = parse_head(expect_head) if expect_head else None
    key = audit_key(app.settings)
    with snapshot(app.engine) as conn:
        result = verify_connection(
            conn,
            key=key,
            expect_head=expected,
        )
        check_derived_state(conn, result)
    return result


def verify_export(
    path: Path, loaded: LoadedSettings | None = None, expect_head: str | None = None
) -> VerifyResult:
    """Verify an export file (jsonl or csv) offline, without any store (with the audit key of
    `loaded`, when given)."""
    expected = parse_head(expect_head) if expect_head else None
    key = audit_key(loaded.settings) if loaded is not None else None
    with path.open(encoding="utf-8", newline="") as source:
        return verify_records(read_export(source), key=key, expect_head=expected)


@dataclass(frozen=True, slots=True)
class ChainHead:
    """The newest record: what to export to an append-only place (`audit head`)."""

    seq: int
    hash: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "hash": self.hash, "head": str(self)}


def head(app: Clearance) -> ChainHead:
    with app.engine.connect() as conn:
        seq, digest = read_head(conn)
    return ChainHead(seq, digest)


def rotate_key(app: Clearance) -> AuditRecord | None:
    """Introduce the configured audit key into the chain (an `audit.key-rotated` record MAC'd
    with it); None when the chain's last record is already MAC'd with it."""
    key = audit_key(app.settings)
    if key is None:
        raise AuditError("no audit key is configured: set CLEARANCE_AUDIT_KEY or audit_key_file")
    with locked_chain(app.engine) as writer:
        writer.settle_key(key, app.actor)
        rotated = [r for r in writer.appended if r.kind == KEY_ROTATED]
    return rotated[0] if rotated else None


def export(
    app: Clearance,
    out: TextIO,
    output_format: Literal["jsonl", "csv"],
    start: date | None = None,
    end: date | None = None,
) -> int:
    return export_records(app.engine, out, output_format, start=start, end=end)


def purge_before(app: Clearance, cutoff: date) -> PurgeResult:
    """Delete records older than the retention period allows, re-anchoring the chain."""
    return purge(app.engine, cutoff, settings=app.loaded, actor=app.actor)
