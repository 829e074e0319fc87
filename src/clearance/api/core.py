"""The API's hold on the application layer (`clearance.service`): the process's store handle,
the worker threads of batch jobs, and what `/match` and `/screen` need beyond one use case.

Routes take the handle from here (acting for the caller's key name) and call one use case of
`clearance.service` each; the service's request errors become HTTP statuses in one exception
handler (`app.py`, by `service.errors.kind_of`). No business logic here or in the routes.
"""

from __future__ import annotations

import logging
import queue
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import SQLAlchemyError

from clearance.model import Hit, ListVersion, Party
from clearance.service import Clearance
from clearance.service.errors import StoreError
from clearance.service.jobs import (
    Runner,
    expire_jobs,
    fail_interrupted_jobs,
    run_job,
    this_runner,
)
from clearance.service.keys import KeyInfo, Principal, authenticate, list_keys
from clearance.service.lists import DatedEntry, Health, dated_entry, health, names
from clearance.service.screening import (
    Screening,
    ScreenRequest,
    screen_name_groups,
    screen_party,
)
from clearance.settings import LoadedSettings, Settings, SettingsError

log = logging.getLogger(__name__)

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


def _stop() -> None:
    pass


_STOP: Callable[[], None] = _stop


def _work_on(jobs: queue.SimpleQueue[Callable[[], None]]) -> None:
    while (work := jobs.get()) is not _STOP:
        work()


class Core:
    """The store behind one app: opened (and migrated) on first use, shared by requests."""

    def __init__(self, loaded: LoadedSettings, server: str | None = None) -> None:
        self.loaded = loaded
        self._app: Clearance | None = None
        self._lock = threading.Lock()
        # One id per server start, shared by its workers (`clearance serve` sets it), so that
        # a start can tell the jobs an earlier start left unfinished from its workers' own.
        self.runner: Runner = this_runner(server or uuid.uuid4().hex)
        self._jobs: queue.SimpleQueue[Callable[[], None]] | None = None

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

    def start(self) -> None:
        """At start-up: mark failed the jobs a stopped server left unfinished."""
        try:
            failed = fail_interrupted_jobs(self.app(), self.runner)
            expired = expire_jobs(self.app())
        except (Unavailable, SQLAlchemyError) as exc:
            log.warning("could not check for interrupted jobs: %s", exc)
            return
        if failed:
            log.warning("marked %d interrupted job(s) failed: %s", len(failed), ", ".join(failed))
        if expired:
            log.info("deleted the files of %d job(s) past retention", len(expired))

    def run_in_background(self, job_id: str, actor: str) -> None:
        """Run a submitted job on a worker thread of this process (it outlives the request)."""
        handle = self.app(actor)

        def work() -> None:
            try:
                run_job(handle, job_id)
            except Exception:
                log.exception("job %s failed", job_id)

        self._job_queue().put(work)

    def _job_queue(self) -> queue.SimpleQueue[Callable[[], None]]:
        # Daemon threads: a server that stops does not wait for a job (which a restart then
        # marks failed); a thread pool's workers would hold the process until they finish.
        with self._lock:
            if self._jobs is None:
                jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
                for n in range(self.settings.api_job_workers):
                    threading.Thread(
                        target=_work_on, args=(jobs,), name=f"clearance-job-{n}", daemon=True
                    ).start()
                self._jobs = jobs
            return self._jobs

    def dispose(self) -> None:
        with self._lock:
            if self._jobs is not None:
                # Running jobs are not waited for: a restart marks them failed (`start`).
                for _ in range(self.settings.api_job_workers):
                    self._jobs.put(_STOP)
                self._jobs = None
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

    def screen(self, party: Party, request: ScreenRequest, *, actor: str) -> Screening:
        """`POST /screen`: one audited screening; no list in force is 503 unless the request
        named a date or lists (then 404, as `/match`)."""
        try:
            return screen_party(self.app(actor), party, request)
        except StoreError as exc:
            if request.as_of is None and request.lists is None:
                raise Unavailable(str(exc)) from exc
            raise NotFound(str(exc)) from exc

    def match(
        self, queries: Sequence[Sequence[Party]], options: MatchOptions, *, actor: str
    ) -> list[MatchOutcome]:
        """Screen each name of each query (one audited screening each, all in one unit of
        work), best hit per entry and query."""
        lists = self._lists(options.dataset)
        loaded = self._request_settings(options)
        floor = loaded.settings.review_threshold if options.cutoff is None else options.cutoff
        floor = min(floor, loaded.settings.match_threshold)
        handle = Clearance(self.app().engine, loaded, actor)
        request = ScreenRequest(
            as_of=options.as_of, lists=lists, threshold=floor, top=options.limit
        )
        try:
            found = screen_name_groups(handle, queries, request)
        except StoreError as exc:
            if options.as_of is None and lists is None:
                raise Unavailable(str(exc)) from exc
            raise NotFound(str(exc)) from exc
        return [MatchOutcome(f.hits, tuple(r.seq for r in f.records)) for f in found]

    # --- entries ---

    def list_names(self) -> list[str]:
        return names(self.app())

    def entry(self, list_name: str, source_id: str, as_of: date | None = None) -> FoundEntry:
        """The entry as the list in force on `as_of` (default today) has it, with dates."""
        try:
            return dated_entry(self.app(), list_name, source_id, as_of)
        except StoreError as exc:
            raise NotFound("No such entity!") from exc
