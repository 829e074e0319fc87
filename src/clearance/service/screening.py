"""Use cases: screen one party, screen a file of parties, compare name pairs.

Each screening runs the hits through review (alerts, remembered false positives) and appends
its audit record in one unit of work. `audit=False` is an explicit dry run: no alerts, no
record — for callers that only want to see scores (the `compare` door, tests, benchmarks).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from clearance.audit.chain import AuditRecord
from clearance.audit.records import SCREENING, SCREENING_BATCH
from clearance.audit.review import (
    HitStatus,
    ReviewedHit,
    party_fingerprint,
    review_many,
)
from clearance.lists.base import sha256_of_files
from clearance.model import Hit, ListVersion, Party, party_to_dict, version_to_dict
from clearance.scale.io import is_url, sha256_of, staged
from clearance.scale.run import PartitionedRun
from clearance.scale.tasks import ScreenParams
from clearance.screening import (
    BatchSummary,
    ScreeningIndex,
    ScreeningResult,
    compare_file,
    get_algorithm,
    index_for,
    resolve_versions,
    screen,
    screen_file,
)
from clearance.service.handle import Clearance
from clearance.service.uow import unit_of_work
from clearance.settings import Settings
from clearance.store.contents import ListWarning, list_warnings

Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class ScreenRequest:
    """What to screen against: lists in force on `as_of` (default today) or pinned versions."""

    as_of: date | None = None
    lists: Sequence[str] | None = None
    threshold: float | None = None  # lowest score reported (default: the review threshold)
    top: int = 10
    version_ids: Sequence[int] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "lists": list(self.lists) if self.lists is not None else None,
            "threshold": self.threshold,
            "top": self.top,
            "version_ids": list(self.version_ids) if self.version_ids is not None else None,
        }


def version_record(version: ListVersion) -> dict[str, Any]:
    """A list version as audit records cite it (what replay needs to find it again)."""
    data = version_to_dict(version)
    return {k: data[k] for k in ("id", "list", "published", "sha256", "imported_at", "entries")}


def screening_config(algorithm: str, match: float, review: float) -> dict[str, Any]:
    return {
        "algorithm": algorithm,
        "algorithm_config": get_algorithm(algorithm).to_dict(),
        "match_threshold": match,
        "review_threshold": review,
    }


# --- one party -------------------------------------------------------------------------------


def version_warnings(
    app: Clearance, versions: Sequence[ListVersion], on: date | None
) -> tuple[ListWarning, ...]:
    """What a reader must know about the list versions a screening used: incomplete imports
    and stale versions (`store.contents`), judged on `on` (default today)."""
    when = on or date.today()
    return tuple(list_warnings(app.engine, versions, when, app.settings.list_stale_days))


def warning_lines(warnings: Sequence[ListWarning]) -> list[str]:
    """One visible line per warning, for the text a person reads."""
    return [w.line() for w in warnings]


@dataclass(frozen=True, slots=True)
class Screening:
    """A screening's answer: the hits with their review status, the warnings about the list
    versions it used, and its audit record."""

    result: ScreeningResult
    hits: tuple[ReviewedHit, ...]
    record: AuditRecord | None
    warnings: tuple[ListWarning, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data = self.result.to_dict()
        for hit, reviewed in zip(data["hits"], self.hits, strict=True):
            hit["review"] = reviewed.review_dict()
        data["warnings"] = [w.to_dict() for w in self.warnings]
        data["audit_record"] = record_ref(self.record)
        return data


def record_ref(record: AuditRecord | None) -> dict[str, Any] | None:
    return {"seq": record.seq, "id": record.id} if record is not None else None


def review_notes(hits: Sequence[ReviewedHit]) -> list[str]:
    """One line per hit that is not simply below the review threshold, for people."""
    lines = []
    for rank, reviewed in enumerate(hits, start=1):
        if reviewed.status is HitStatus.BELOW_REVIEW:
            continue
        label = {
            HitStatus.ALERT: "NEW ALERT" if reviewed.new_alert else "ALERT",
            HitStatus.SUPPRESSED: "suppressed",
            HitStatus.TRUE_MATCH: "TRUE MATCH",
        }[reviewed.status]
        lines.append(f"#{rank} {label} (alert {reviewed.alert_id}): {reviewed.reason}")
    return lines


def screen_party(
    app: Clearance, party: Party, request: ScreenRequest | None = None, *, audit: bool = True
) -> Screening:
    """Screen one party; raise or find alerts and append the `screening` record."""
    if not audit:
        request = request or ScreenRequest()
        result = screen(
            app.engine,
            party,
            as_of=request.as_of,
            lists=request.lists,
            threshold=request.threshold,
            top=request.top,
            settings=app.settings,
            version_ids=request.version_ids,
        )
        return Screening(
            result,
            tuple(ReviewedHit(h, HitStatus.UNREVIEWED) for h in result.hits),
            None,
            version_warnings(app, result.list_versions, result.as_of),
        )
    [screening] = screen_parties(app, [party], request)
    return screening


def screen_parties(
    app: Clearance, parties: Sequence[Party], request: ScreenRequest | None = None
) -> list[Screening]:
    """Screen several parties against the same list versions, each one audited screening.

    The list versions are looked up once, and every party's alerts and `screening` record are
    written in one unit of work: a request of many names (`/match`) commits once, not once per
    name, and its records stand or fall together. Each record is exactly what `screen_party`
    writes for that party alone.
    """
    request = request or ScreenRequest()
    settings = app.settings
    config = get_algorithm(settings.screening_algorithm)
    as_of = request.as_of
    if request.version_ids is None and as_of is None:
        as_of = date.today()
    versions = tuple(
        resolve_versions(
            app.engine, as_of=as_of, lists=request.lists, version_ids=request.version_ids
        )
    )
    index = index_for(app.engine, versions, config.name, settings.data_dir / "index-cache")
    review = settings.review_threshold if request.threshold is None else request.threshold
    # What every record of the batch shares, made once.
    algorithm_config = config.to_dict()
    shared = {
        "request": request.to_dict(),
        "as_of": as_of.isoformat() if as_of else None,
        "list_versions": [version_record(v) for v in versions],
        "screening": {
            "algorithm": config.name,
            "algorithm_config": algorithm_config,
            "match_threshold": settings.match_threshold,
            "review_threshold": settings.review_threshold,
        },
        "review_threshold": settings.review_threshold,
    }
    results = [
        ScreeningResult(
            party=party,
            as_of=as_of,
            list_versions=versions,
            algorithm=config.name,
            algorithm_config=algorithm_config,
            match_threshold=settings.match_threshold,
            review_threshold=settings.review_threshold,
            hits=tuple(
                index.search(
                    party,
                    threshold=review,
                    top=request.top,
                    match_threshold=settings.match_threshold,
                )
            ),
        )
        for party in parties
    ]
    warnings = version_warnings(app, versions, as_of)
    shared["warnings"] = [w.to_dict() for w in warnings]
    with unit_of_work(app.engine) as uow:
        # Party i's record will be the i-th appended: its new alerts cite that seq.
        first_seq = uow.writer.next_seq
        reviewed = review_many(
            uow.writer,
            [(r.party, r.hits, first_seq + i) for i, r in enumerate(results)],
            review_threshold=settings.review_threshold,
        )
        payloads = [
            shared
            | {
                "party": party_to_dict(result.party),
                "fingerprint": party_fingerprint(result.party),
                "hits": [h.to_dict() for h in hits],
            }
            for result, hits in zip(results, reviewed, strict=True)
        ]
        records = uow.record_all(SCREENING, payloads, app)
        assert [r.seq for r in records] == [first_seq + i for i in range(len(records))]
    return [
        Screening(result, tuple(hits), record, warnings)
        for result, hits, record in zip(results, reviewed, records, strict=True)
    ]


# --- a file of parties -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FileScreening:
    summary: BatchSummary
    list_versions: tuple[ListVersion, ...]
    record: AuditRecord
    partitions: int = 1
    cluster: dict[str, Any] | None = None  # the Dask cluster's scheduler and workers, if any
    # Seconds per phase and the index's shipping cost, for people and benchmarks (not recorded).
    timings: dict[str, float] = field(default_factory=dict)
    shipping: dict[str, Any] | None = None
    warnings: tuple[ListWarning, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.summary.rows,
            "output_rows": self.summary.output_rows,
            "matches": self.summary.matches,
            "partitions": self.partitions,
            "cluster": self.cluster,
            "list_versions": [version_to_dict(v) for v in self.list_versions],
            "warnings": [w.to_dict() for w in self.warnings],
            "audit_record": record_ref(self.record),
        }


def file_sha256(path: Path) -> str:
    return sha256_of_files([path])


def screen_parties_file(
    app: Clearance,
    input_path: Path | str,
    output_path: Path | str,
    request: ScreenRequest | None = None,
    *,
    progress: Progress | None = None,
    dask_progress: bool = False,
    notify: Callable[[str], None] | None = None,
    processes: int | None = None,
) -> FileScreening:
    """Screen a CSV/Parquet file of parties into a hits file; one `screening_batch` record.

    Rows are not turned into alerts: the output file is the batch's answer, and its checksum
    in the record ties it to the lists and settings that produced it.

    Where the settings name a Dask cluster (`dask_scheduler`, `dask_workers`), the file is
    screened there in partitions (clearance.scale, docs/scale.md) into the same output, byte
    for byte; so is a file at a URL (`s3://…`), in this process when no cluster is named.
    `progress(rows)` follows the rows written; `dask_progress` draws Dask's own progress bar
    (stdout) instead while a cluster works; `notify` hears which cluster it is.
    `processes` (default: the `screen_processes` setting) screens a file in this machine with
    that many forked worker processes (batch.screen_file), into the same output.
    """
    request = request or ScreenRequest()
    settings = app.settings
    when = request.as_of or (date.today() if request.version_ids is None else None)
    versions = resolve_versions(
        app.engine, as_of=when, lists=request.lists, version_ids=request.version_ids
    )
    index = index_for(
        app.engine, versions, settings.screening_algorithm, settings.data_dir / "index-cache"
    )
    review = settings.review_threshold if request.threshold is None else request.threshold
    warnings = version_warnings(app, versions, when)
    # The output is written under a temporary name and moved onto `output_path` as the last
    # step of the record's transaction: a run that stops (a bad row, a lost cluster) leaves
    # neither output nor record, and a file already at `output_path` as it was.
    with staged(output_path) as stage:
        batch = _screen_batch(
            settings,
            index,
            input_path,
            stage.location,
            ScreenParams(review, request.top, settings.match_threshold),
            progress=progress,
            dask_progress=dask_progress,
            notify=notify,
            processes=settings.screen_processes if processes is None else processes,
        )
        payload = _batch_payload(
            settings,
            request,
            when,
            review,
            versions,
            warnings,
            {"path": str(input_path), "sha256": batch.input_sha256},
            {"path": str(output_path), "sha256": _sha256(stage.location)},
            batch,
        )
        with unit_of_work(app.engine) as uow:
            record = uow.record(SCREENING_BATCH, payload, app)
            stage.publish()  # a failed move rolls the record back
    return FileScreening(
        batch.summary,
        tuple(versions),
        record,
        batch.partitions,
        batch.cluster,
        batch.timings,
        batch.shipping,
        warnings,
    )


def _batch_payload(
    settings: Settings,
    request: ScreenRequest,
    when: date | None,
    review: float,
    versions: Sequence[ListVersion],
    warnings: Sequence[ListWarning],
    input_file: dict[str, str],
    output_file: dict[str, str],
    batch: PartitionedRun,
) -> dict[str, Any]:
    """The `screening_batch` record: the files by checksum, the counts, what screened them."""
    return {
        "input": input_file,
        "output": output_file,
        "rows": batch.summary.rows,
        "output_rows": batch.summary.output_rows,
        "matches": batch.summary.matches,
        "partitions": batch.partitions,
        "cluster": batch.cluster,
        "request": {
            "as_of": when.isoformat() if when else None,
            "lists": list(request.lists) if request.lists is not None else None,
            "threshold": review,
            "top": request.top,
        },
        "list_versions": [version_record(v) for v in versions],
        "screening": screening_config(
            settings.screening_algorithm, settings.match_threshold, settings.review_threshold
        ),
        "warnings": [w.to_dict() for w in warnings],
    }


def _sha256(location: Path | str) -> str:
    if is_url(location):
        return sha256_of(location)
    return file_sha256(Path(location))


def _screen_batch(
    settings: Settings,
    index: ScreeningIndex,
    input_path: Path | str,
    output_path: Path | str,
    params: ScreenParams,
    *,
    progress: Progress | None,
    dask_progress: bool,
    notify: Callable[[str], None] | None,
    processes: int = 1,
) -> PartitionedRun:
    """The whole file in this process (`screen_file`), or in partitions (clearance.scale)."""
    clustered = bool(settings.dask_scheduler or settings.dask_workers)
    if not clustered and not is_url(input_path) and not is_url(output_path):
        started = time.perf_counter()
        summary = screen_file(
            index,
            Path(input_path),
            Path(output_path),
            threshold=params.threshold,
            top=params.top,
            match_threshold=params.match_threshold,
            progress=progress,
            processes=processes,
        )
        timings = {"run": time.perf_counter() - started}
        return PartitionedRun(summary, file_sha256(Path(input_path)), 1, None, timings)
    from clearance.scale.run import screen_partitioned

    spec = None
    if clustered:
        from clearance.scale.cluster import ClusterSpec

        spec = ClusterSpec.from_settings(settings)
    return screen_partitioned(
        index,
        input_path,
        output_path,
        params,
        partition_rows=settings.dask_partition_rows,
        spec=spec,
        progress=progress,
        dask_progress=dask_progress,
        notify=notify,
    )


def compare_pairs_file(
    settings: Settings, pairs_path: Path, output_path: Path, *, progress: Progress | None = None
) -> BatchSummary:
    """Score name pairs with the configured scorer.

    No store and no record: comparing two names says nothing about any party or list, it is a
    tool for tuning and evaluation.
    """
    algorithm = get_algorithm(settings.screening_algorithm)
    return compare_file(
        pairs_path,
        output_path,
        match_threshold=settings.match_threshold,
        algorithm=algorithm.name,
        progress=progress,
    )


# --- several names of one party --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NamesScreening:
    """The best hit per listed entry over several names of one party, best first."""

    hits: tuple[tuple[Hit, ListVersion], ...]
    records: tuple[AuditRecord, ...]
    warnings: tuple[ListWarning, ...] = ()


def screen_names(
    app: Clearance, names: Sequence[Party], request: ScreenRequest | None = None
) -> NamesScreening:
    """Screen each name (one audited screening each; a party known by several names, as an
    FtM entity or a yente query carries them) and keep each entry's best hit."""
    [found] = screen_name_groups(app, [names], request)
    return found


def screen_name_groups(
    app: Clearance, groups: Sequence[Sequence[Party]], request: ScreenRequest | None = None
) -> list[NamesScreening]:
    """`screen_names` for several parties at once (a yente request of many queries): every
    name one audited screening, all in one unit of work (`screen_parties`)."""
    request = request or ScreenRequest()
    screenings = iter(screen_parties(app, [p for names in groups for p in names], request))
    out = []
    for names in groups:
        best: dict[tuple[str, str], tuple[Hit, ListVersion]] = {}
        records: list[AuditRecord] = []
        warnings: dict[tuple[str, int], ListWarning] = {}
        for _ in names:
            screening = next(screenings)
            assert screening.record is not None  # screen_parties always records
            records.append(screening.record)
            warnings.update(((w.code, w.version), w) for w in screening.warnings)
            versions = {v.id: v for v in screening.result.list_versions}
            for hit in screening.result.hits:
                key = (hit.list_name, hit.entry.source_id)
                if key not in best or hit.score > best[key][0].score:
                    best[key] = (hit, versions[hit.list_version_id])
        ranked = sorted(best.values(), key=lambda pair: -pair[0].score)[: request.top]
        out.append(NamesScreening(tuple(ranked), tuple(records), tuple(warnings.values())))
    return out
