"""The one module through which the API reaches the core.

PROVISIONAL: until `clearance.service` has the screening and entry use cases, this calls
`clearance.audit.audited.audited_screen` and `clearance.store` directly. Routes import only
this module (and the pure conversions of `yente.py`), so re-pointing the API at the service
layer is a change here alone.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from clearance.model import Entry, Hit, ListVersion, Party
from clearance.service.keys import KeyInfo, Principal, authenticate, list_keys
from clearance.settings import LoadedSettings, Settings, SettingsError, SettingSource
from clearance.store.db import make_engine, migrate
from clearance.store.versions import (
    StoreError,
    get_entry,
    list_names,
    version_as_of,
    versions_in_force,
)

DEFAULT_DATASET = "default"
# yente's `algorithm` values that mean "the one you recommend": the configured scorer.
CONFIGURED_ALGORITHM = frozenset({"best", "default"})


class CoreError(Exception):
    """A request the core cannot serve; `status` is the HTTP status that says why."""

    status = 400


class NotFound(CoreError):
    status = 404


class Unavailable(CoreError):
    status = 503


@dataclass(frozen=True, slots=True)
class MatchOptions:
    dataset: str = DEFAULT_DATASET
    limit: int = 5
    threshold: float | None = None  # match threshold (default: settings)
    cutoff: float | None = None  # lowest score reported (default: review threshold)
    algorithm: str = "best"
    as_of: date | None = None


@dataclass(frozen=True, slots=True)
class MatchOutcome:
    """Hits of one query (best per entry over its names), each with its list version."""

    hits: tuple[tuple[Hit, ListVersion], ...]
    audit_seqs: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class FoundEntry:
    entry: Entry
    version: ListVersion
    first_seen: date | None
    last_change: date | None


@dataclass(frozen=True, slots=True)
class Health:
    ok: bool
    detail: str
    lists: tuple[ListVersion, ...] = ()


def _override(loaded: LoadedSettings, **changes: Any) -> LoadedSettings:
    """Settings for one request, the changed values marked as coming from the request."""
    changed = {k: v for k, v in changes.items() if getattr(loaded.settings, k) != v}
    if not changed:
        return loaded
    data = loaded.settings.model_dump() | changed
    sources: dict[str, SettingSource] = dict(loaded.sources)
    sources.update({k: "request" for k in changed})
    return LoadedSettings(Settings(**data), sources)


class Core:
    """The store behind one app: opened (and migrated) on first use, shared by requests."""

    def __init__(self, loaded: LoadedSettings) -> None:
        self.loaded = loaded
        self._engine: Engine | None = None
        self._lock = threading.Lock()

    @property
    def settings(self) -> Settings:
        return self.loaded.settings

    def engine(self) -> Engine:
        with self._lock:
            if self._engine is None:
                engine = make_engine(self.settings.database_url, pool_pre_ping=True)
                try:
                    migrate(engine)
                except SQLAlchemyError as exc:
                    engine.dispose()
                    raise Unavailable(f"store unreachable: {exc.__class__.__name__}") from exc
                self._engine = engine
            return self._engine

    def dispose(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None

    # --- health and keys ---

    def health(self) -> Health:
        try:
            versions = versions_in_force(self.engine(), date.today())
        except (CoreError, SQLAlchemyError) as exc:
            return Health(False, f"store unreachable: {exc}")
        if not versions:
            return Health(False, "no list version in force: import a list first")
        return Health(True, "ok", tuple(versions))

    def authenticate(self, key: str) -> Principal | None:
        try:
            return authenticate(self.engine(), key)
        except SQLAlchemyError as exc:
            raise Unavailable(f"store unreachable: {exc.__class__.__name__}") from exc

    def api_keys(self) -> tuple[KeyInfo, ...]:
        return list_keys(self.engine())

    # --- matching ---

    def _lists(self, engine: Engine, dataset: str) -> list[str] | None:
        if dataset == DEFAULT_DATASET:
            return None
        if dataset not in list_names(engine):
            raise NotFound(f"No such dataset: {dataset!r} (`default` or a list name)")
        return [dataset]

    def _request_settings(self, options: MatchOptions) -> LoadedSettings:
        from clearance.screening import ALGORITHMS

        algorithm = options.algorithm.strip().lower()
        if algorithm in CONFIGURED_ALGORITHM:
            algorithm = self.settings.screening_algorithm
        elif algorithm not in ALGORITHMS:
            known = ", ".join(["best", *sorted(ALGORITHMS)])
            raise CoreError(f"Invalid algorithm: {options.algorithm!r} (clearance has {known})")
        match = self.settings.match_threshold if options.threshold is None else options.threshold
        review = min(self.settings.review_threshold, match)
        try:
            return _override(
                self.loaded,
                screening_algorithm=algorithm,
                match_threshold=match,
                review_threshold=review,
            )
        except (ValueError, SettingsError) as exc:
            raise CoreError(str(exc)) from exc

    def match(self, parties: Sequence[Party], options: MatchOptions, *, actor: str) -> MatchOutcome:
        """Screen each party (one audited screening each) and keep each entry's best hit."""
        from clearance.audit.audited import audited_screen

        engine = self.engine()
        lists = self._lists(engine, options.dataset)
        loaded = self._request_settings(options)
        floor = loaded.settings.review_threshold if options.cutoff is None else options.cutoff
        floor = min(floor, loaded.settings.match_threshold)
        best: dict[tuple[str, str], tuple[Hit, ListVersion]] = {}
        seqs: list[int] = []
        for party in parties:
            try:
                screened = audited_screen(
                    engine,
                    party,
                    loaded=loaded,
                    as_of=options.as_of,
                    lists=lists,
                    threshold=floor,
                    top=options.limit,
                    actor=actor,
                )
            except StoreError as exc:
                if options.as_of is None and lists is None:
                    raise Unavailable(str(exc)) from exc
                raise NotFound(str(exc)) from exc
            seqs.append(screened.record.seq)
            versions = {v.id: v for v in screened.result.list_versions}
            for hit in screened.result.hits:
                key = (hit.list_name, hit.entry.source_id)
                if key not in best or hit.score > best[key][0].score:
                    best[key] = (hit, versions[hit.list_version_id])
        ranked = sorted(best.values(), key=lambda pair: -pair[0].score)[: options.limit]
        return MatchOutcome(tuple(ranked), tuple(seqs))

    # --- entries ---

    def list_names(self) -> list[str]:
        return list_names(self.engine())

    def entry(self, list_name: str, source_id: str, as_of: date | None = None) -> FoundEntry:
        """The entry as the list in force on `as_of` (default today) has it, with when the
        store first saw it and when it last changed up to that version."""
        from clearance.store.diff import entry_history

        engine = self.engine()
        when = as_of or date.today()
        version = version_as_of(engine, list_name, when)
        entry = get_entry(engine, version.id, source_id) if version is not None else None
        if version is None or entry is None:
            raise NotFound("No such entity!")
        steps = [
            s for s in entry_history(engine, list_name, source_id) if s.version.published <= when
        ]
        present = [s for s in steps if s.status in ("added", "changed", "unchanged")]
        changes = [s for s in steps if s.status in ("added", "changed")]
        return FoundEntry(
            entry,
            version,
            first_seen=present[0].version.published if present else None,
            last_change=changes[-1].version.published if changes else None,
        )
