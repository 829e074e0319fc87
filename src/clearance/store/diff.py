"""What changed between two versions of a list, and one entry's history across versions."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select

from clearance.model import ListVersion
from clearance.store.tables import entry_blob, version_entry
from clearance.store.versions import _bodies, list_versions


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True, slots=True)
class EntryChange:
    source_id: str
    name: str
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True, slots=True)
class VersionDiff:
    before: ListVersion
    after: ListVersion
    added: tuple[tuple[str, str], ...]  # (source_id, primary name)
    removed: tuple[tuple[str, str], ...]
    changed: tuple[EntryChange, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "list": self.after.list_name,
            "from": {"version": self.before.id, "published": self.before.published.isoformat()},
            "to": {"version": self.after.id, "published": self.after.published.isoformat()},
            "counts": {
                "added": len(self.added),
                "removed": len(self.removed),
                "changed": len(self.changed),
            },
            "added": [{"id": i, "name": n} for i, n in self.added],
            "removed": [{"id": i, "name": n} for i, n in self.removed],
            "changed": [
                {
                    "id": c.source_id,
                    "name": c.name,
                    "fields": [
                        {"field": f.field, "before": f.before, "after": f.after} for f in c.changes
                    ],
                }
                for c in self.changed
            ],
        }


def _hashes(engine: Engine, version_id: int) -> dict[str, str]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(version_entry.c.source_id, version_entry.c.hash).where(
                version_entry.c.version_id == version_id
            )
        )
        return {r.source_id: r.hash for r in rows}


def _primary_name(body: dict[str, Any]) -> str:
    for name in body.get("names", ()):
        if name.get("kind") == "primary":
            return str(name["name"])
    names = body.get("names") or [{"name": ""}]
    return str(names[0]["name"])


def field_changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[FieldChange, ...]:
    keys = sorted(set(before) | set(after))
    return tuple(
        FieldChange(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)
    )


def _sort_key(source_id: str) -> tuple[int, str]:
    # Numeric ids (SDN ent_num) sort numerically, others lexically.
    return (int(source_id), "") if source_id.isdigit() else (1 << 62, source_id)


def diff_versions(engine: Engine, before: ListVersion, after: ListVersion) -> VersionDiff:
    old, new = _hashes(engine, before.id), _hashes(engine, after.id)
    added_ids = sorted(new.keys() - old.keys(), key=_sort_key)
    removed_ids = sorted(old.keys() - new.keys(), key=_sort_key)
    changed_ids = sorted((k for k in old.keys() & new.keys() if old[k] != new[k]), key=_sort_key)
    wanted = [new[i] for i in added_ids + changed_ids] + [old[i] for i in removed_ids + changed_ids]
    with engine.connect() as conn:
        bodies = {h: json.loads(b) for h, b in _bodies(conn, wanted).items()}
    return VersionDiff(
        before=before,
        after=after,
        added=tuple((i, _primary_name(bodies[new[i]])) for i in added_ids),
        removed=tuple((i, _primary_name(bodies[old[i]])) for i in removed_ids),
        changed=tuple(
            EntryChange(
                i, _primary_name(bodies[new[i]]), field_changes(bodies[old[i]], bodies[new[i]])
            )
            for i in changed_ids
        ),
    )


@dataclass(frozen=True, slots=True)
class HistoryStep:
    version: ListVersion
    status: str  # "added", "changed", "unchanged", "removed", "absent"
    changes: tuple[FieldChange, ...] = field(default=())


def entry_history(engine: Engine, list_name: str, source_id: str) -> list[HistoryStep]:
    """The entry's state in every version of the list, oldest first."""
    versions = list_versions(engine, list_name)
    with engine.connect() as conn:
        rows = conn.execute(
            select(version_entry.c.version_id, entry_blob.c.hash, entry_blob.c.body)
            .join(entry_blob, entry_blob.c.hash == version_entry.c.hash)
            .where(version_entry.c.source_id == source_id)
        )
        present = {r.version_id: (r.hash, json.loads(r.body)) for r in rows}
    steps: list[HistoryStep] = []
    previous: tuple[str, dict[str, Any]] | None = None
    for version in versions:
        current = present.get(version.id)
        if current is None:
            steps.append(HistoryStep(version, "removed" if previous is not None else "absent"))
        elif previous is None:
            steps.append(HistoryStep(version, "added"))
        elif previous[0] == current[0]:
            steps.append(HistoryStep(version, "unchanged"))
        else:
            steps.append(HistoryStep(version, "changed", field_changes(previous[1], current[1])))
        previous = current
    return steps
