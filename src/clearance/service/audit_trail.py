"""Use cases of the audit trail itself: show, verify, export, purge (replay is in replay.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal, TextIO

from clearance.audit.chain import AuditRecord, VerifyResult, verify_chain, verify_records
from clearance.audit.records import (
    PurgeResult,
    export_records,
    get_record,
    iter_records,
    purge,
    read_export,
)
from clearance.service.handle import Clearance


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


def verify(app: Clearance) -> VerifyResult:
    """Walk the whole chain in the store: hashes, links, the head, purge anchors."""
    return verify_chain(app.engine)


def verify_export(path: Path) -> VerifyResult:
    """Verify an export file (jsonl or csv) offline, without any store."""
    with path.open(encoding="utf-8", newline="") as source:
        return verify_records(read_export(source))


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
