"""The one module through which the API reaches the application layer (`clearance.service`).

It holds the process's store handle, turns query parameters into service requests, and turns
the service's errors into HTTP statuses. No business logic: that is in `clearance.service`.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import SQLAlchemyError

from clearance.model import Hit, ListVersion, Party
from clearance.service import Clearance
from clearance.service.errors import StoreError
from clearance.service.keys import KeyInfo, Principal, authenticate, list_keys
from clearance.service.lists import DatedEntry, Health, dated_entry, health, names
from clearance.service.screening import ScreenRequest, screen_names
from clearance.settings import LoadedSettings, Settings, SettingsError

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


FoundEntry = DatedEntry


class Core:
    """The store behind one app: opened (and migrated) on first use, shared by requests."""

    def __init__(self, loaded: LoadedSettings) -> None:
        self.loaded = loaded
        self._app: Clearance | None = None
        self._lock = threading.Lock()

    @property
    def settings(self) -> Settings:
        return self.loaded.settings

    def app(self, actor: str | None = None) -> Clearance:
        """The process's handle (acting for `actor`, the caller's key name)."""
        with self._lock:
            if self._app is None:
                try:
                    self._app = Clearance.open(self.loaded, pool_pre_ping=True)
                except SQLAlchemyError as exc:
                    raise Unavailable(f"store unreachable: {exc.__class__.__name__}") from exc
            app = self._app
        return app.as_actor(actor) if actor else app

    def dispose(self) -> None:
        with self._lock:
            if self._app is not None:
                self._app.close()
                self._app = None

    # --- health and keys ---

    def health(self) -> Health:
        try:
            return health(self.app())
        except Unavailable as exc:
            return Health(False, str(exc))

    def authenticate(self, key: str) -> Principal | None:
        try:
            return authenticate(self.app(), key)
        except SQLAlchemyError as exc:
            raise Unavailable(f"store unreachable: {exc.__class__.__name__}") from exc

    def api_keys(self) -> tuple[KeyInfo, ...]:
        return list_keys(self.app())

    # --- matching ---

    def _lists(self, dataset: str) -> list[str] | None:
        if dataset == DEFAULT_DATASET:
            return None
        if dataset not in names(self.app()):
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
        try:
            return self.loaded.overridden(
                "request",
                screening_algorithm=algorithm,
                match_threshold=match,
                review_threshold=min(self.settings.review_threshold, match),
            )
        except SettingsError as exc:
            raise CoreError(str(exc)) from exc

    def match(self, parties: Sequence[Party], options: MatchOptions, *, actor: str) -> MatchOutcome:
        """Screen each name of the query (one audited screening each), best hit per entry."""
        lists = self._lists(options.dataset)
        loaded = self._request_settings(options)
        floor = loaded.settings.review_threshold if options.cutoff is None else options.cutoff
        floor = min(floor, loaded.settings.match_threshold)
        handle = Clearance(self.app().engine, loaded, actor)
        request = ScreenRequest(
            as_of=options.as_of, lists=lists, threshold=floor, top=options.limit
        )
        try:
            found = screen_names(handle, parties, request)
        except StoreError as exc:
            if options.as_of is None and lists is None:
                raise Unavailable(str(exc)) from exc
            raise NotFound(str(exc)) from exc
        return MatchOutcome(found.hits, tuple(r.seq for r in found.records))

    # --- entries ---

    def list_names(self) -> list[str]:
        return names(self.app())

    def entry(self, list_name: str, source_id: str, as_of: date | None = None) -> FoundEntry:
        """The entry as the list in force on `as_of` (default today) has it, with dates."""
        try:
            return dated_entry(self.app(), list_name, source_id, as_of)
        except StoreError as exc:
            raise NotFound("No such entity!") from exc
