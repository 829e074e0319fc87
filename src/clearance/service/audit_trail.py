"""Use cases of the audit trail itself: show, verify, export, purge (replay is in replay.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Literal, TextIO

from clearance.audit.chain import VerifyResult, verify_chain, verify_records
from clearance.audit.records import (
    PurgeResult,
    export_records,
    get_record,
    purge,
    read_export,
)
from clearance.service.handle import Clearance


def show_record(app: Clearance, ref: str | int) -> dict[str, Any]:
    """One record as stored, and whether its hash still matches its content."""
    record = get_record(app.engine, ref)
    return record.to_dict() | {"hash_matches_content": record.computed_hash() == record.hash}


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
