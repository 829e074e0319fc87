"""Helpers for the audit tests: writing records, and the attacker's tools (dropping the
append-only triggers, as someone with database rights could)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from clearance.audit.chain import AuditRecord, locked_chain
from clearance.audit.records import record_event, record_event_in
from clearance.audit.review import ReviewedHit, party_fingerprint, review_hits
from clearance.lists import parse_list
from clearance.model import Entry, Feature, Hit, ListVersion, Party, party_to_dict
from clearance.settings import LoadedSettings
from clearance.store.versions import get_entry, import_list


def drop_append_only_triggers(engine: Engine) -> None:
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("DROP TRIGGER audit_record_append_only ON audit_record"))
        else:
            conn.execute(text("DROP TRIGGER audit_record_no_update"))
            conn.execute(text("DROP TRIGGER audit_record_no_delete"))


def write_records(engine: Engine, loaded: LoadedSettings, count: int, **extra: Any) -> list[int]:
    return [
        record_event(engine, "screening", {"n": n, **extra}, settings=loaded, actor="tester").seq
        for n in range(count)
    ]


def import_version(engine: Engine, path: Path, published: date | None = None) -> ListVersion:
    """Import one real list file through the real parser and store."""
    return import_list(engine, parse_list(path), published=published).version


def entry_of(engine: Engine, version: ListVersion, source_id: str) -> Entry:
    entry = get_entry(engine, version.id, source_id)
    assert entry is not None, f"{version.list_name} {source_id} not in version {version.id}"
    return entry


def hit_on(
    version: ListVersion, entry: Entry, query: str, score: float, *, match: bool = False
) -> Hit:
    """A Hit over a real stored entry: what the screening engine hands over for it."""
    return Hit(
        list_name=version.list_name,
        list_version_id=version.id,
        entry=entry,
        score=score,
        match=match,
        query_name=query,
        matched_name=entry.names[0],
        algorithm="clearance-v1",
        features=(Feature("name", score, f"query {query!r} ~ listed {entry.names[0].name!r}"),),
    )


@dataclass(frozen=True)
class RecordedScreening:
    record: AuditRecord
    hits: tuple[ReviewedHit, ...]


def record_screening(
    engine: Engine,
    party: Party,
    hits: Sequence[Hit],
    *,
    review_threshold: float,
    details: Mapping[str, Any],
    settings: LoadedSettings,
    actor: str,
) -> RecordedScreening:
    """Put hand-made hits through review and record them, as `service.screen_party` does
    with hits it computed: the review workflow tested apart from the scorer."""
    with locked_chain(engine) as writer:
        reviewed = review_hits(writer, party, hits, review_threshold=review_threshold)
        payload = {
            **details,
            "party": party_to_dict(party),
            "fingerprint": party_fingerprint(party),
            "review_threshold": review_threshold,
            "hits": [h.to_dict() for h in reviewed],
        }
        record = record_event_in(writer, "screening", payload, settings=settings, actor=actor)
    return RecordedScreening(record, tuple(reviewed))
