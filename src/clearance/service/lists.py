"""Use cases of the lists: import a file, fetch from the publishers, and read what is stored.

An import is one unit of work: the new version and its `list_import` audit record commit
together; a file that fails to parse leaves the previous version in force and no record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from clearance.audit.records import LIST_IMPORT
from clearance.lists import parse_list, parse_versions
from clearance.lists.fetch import FetchError, fetch_source
from clearance.model import (
    Entry,
    ListSource,
    ListVersion,
    ParsedList,
    entry_to_dict,
    version_to_dict,
)
from clearance.service.errors import NotFound
from clearance.service.handle import Clearance
from clearance.service.uow import unit_of_work
from clearance.store.diff import HistoryStep, VersionDiff, diff_versions, entry_history
from clearance.store.versions import (
    ImportResult,
    StoreError,
    VersionNotFound,
    entry_as_of,
    import_list,
    list_names,
    list_versions,
    version_as_of,
    versions_in_force,
)

# Sources fetched when none is named: the official lists downloadable without credentials.
DEFAULT_FETCH = (ListSource.OFAC_SDN, ListSource.OFAC_CONS, ListSource.UN, ListSource.UK_HMT)

Progress = Callable[[int], None]
# A door's progress display for one import: a context giving `advance(n)` or None.
ProgressFactory = Callable[[str], AbstractContextManager[Progress | None]]


class EntryNotFound(StoreError, NotFound):
    """The entry is not in the version asked about, or the list has no stored version."""


def _no_progress(_: str) -> AbstractContextManager[Progress | None]:
    return nullcontext(None)


@dataclass(frozen=True, slots=True)
class Imported:
    version: ListVersion
    created: bool  # False: identical content was stored already, nothing changed

    def to_dict(self) -> dict[str, Any]:
        return version_to_dict(self.version) | {"created": self.created}


def _store_version(
    app: Clearance,
    parsed: ParsedList,
    published: date | None,
    progress: Progress | None,
    origin: dict[str, Any],
    allow_drop: bool = False,
) -> Imported:
    """Store one version; refused (`ImplausibleDrop`) when it holds more than `import_max_drop`
    fewer entries than the version before it, unless `allow_drop`, which the record keeps."""
    with unit_of_work(app.engine) as uow:
        result: ImportResult = import_list(
            uow.conn,
            parsed,
            published=published,
            progress=progress,
            max_drop=app.settings.import_max_drop,
            allow_drop=allow_drop,
        )
        if result.created:
            payload: dict[str, Any] = {
                "version": version_to_dict(result.version),
                "origin": origin,
            }
            if allow_drop:
                payload["allow_drop"] = {
                    "max_drop": app.settings.import_max_drop,
                    "overrode": result.drop_allowed.to_dict() if result.drop_allowed else None,
                }
            uow.record(LIST_IMPORT, payload, app)
    return Imported(result.version, result.created)


def import_list_file(
    app: Clearance,
    path: Path,
    source: ListSource | None = None,
    published: date | None = None,
    *,
    progress: ProgressFactory = _no_progress,
    allow_drop: bool = False,
) -> list[Imported]:
    """Import a list file, an OFAC CSV folder or an FtM delta series (one version each).

    `allow_drop` lets in versions that lost more entries than `import_max_drop` allows."""
    results = []
    for parsed in parse_versions(path, source):
        with progress(f"importing {path.name}") as advance:
            origin = {
                "path": str(path),
                "published_given": published.isoformat() if published else None,
            }
            results.append(
                _store_version(app, parsed, published, advance, origin, allow_drop=allow_drop)
            )
    return results


def fetch_lists(
    app: Clearance,
    sources: Sequence[ListSource] = (),
    *,
    progress: ProgressFactory = _no_progress,
    allow_drop: bool = False,
) -> Iterator[tuple[ListSource, Imported]]:
    """Download each source (official URL or the configured mirror), verify, import.

    Files without a publication date of their own (OFAC CSV) take the server's Last-Modified
    date, or today's date when the server gives none. Yields as each source is done, so a door
    can report progress; a download failure raises `FetchError` naming the source.
    """
    settings = app.settings
    for source in sources or DEFAULT_FETCH:
        try:
            fetched = fetch_source(
                source,
                settings.data_dir / "downloads",
                base_url=settings.fetch_base_url,
                retries=settings.fetch_retries,
                timeout=settings.fetch_timeout,
            )
        except FetchError as exc:
            raise FetchError(f"fetch {source.value}: {exc}") from exc
        parsed = parse_list(fetched.main_file, source)
        published = None if parsed.published else fetched.last_modified or date.today()
        origin = {"url": settings.fetch_base_url or "official", "file": str(fetched.main_file)}
        with progress(f"importing {source.value}") as advance:
            yield (
                source,
                _store_version(app, parsed, published, advance, origin, allow_drop=allow_drop),
            )


# --- reading -----------------------------------------------------------------------------------


def versions(app: Clearance, list_name: str | None = None) -> list[ListVersion]:
    return list_versions(app.engine, list_name)


def version_on(app: Clearance, list_name: str, when: date) -> ListVersion:
    version = version_as_of(app.engine, list_name, when)
    if version is None:
        raise VersionNotFound(f"no version of {list_name} was published on or before {when}")
    return version


@dataclass(frozen=True, slots=True)
class ListDiff:
    before: ListVersion
    after: ListVersion
    diff: VersionDiff

    def to_dict(self) -> dict[str, Any]:
        return self.diff.to_dict()


def diff(app: Clearance, list_name: str, first: date, second: date) -> ListDiff:
    """What changed between the versions in force on two dates."""
    before, after = version_on(app, list_name, first), version_on(app, list_name, second)
    return ListDiff(before, after, diff_versions(app.engine, before, after))


@dataclass(frozen=True, slots=True)
class EntryView:
    version: ListVersion
    entry: Entry

    def to_dict(self) -> dict[str, Any]:
        return entry_to_dict(self.entry) | {"list_version": version_to_dict(self.version)}


def entry_on(app: Clearance, list_name: str, source_id: str, when: date) -> EntryView:
    """One entry as the list in force on `when` had it; StoreError when it was not listed."""
    version, entry = entry_as_of(app.engine, list_name, source_id, when)
    if entry is None:
        raise EntryNotFound(
            f"{list_name} {source_id} is not in the version in force on {when} "
            f"(version {version.id}, published {version.published})"
        )
    return EntryView(version, entry)


def history(app: Clearance, list_name: str, source_id: str) -> list[HistoryStep]:
    """An entry's state in every stored version of its list."""
    steps = entry_history(app.engine, list_name, source_id)
    if not steps:
        raise EntryNotFound(f"no versions of {list_name} are stored")
    return steps


def history_to_dict(steps: Sequence[HistoryStep]) -> list[dict[str, Any]]:
    return [
        {
            "version": s.version.id,
            "published": s.version.published.isoformat(),
            "status": s.status,
            "changes": [
                {"field": f.field, "before": f.before, "after": f.after} for f in s.changes
            ],
        }
        for s in steps
    ]


def names(app: Clearance) -> list[str]:
    """The names of the lists the store holds versions of (`ofac-sdn`, `un`, ...)."""
    return list_names(app.engine)


def stored_versions(app: Clearance, list_name: str) -> list[ListVersion]:
    """Every stored version of one list, oldest first; `EntryNotFound` for an unknown list."""
    found = list_versions(app.engine, list_name)
    if not found:
        raise EntryNotFound(f"no versions of {list_name} are stored")
    return found


@dataclass(frozen=True, slots=True)
class ListSummary:
    """One list: how many versions the store holds, and the one in force on a date."""

    name: str
    versions: int
    in_force: ListVersion | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "list": self.name,
            "versions": self.versions,
            "in_force": version_to_dict(self.in_force) if self.in_force else None,
        }


def lists_overview(app: Clearance, when: date | None = None) -> list[ListSummary]:
    """Every list the store holds, with its version count and the version in force on `when`
    (default today; None where nothing was published by then)."""
    when = when or date.today()
    every = list_versions(app.engine)
    return [
        ListSummary(
            name,
            sum(1 for v in every if v.list_name == name),
            version_as_of(app.engine, name, when),
        )
        for name in sorted(list_names(app.engine))
    ]


@dataclass(frozen=True, slots=True)
class DatedEntry:
    """An entry as in force on a date, with when the store first listed it and when it last
    changed up to that date."""

    entry: Entry
    version: ListVersion
    first_seen: date | None
    last_change: date | None


def dated_entry(
    app: Clearance, list_name: str, source_id: str, when: date | None = None
) -> DatedEntry:
    when = when or date.today()
    view = entry_on(app, list_name, source_id, when)
    steps = [
        s for s in entry_history(app.engine, list_name, source_id) if s.version.published <= when
    ]
    present = [s for s in steps if s.status in ("added", "changed", "unchanged")]
    changes = [s for s in steps if s.status in ("added", "changed")]
    return DatedEntry(
        view.entry,
        view.version,
        first_seen=present[0].version.published if present else None,
        last_change=changes[-1].version.published if changes else None,
    )


# --- readiness -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Health:
    ok: bool
    detail: str
    lists: tuple[ListVersion, ...] = ()


def health(app: Clearance) -> Health:
    """Can this store screen today: reachable, and at least one list version in force?"""
    try:
        in_force = versions_in_force(app.engine, date.today())
    except SQLAlchemyError as exc:
        return Health(False, f"store unreachable: {exc.__class__.__name__}")
    if not in_force:
        return Health(False, "no list version in force: import a list first")
    return Health(True, "ok", tuple(in_force))
