"""Helpers for the audit tests: writing records, and the attacker's tools (dropping the
append-only triggers, as someone with database rights could)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from clearance.audit.records import record_event
from clearance.lists import parse_list
from clearance.model import Entry, Feature, Hit, ListVersion
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
