"""Importing list versions and asking what a list said on a date.

An import runs in one database transaction: the parser's entries stream into it, and any
`ListFormatError` (or other failure) rolls everything back, so the previous version stays in
force and nothing partial is stored.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Row, and_, insert, select

from clearance.model import (
    Entry,
    ListSource,
    ListVersion,
    ParsedList,
    canonical_json,
    entry_from_dict,
    entry_to_dict,
)
from clearance.store.contents import record_contents
from clearance.store.db import within
from clearance.store.tables import entry_blob, list_version, version_entry

_BATCH = 2000


class StoreError(Exception):
    """A request the store cannot answer (unknown list, no version in force, ...)."""


class VersionNotFound(StoreError):
    """No such list version, or none published on or before the date asked (a door: 404)."""


class ImplausibleDrop(StoreError):
    """A new version holds far fewer entries than the one before it: most likely a file cut
    short, whose missing entries would silently stop being screened against."""


@dataclass(frozen=True, slots=True)
class EntryDrop:
    """How many entries a new version lost against the version in force before it."""

    previous_id: int
    previous_published: date
    previous_entries: int
    entries: int

    @property
    def share(self) -> float:
        return 1 - self.entries / self.previous_entries

    def to_dict(self) -> dict[str, Any]:
        return {
            "previous_version": self.previous_id,
            "previous_published": self.previous_published.isoformat(),
            "previous_entries": self.previous_entries,
            "entries": self.entries,
            "drop": round(self.share, 4),
        }


@dataclass(frozen=True, slots=True)
class ImportResult:
    version: ListVersion
    created: bool  # False when identical content was already stored (a no-op)
    # Set when the version lost more entries than `max_drop` allowed and `allow_drop` let it in.
    drop_allowed: EntryDrop | None = None


def _row_to_version(row: Row[Any]) -> ListVersion:
    m = row._mapping
    imported = m["imported_at"]
    if imported.tzinfo is None:  # SQLite drops the zone; we always store UTC
        imported = imported.replace(tzinfo=UTC)
    return ListVersion(
        id=m["id"],
        list_name=m["list_name"],
        source=ListSource(m["source"]),
        published=m["published"],
        imported_at=imported,
        sha256=m["sha256"],
        entry_count=m["entry_count"],
        origin=m["origin"],
        counts=json.loads(m["counts"]),
    )


def _existing_hashes(conn: Connection, hashes: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(hashes), 500):
        chunk = hashes[start : start + 500]
        found.update(conn.scalars(select(entry_blob.c.hash).where(entry_blob.c.hash.in_(chunk))))
    return found


def _store_batch(conn: Connection, version_id: int, batch: list[tuple[Entry, str, str]]) -> None:
    known = _existing_hashes(conn, list({h for _, h, _ in batch}))
    new_blobs: dict[str, dict[str, str]] = {}
    for entry, digest, body in batch:
        if digest not in known and digest not in new_blobs:
            new_blobs[digest] = {
                "hash": digest,
                "source": entry.source.value,
                "source_id": entry.source_id,
                "body": body,
            }
    if new_blobs:
        conn.execute(insert(entry_blob), list(new_blobs.values()))
    conn.execute(
        insert(version_entry),
        [{"version_id": version_id, "source_id": e.source_id, "hash": h} for e, h, _ in batch],
    )


def _previous_entries(
    conn: Connection, name: str, published: date, empty_base: bool = False
) -> dict[str, str]:
    """source_id -> hash of the newest version on or before `published` (delta base).

    With `empty_base`, a list with no earlier version starts from nothing: an FtM delta series
    (OpenSanctions) may begin with a delta whose ADDs build the list from empty.
    """
    base = _version_row_as_of(conn, name, published)
    if base is None:
        if empty_base:
            return {}
        raise StoreError(f"a delta for {name!r} needs a full version on or before {published}")
    rows = conn.execute(
        select(version_entry.c.source_id, version_entry.c.hash).where(
            version_entry.c.version_id == base._mapping["id"]
        )
    )
    return {r.source_id: r.hash for r in rows}


def _check_drop(previous: Row[Any] | None, total: int, max_drop: float | None) -> EntryDrop | None:
    """The drop against `previous` when it is larger than `max_drop` (None: no limit)."""
    if previous is None or max_drop is None:
        return None
    m = previous._mapping
    drop = EntryDrop(m["id"], m["published"], m["entry_count"], total)
    if drop.previous_entries <= 0 or drop.share <= max_drop:
        return None
    return drop


def _refuse_drop(parsed: ParsedList, drop: EntryDrop, max_drop: float) -> ImplausibleDrop:
    doubts = "".join(f"; {doubt}" for doubt in parsed.doubts)
    return ImplausibleDrop(
        f"{', '.join(parsed.files)}: {drop.entries} entries, {drop.share:.0%} fewer than the "
        f"{drop.previous_entries} of version {drop.previous_id} (published "
        f"{drop.previous_published}), more than the {max_drop:.0%} allowed (import_max_drop)"
        f"{doubts}. Refused as a likely truncated file; the previous version stays in force. "
        "If the list really shrank, import it again with --allow-drop"
    )


def import_list(
    engine: Engine | Connection,
    parsed: ParsedList,
    published: date | None = None,
    progress: Callable[[int], None] | None = None,
    *,
    max_drop: float | None = None,
    allow_drop: bool = False,
) -> ImportResult:
    """Store one parsed list version atomically; identical content is a no-op.

    With `max_drop`, a version holding more than that share fewer entries than the version in
    force before its date is refused (`ImplausibleDrop`) unless `allow_drop`; the result then
    says by how much it dropped, for the audit record.
    """
    if published and parsed.published and published != parsed.published:
        # The file's own date is the publisher's word; a different one given by hand is a
        # mistake in one of them, and as-of answers would silently follow the wrong one.
        raise StoreError(
            f"{', '.join(parsed.files)} says it was published {parsed.published}, not {published}"
        )
    when = published or parsed.published
    if when is None:
        raise StoreError(
            f"{', '.join(parsed.files)} carries no publication date: give one with --published"
        )
    name = parsed.name
    with within(engine) as conn:
        existing = conn.execute(
            select(list_version).where(
                and_(list_version.c.list_name == name, list_version.c.sha256 == parsed.sha256)
            )
        ).first()
        if existing is not None:
            return ImportResult(_row_to_version(existing), created=False)

        # The version before this one, and a delta's base, must be read before this version's
        # own row exists.
        previous = _version_row_as_of(conn, name, when)
        carried = (
            _previous_entries(conn, name, when, empty_base=parsed.source is ListSource.FTM)
            if parsed.is_delta
            else {}
        )
        for source_id in parsed.deleted:
            carried.pop(source_id, None)

        version_id: int = conn.execute(
            insert(list_version).values(
                list_name=name,
                source=parsed.source.value,
                published=when,
                imported_at=datetime.now(UTC),
                sha256=parsed.sha256,
                entry_count=0,
                counts="{}",
                origin=" ".join(parsed.files),
            )
        ).inserted_primary_key[0]  # type: ignore[index]

        counts: Counter[str] = Counter()
        seen: set[str] = set()
        batch: list[tuple[Entry, str, str]] = []
        for entry in parsed.entries:
            if entry.source_id in seen:
                raise StoreError(f"{name}: entry id {entry.source_id} occurs twice")
            seen.add(entry.source_id)
            carried.pop(entry.source_id, None)
            body = canonical_json(entry_to_dict(entry))
            batch.append((entry, _sha256(body), body))
            counts[entry.type.value] += 1
            if len(batch) >= _BATCH:
                _store_batch(conn, version_id, batch)
                batch.clear()
            if progress is not None:
                progress(1)
        if batch:
            _store_batch(conn, version_id, batch)
        if carried:
            conn.execute(
                insert(version_entry),
                [{"version_id": version_id, "source_id": s, "hash": h} for s, h in carried.items()],
            )
            for body in _bodies(conn, list(carried.values())).values():
                counts[json.loads(body)["type"]] += 1

        total = sum(counts.values())
        if total == 0:
            raise StoreError(f"{', '.join(parsed.files)}: no entries; refusing an empty version")
        drop = _check_drop(previous, total, max_drop)
        if drop is not None and not allow_drop:
            assert max_drop is not None  # a drop is only found against a limit
            raise _refuse_drop(parsed, drop, max_drop)
        record_contents(conn, version_id, parsed.parts)  # which parts this import had
        conn.execute(
            list_version.update()
            .where(list_version.c.id == version_id)
            .values(entry_count=total, counts=json.dumps(dict(sorted(counts.items()))))
        )
        row = conn.execute(select(list_version).where(list_version.c.id == version_id)).one()
        return ImportResult(_row_to_version(row), created=True, drop_allowed=drop)


def _sha256(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _bodies(conn: Connection, hashes: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for start in range(0, len(hashes), 500):
        chunk = hashes[start : start + 500]
        rows = conn.execute(
            select(entry_blob.c.hash, entry_blob.c.body).where(entry_blob.c.hash.in_(chunk))
        )
        out.update({r.hash: r.body for r in rows})
    return out


# --- queries ---------------------------------------------------------------------------------


def list_versions(engine: Engine, list_name: str | None = None) -> list[ListVersion]:
    query = select(list_version).order_by(
        list_version.c.list_name, list_version.c.published, list_version.c.id
    )
    if list_name is not None:
        query = query.where(list_version.c.list_name == list_name)
    with engine.connect() as conn:
        return [_row_to_version(r) for r in conn.execute(query)]


def list_names(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.scalars(select(list_version.c.list_name).distinct()))


def _version_row_as_of(conn: Connection, list_name: str, when: date) -> Row[Any] | None:
    return conn.execute(
        select(list_version)
        .where(and_(list_version.c.list_name == list_name, list_version.c.published <= when))
        .order_by(list_version.c.published.desc(), list_version.c.id.desc())
        .limit(1)
    ).first()


def version_as_of(engine: Engine, list_name: str, when: date) -> ListVersion | None:
    """The version of a list in force on `when`: the latest publication on or before it."""
    with engine.connect() as conn:
        row = _version_row_as_of(conn, list_name, when)
    return _row_to_version(row) if row is not None else None


def versions_in_force(
    engine: Engine, when: date, list_names_: Iterable[str] | None = None
) -> list[ListVersion]:
    names = list(list_names_) if list_names_ is not None else list_names(engine)
    found = [version_as_of(engine, name, when) for name in sorted(names)]
    return [v for v in found if v is not None]


def get_version(engine: Engine, version_id: int) -> ListVersion:
    with engine.connect() as conn:
        row = conn.execute(select(list_version).where(list_version.c.id == version_id)).first()
    if row is None:
        raise VersionNotFound(f"no list version {version_id}")
    return _row_to_version(row)


def iter_entries(engine: Engine, version_id: int) -> Iterator[Entry]:
    """Every entry of one version, in source-id order."""
    for body in iter_entry_bodies(engine, version_id):
        yield entry_from_dict(json.loads(body))


def iter_entry_bodies(engine: Engine, version_id: int) -> Iterator[str]:
    """Every entry of one version as its stored canonical JSON, in source-id order."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(entry_blob.c.body)
            .join(version_entry, version_entry.c.hash == entry_blob.c.hash)
            .where(version_entry.c.version_id == version_id)
            .order_by(version_entry.c.source_id)
        )
        for row in rows:
            yield row.body


def get_entry(engine: Engine, version_id: int, source_id: str) -> Entry | None:
    with engine.connect() as conn:
        body = conn.scalar(
            select(entry_blob.c.body)
            .join(version_entry, version_entry.c.hash == entry_blob.c.hash)
            .where(
                and_(
                    version_entry.c.version_id == version_id, version_entry.c.source_id == source_id
                )
            )
        )
    return entry_from_dict(json.loads(body)) if body is not None else None


def entry_as_of(
    engine: Engine, list_name: str, source_id: str, when: date
) -> tuple[ListVersion, Entry | None]:
    version = version_as_of(engine, list_name, when)
    if version is None:
        raise VersionNotFound(f"no version of {list_name!r} was published on or before {when}")
    return version, get_entry(engine, version.id, source_id)
