"""Use cases of ongoing monitoring: the party book, and monitor runs over it.

    import_parties(app, Path("customers.csv"))        # upsert by id; one `party_import` record
    result = run_monitor(app)                          # alerts only for what is new
    result.to_dict()  # {"parties", "screened", "new_alerts": [...], "list_versions": [...]}

A run screens the book against the list versions in force and raises alerts (the review queue
of clearance.audit.review) only for what changed since the last run: new or changed parties
are screened forward against the whole index; new or changed entries (the store's version
diff) are screened in reverse against the book's names (clearance.monitoring.reverse). The
alerts, the run's row and its one `monitor_run` audit record commit in one unit of work. What a
run keeps of the book's analysed names (the reverse index) is a cache written as it goes,
page by page, keyed by each party's revision.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from clearance.audit.chain import AuditRecord, ChainWriter
from clearance.audit.records import MONITOR_RUN, PARTY_IMPORT, PARTY_REMOVE
from clearance.audit.review import HitStatus, ReviewedHit, review_many
from clearance.lists.base import sha256_of_files
from clearance.model import ListVersion, version_to_dict
from clearance.monitoring import book
from clearance.monitoring.book import BookError, BookParty, Upserted
from clearance.monitoring.book_file import BookRow, read_book
from clearance.monitoring.book_index import PartyForm, write_forms
from clearance.monitoring.changes import ListChanges, entry_changes
from clearance.monitoring.forward import Thresholds, screen_forward
from clearance.monitoring.reverse import Found, reverse_screen, supports_reverse
from clearance.monitoring.runs import (
    MonitorError,
    MonitorRun,
    RunKind,
    choose_kind,
    insert_run,
    last_run,
    list_runs,
)
from clearance.schema import PartyError
from clearance.screening import ScreeningIndex, get_algorithm, index_for, resolve_versions
from clearance.screening.evasion import refuse_override
from clearance.service.handle import Clearance
from clearance.service.screening import record_ref, screening_config, version_record
from clearance.service.uow import unit_of_work

__all__ = [
    "BookError",
    "BookParty",
    "MonitorError",
    "MonitorResult",
    "MonitorRun",
    "NewAlert",
    "PartiesImport",
    "PartiesRemoval",
    "import_parties",
    "monitor_runs",
    "parties",
    "remove_parties",
    "run_monitor",
    "show_party",
]

Progress = Callable[[int], None]


# --- the book --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PartiesImport:
    path: Path
    sha256: str
    rows: int
    counts: Upserted
    removed: int
    revision: int
    record: AuditRecord

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": {"path": str(self.path), "sha256": self.sha256},
            "rows": self.rows,
            "inserted": self.counts.inserted,
            "updated": self.counts.updated,
            "unchanged": self.counts.unchanged,
            "removed": self.removed,
            "revision": self.revision,
            "audit_record": record_ref(self.record),
        }


def import_parties(
    app: Clearance, path: Path, *, sync: bool = False, progress: Progress | None = None
) -> PartiesImport:
    """Upsert the file's parties by id (identical rows are left alone); with `sync`, remove
    the parties the file does not name. All or nothing: a bad row leaves the book as it was."""
    digest = sha256_of_files([path]) if path.is_file() else ""
    now = datetime.now(UTC)
    with unit_of_work(app.engine) as uow:
        revision = book.next_revision(uow.conn)
        counts, rows = Upserted(), 0
        named: set[str] = set()
        for chunk in read_book(path):
            _refuse_unscreenable(path, chunk, app.settings.screening_algorithm)
            counts += book.upsert_parties(
                uow.conn, [(party_id, party) for _, party_id, party in chunk], revision, now
            )
            rows += len(chunk)
            if sync:
                named.update(party_id for _, party_id, _ in chunk)
            if progress is not None:
                progress(len(chunk))
        removed = book.remove_parties(uow.conn, book.ids_not_in(uow.conn, named)) if sync else 0
        payload = {
            "file": {"path": str(path), "sha256": digest},
            "sync": sync,
            "rows": rows,
            "inserted": counts.inserted,
            "updated": counts.updated,
            "unchanged": counts.unchanged,
            "removed": removed,
            "revision": revision,
        }
        record = uow.record(PARTY_IMPORT, payload, app)
    return PartiesImport(path, digest, rows, counts, removed, revision, record)


def _refuse_unscreenable(path: Path, chunk: Sequence[BookRow], algorithm: str) -> None:
    """Refuse, as `screen` would, a party the configured version cannot screen: a name with a
    bidi override, under a version that reads names only as stored (screening/evasion.py)."""
    if get_algorithm(algorithm).flag_bidi:
        return
    for where, party_id, party in chunk:
        try:
            refuse_override(party.name, algorithm)
        except PartyError as exc:
            raise BookError(f"{path}: {where}: party {party_id}: {exc}") from exc


@dataclass(frozen=True, slots=True)
class PartiesRemoval:
    ids: tuple[str, ...]
    revision: int
    record: AuditRecord

    def to_dict(self) -> dict[str, Any]:
        return {
            "removed": list(self.ids),
            "revision": self.revision,
            "audit_record": record_ref(self.record),
        }


def remove_parties(app: Clearance, ids: Iterable[str]) -> PartiesRemoval:
    """Remove parties from the book; refused (nothing removed) if any id is not in it."""
    wanted = tuple(dict.fromkeys(i.strip() for i in ids if i.strip()))
    if not wanted:
        raise BookError("no party id given")
    with unit_of_work(app.engine) as uow:
        missing = book.missing_ids(uow.conn, list(wanted))
        if missing:
            shown = ", ".join(repr(i) for i in missing[:10])
            raise BookError(f"not in the book: {shown}{' ...' if len(missing) > 10 else ''}")
        revision = book.next_revision(uow.conn)
        book.remove_parties(uow.conn, list(wanted))
        record = uow.record(PARTY_REMOVE, {"ids": list(wanted), "revision": revision}, app)
    return PartiesRemoval(wanted, revision, record)


def parties(app: Clearance, *, after: str | None = None, limit: int = 100) -> list[BookParty]:
    """A page of the book in id order (after the id `after`)."""
    return book.list_parties(app.engine, after=after, limit=limit)


def show_party(app: Clearance, party_id: str) -> BookParty:
    return book.get_party(app.engine, party_id)


def book_size(app: Clearance) -> int:
    return book.count_parties(app.engine)


# --- runs ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewAlert:
    """An alert a run raised, and what was new about it."""

    party_id: str
    list_name: str
    source_id: str
    entry_name: str
    score: float
    reason: str  # new-party, changed-party, new-entry, changed-entry (rescreen: a full re-run)
    reviewed: ReviewedHit

    def to_dict(self) -> dict[str, Any]:
        return {
            "party_id": self.party_id,
            "list": self.list_name,
            "source_id": self.source_id,
            "score": self.score,
            "reason": self.reason,
        }

    def record_dict(self) -> dict[str, Any]:
        """As the run's audit record keeps it: which alert, which entry content, what it
        reopened."""
        return self.to_dict() | {
            "alert": self.reviewed.alert_id,
            "entry_hash": self.reviewed.hit.entry.content_hash(),
            "cites": dict(self.reviewed.cites) if self.reviewed.cites else None,
        }


@dataclass(frozen=True, slots=True)
class MonitorResult:
    run: MonitorRun
    note: str
    new_alerts: tuple[NewAlert, ...]
    list_versions: tuple[ListVersion, ...]
    record: AuditRecord

    def to_dict(self) -> dict[str, Any]:
        """The answer of `clearance monitor run --format json` and `POST /monitor/run`."""
        return {
            "parties": self.run.parties,
            "screened": self.run.screened,
            "new_alerts": [a.to_dict() for a in self.new_alerts],
            "list_versions": [version_to_dict(v) for v in self.list_versions],
        }


@dataclass
class _Screened:
    """What the screening part of a run found, before review."""

    found: list[Found] = field(default_factory=list)
    screened: int = 0
    stats: dict[str, Any] = field(default_factory=dict)


def _keep_forms(app: Clearance, forms: Sequence[PartyForm]) -> None:
    """The reverse index's rows for parties just screened: a cache, in its own transaction."""
    if forms:
        with unit_of_work(app.engine) as uow:
            write_forms(uow.conn, forms)


def _screen_book(
    app: Clearance,
    index: ScreeningIndex,
    thresholds: Thresholds,
    last: MonitorRun | None,
    changes: ListChanges,
    progress: Progress | None,
) -> _Screened:
    """First and full runs: every party of the book, forward, a page at a time."""
    out = _Screened(stats={"forward": 0})
    reasons = changes.keys
    for page in book.iter_book(app.engine):
        forms, found = screen_forward(
            index,
            page,
            thresholds,
            since=last.book_revision if last else None,
            entry_reasons=reasons,
        )
        _keep_forms(app, forms)
        out.found += found
        out.screened += len(page)
        if progress is not None:
            progress(len(page))
    out.stats["forward"] = out.screened
    return out


def _screen_delta(
    app: Clearance,
    versions: Sequence[ListVersion],
    thresholds: Thresholds,
    last: MonitorRun,
    changes: ListChanges,
) -> _Screened:
    """Changed parties forward against everything; changed entries in reverse. With nothing
    changed, not even the list index is needed."""
    changed = book.changed_since(app.engine, last.book_revision)
    if not changed and not changes.entries:
        return _Screened(stats={"forward": 0, "reverse": {"entries": 0}})
    index = _list_index(app, versions)
    forms, found = screen_forward(index, changed, thresholds, since=last.book_revision)
    _keep_forms(app, forms)
    with app.engine.connect() as conn:
        reverse = reverse_screen(
            conn,
            index,
            changes.entries,
            max_revision=last.book_revision,
            review_threshold=thresholds.review,
            match_threshold=thresholds.match,
            top=thresholds.top,
        )
    return _Screened(
        found + reverse.found,
        len(changed) + reverse.stats.get("scored", 0),
        {"forward": len(changed), "reverse": reverse.stats},
    )


def _review(
    writer: ChainWriter, found: Sequence[Found], review: float
) -> tuple[list[NewAlert], Counter[str]]:
    new: list[NewAlert] = []
    statuses: Counter[str] = Counter()
    # Every new alert cites the run's record, appended next; one alert query for them all.
    seq = writer.next_seq
    batch = review_many(writer, [(i.party, i.hits, seq) for i in found], review_threshold=review)
    for item, reviewed in zip(found, batch, strict=True):
        for hit, reason in zip(reviewed, item.reasons, strict=True):
            statuses[hit.status.value] += 1
            if hit.new_alert and hit.status is HitStatus.ALERT:
                new.append(
                    NewAlert(
                        item.party_id,
                        hit.hit.list_name,
                        hit.hit.entry.source_id,
                        hit.hit.entry.primary_name,
                        hit.hit.score,
                        reason,
                        hit,
                    )
                )
    new.sort(key=lambda a: (a.party_id, a.list_name, a.source_id))
    return new, statuses


def _list_index(app: Clearance, versions: Sequence[ListVersion]) -> ScreeningIndex:
    """The list index, built or read from the disk cache with the cycle collector paused: a
    build allocates hundreds of thousands of long-lived objects that automatic collections
    would walk again and again for nothing (loading a cached index does the same)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return index_for(
            app.engine,
            versions,
            app.settings.screening_algorithm,
            app.settings.data_dir / "index-cache",
        )
    finally:
        if enabled:
            gc.enable()


def run_monitor(
    app: Clearance,
    *,
    as_of: date | None = None,
    full: bool = False,
    progress: Progress | None = None,
) -> MonitorResult:
    """Screen what changed since the last run (everything on the first run, or with `full`)
    against the lists in force on `as_of` (default today); one `monitor_run` record."""
    started = datetime.now(UTC)
    settings = app.settings
    when = as_of or date.today()
    versions = resolve_versions(app.engine, as_of=when)
    config = get_algorithm(settings.screening_algorithm)
    thresholds = Thresholds(settings.review_threshold, settings.match_threshold)
    last = last_run(app.engine)
    revision = book.book_revision(app.engine)
    kind, note = choose_kind(
        last, config.name, thresholds.review, full=full, reverse_ok=supports_reverse(config)
    )
    changes = (
        entry_changes(app.engine, last.list_versions, versions)
        if last is not None
        else ListChanges((), ())
    )
    if kind is RunKind.DELTA:
        assert last is not None
        screened = _screen_delta(app, versions, thresholds, last, changes)
    else:
        index = _list_index(app, versions)
        screened = _screen_book(app, index, thresholds, last, changes, progress)
    with unit_of_work(app.engine) as uow:
        book.lock_book(uow.conn)  # one run commits at a time, and not amid an import
        latest = last_run(uow.conn)
        if (latest.id if latest else None) != (last.id if last else None):
            assert latest is not None
            raise MonitorError(
                f"monitor run {latest.id} finished while this one ran; nothing of this run "
                "was recorded: run again"
            )
        new_alerts, statuses = _review(uow.writer, screened.found, thresholds.review)
        summary = {
            "note": note,
            "parties_changed": screened.stats.get("forward", 0) if kind is RunKind.DELTA else None,
            "lists": list(changes.summary),
            "screening": screened.stats,
            "hits": dict(sorted(statuses.items())),
            "alerts": [a.reviewed.alert_id for a in new_alerts],
        }
        values = {
            "kind": kind,
            "previous_run": last.id if last else None,
            "as_of": when,
            "started_at": started,
            "finished_at": datetime.now(UTC),
            "book_revision": revision,
            "algorithm": config.name,
            "review_threshold": thresholds.review,
            "list_versions": {v.list_name: v.id for v in versions},
            "parties": book.count_parties(uow.conn),
            "screened": screened.screened,
            "new_alerts": len(new_alerts),
            "summary": summary,
            "audit_seq": uow.writer.next_seq,
            "actor": app.actor,
        }
        run_id = insert_run(uow.conn, values)
        payload = {
            "run": run_id,
            "kind": kind.value,
            "note": note,
            "previous_run": values["previous_run"],
            "as_of": when.isoformat(),
            "book_revision": revision,
            "parties": values["parties"],
            "screened": screened.screened,
            "list_versions": [version_record(v) for v in versions],
            "previous_list_versions": [
                {"list": k, "id": v}
                for k, v in sorted((last.list_versions if last else {}).items())
            ],
            "screening": screening_config(config.name, thresholds.match, thresholds.review),
            "changes": summary["lists"],
            "stats": screened.stats,
            "hits": summary["hits"],
            "new_alerts": [a.record_dict() for a in new_alerts],
        }
        record = uow.record(MONITOR_RUN, payload, app)
    run = last_run(app.engine)
    assert run is not None and run.id == run_id
    return MonitorResult(run, note, tuple(new_alerts), tuple(versions), record)


def monitor_runs(app: Clearance, *, limit: int = 20) -> list[MonitorRun]:
    """The newest runs first."""
    return list_runs(app.engine, limit)
