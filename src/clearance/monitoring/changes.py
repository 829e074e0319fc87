"""What changed in the lists since the last run: the store's version diff, per list.

For each list in force the run compares the version the last run screened against with the
one in force now (`store.diff.diff_versions`, a comparison of content hashes): added entries
are `new-entry`, entries whose content hash changed are `changed-entry`. A list the last run
did not have at all counts as wholly new. Removed entries raise nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, and_, select

from clearance.model import Entry, ListVersion, entry_from_dict
from clearance.monitoring.reverse import ChangedEntry
from clearance.store.diff import diff_versions
from clearance.store.tables import entry_blob, version_entry
from clearance.store.versions import get_version, iter_entries

__all__ = ["CHANGED_ENTRY", "NEW_ENTRY", "ListChanges", "entry_changes"]

NEW_ENTRY = "new-entry"
CHANGED_ENTRY = "changed-entry"


@dataclass(frozen=True, slots=True)
class ListChanges:
    entries: tuple[ChangedEntry, ...]
    summary: tuple[dict[str, Any], ...]  # per list: from, to, added, changed, removed

    @property
    def keys(self) -> dict[tuple[str, str], str]:
        """(list, source id) -> reason."""
        return {item.key: item.reason for item in self.entries}


def _entries(engine: Engine, version_id: int, source_ids: Sequence[str]) -> dict[str, Entry]:
    """Entries of one version by source id, read in a few queries."""
    found: dict[str, Entry] = {}
    with engine.connect() as conn:
        for start in range(0, len(source_ids), 500):
            rows = conn.execute(
                select(version_entry.c.source_id, entry_blob.c.body)
                .join(entry_blob, entry_blob.c.hash == version_entry.c.hash)
                .where(
                    and_(
                        version_entry.c.version_id == version_id,
                        version_entry.c.source_id.in_(source_ids[start : start + 500]),
                    )
                )
            )
            found.update({r.source_id: entry_from_dict(json.loads(r.body)) for r in rows})
    return found


def entry_changes(
    engine: Engine, previous: Mapping[str, int], current: Sequence[ListVersion]
) -> ListChanges:
    """Entries of the `current` versions that are new or changed since the `previous` ones
    (list name -> version id)."""
    entries: list[ChangedEntry] = []
    summary: list[dict[str, Any]] = []
    for version in current:
        before_id = previous.get(version.list_name)
        if before_id == version.id:
            continue
        if before_id is None:
            added = [
                ChangedEntry(version.list_name, e, NEW_ENTRY)
                for e in iter_entries(engine, version.id)
            ]
            entries.extend(added)
            summary.append(
                {
                    "list": version.list_name,
                    "from": None,
                    "to": version.id,
                    "added": len(added),
                    "changed": 0,
                    "removed": 0,
                }
            )
            continue
        diff = diff_versions(engine, get_version(engine, before_id), version)
        for ids, reason in (
            ([i for i, _ in diff.added], NEW_ENTRY),
            ([c.source_id for c in diff.changed], CHANGED_ENTRY),
        ):
            found = _entries(engine, version.id, ids)
            entries.extend(ChangedEntry(version.list_name, found[i], reason) for i in ids)
        summary.append(
            {
                "list": version.list_name,
                "from": before_id,
                "to": version.id,
                "added": len(diff.added),
                "changed": len(diff.changed),
                "removed": len(diff.removed),
            }
        )
    return ListChanges(tuple(entries), tuple(summary))
