"""Browsing the audit trail: records of a period, kinds and actor, a page at a time.

`audit_trail.py` has the other use cases of the trail (show, verify, export, purge) and
`replay.py` replays a record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from clearance.audit.browse import newest_records, record_kinds
from clearance.audit.chain import AuditRecord
from clearance.service.handle import Clearance

# Records that `replay_record` can recompute.
REPLAYABLE = frozenset({"screening", "screening_batch", "decision"})


@dataclass(frozen=True, slots=True)
class RecordPage:
    records: tuple[AuditRecord, ...]  # newest first
    total: int  # records of the period and kinds, in all
    next_before: int | None  # `before` of the next (older) page, None on the last page

    def to_dict(self) -> dict[str, Any]:
        return {
            "records": [r.to_dict() for r in self.records],
            "total": self.total,
            "next_before": self.next_before,
        }


def browse_records(
    app: Clearance,
    *,
    start: date | None = None,
    end: date | None = None,
    kinds: Sequence[str] | None = None,
    actor: str | None = None,
    before: int | None = None,
    limit: int = 50,
) -> RecordPage:
    """Newest first: up to `limit` records created from `start` to `end` (UTC days, both
    included), of `kinds` and by `actor` when given, older than record `before`."""
    limit = max(1, min(limit, 500))
    records, total = newest_records(
        app.engine,
        start=start,
        end=end,
        kinds=kinds,
        actor=actor,
        before_seq=before,
        limit=limit + 1,
    )
    more = len(records) > limit
    shown = records[:limit]
    return RecordPage(tuple(shown), total, shown[-1].seq if more and shown else None)


def kinds(app: Clearance) -> list[str]:
    return record_kinds(app.engine)


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def record_summary(record: AuditRecord) -> str:
    """What a record is about, in a few words (the payload has the rest)."""
    p = record.payload
    if record.kind == "screening":
        party = (p.get("party") or {}).get("name", "")
        hits = p.get("hits") or []
        matches = sum(1 for h in hits if h.get("match"))
        found = f"{_count(len(hits), 'hit')}, {_count(matches, 'match', 'matches')}"
        return f"{party!r} as of {p.get('as_of')}: {found}"
    if record.kind == "decision":
        txn = p.get("transaction") or {}
        decision = (p.get("decision") or {}).get("decision")
        return f"transaction {txn.get('id')} of {txn.get('date')}: {decision}"
    if record.kind == "review":
        return f"alert {p.get('alert')}: {p.get('action')} {(p.get('to') or {}).get('state')}"
    if record.kind == "list_import":
        version = p.get("version") or {}
        return f"{version.get('list')} published {version.get('published')}"
    if record.kind == "screening_batch":
        rows, matches = p.get("rows") or 0, p.get("matches") or 0
        return f"{_count(rows, 'row')}, {_count(matches, 'match', 'matches')}"
    if "name" in p:
        return str(p["name"])
    return ""
