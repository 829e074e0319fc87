"""A partitioned run: plan the input, screen its partitions, write the output in order.

On a cluster, each partition is submitted as soon as the plan finds it, so workers screen
while the rest of the input is still being read; results are gathered in file order and
written chunk by chunk through the single-process run's writer. Without a cluster (a URL
input or output and no cluster configured) the same partitions are screened here, one after
the other.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clearance.scale import io as files
from clearance.scale.partitions import Plan
from clearance.scale.tasks import PartitionResult, ScreenParams, screen_partition
from clearance.screening.batch import BatchSummary, screen_writer
from clearance.screening.index import ScreeningIndex

if TYPE_CHECKING:  # Dask loads on first use
    from distributed import Client, Future

    from clearance.scale.cluster import ClusterSpec

Progress = Callable[[int], None]
Notify = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class PartitionedRun:
    summary: BatchSummary
    input_sha256: str
    partitions: int
    cluster: dict[str, Any] | None  # scheduler, workers, local: for the audit record
    # seconds: cluster (start or connect), ship, run; screening_cpu (CPU of the screening threads)
    timings: dict[str, float] = field(default_factory=dict)
    shipping: dict[str, Any] | None = None  # index bytes, seconds, per-worker unpickling


class _Totals:
    def __init__(self) -> None:
        self.rows = self.output_rows = self.matches = 0
        self.cpu_seconds = 0.0

    def add(self, result: PartitionResult) -> None:
        self.rows += result.rows
        self.output_rows += result.output_rows
        self.matches += result.matches
        self.cpu_seconds += result.cpu_seconds

    def summary(self) -> BatchSummary:
        return BatchSummary(self.rows, self.output_rows, self.matches)


@contextmanager
def _writer(target: str | Path) -> Iterator[Callable[[PartitionResult], None]]:
    """`write(result)`: a partition's hits, chunk by chunk, as `screen_file` writes them."""
    with ExitStack() as stack:
        stream = (
            stack.enter_context(files.open_binary(target, "wb")) if files.is_url(target) else None
        )
        writer = screen_writer(files.name_path(target), stream)
        stack.callback(writer.close)

        def write(result: PartitionResult) -> None:
            for chunk in result.chunks:
                writer.write(chunk)

        yield write


def screen_partitioned(
    index: ScreeningIndex,
    source: str | Path,
    target: str | Path,
    params: ScreenParams,
    *,
    partition_rows: int,
    spec: ClusterSpec | None,
    progress: Progress | None = None,
    dask_progress: bool = False,
    notify: Notify | None = None,
) -> PartitionedRun:
    """Screen `source` into `target` in partitions of `partition_rows` rows, on the cluster
    `spec` names (None: in this process). `progress(rows)` is called as partitions are
    written; `dask_progress` draws Dask's progress bar (on stdout) while a cluster works.

    The output is written under a temporary name beside `target` and moved onto it only when
    every partition has been screened: a run that stops leaves no output."""
    plan = Plan(files.absolute(source), str(source), partition_rows)
    with files.staged(target) as stage:
        run = _partitioned(
            index, plan, stage.location, params, spec, progress, dask_progress, notify
        )
        stage.publish()
    return run


def _partitioned(
    index: ScreeningIndex,
    plan: Plan,
    target: str | Path,
    params: ScreenParams,
    spec: ClusterSpec | None,
    progress: Progress | None,
    dask_progress: bool,
    notify: Notify | None,
) -> PartitionedRun:
    started = time.perf_counter()
    if spec is None:
        totals = _Totals()
        with _writer(target) as write:
            for partition in plan:
                result = screen_partition(index, partition, params, progress)
                write(result)
                totals.add(result)
        timings = {"run": time.perf_counter() - started}
        return _finish(plan, totals, None, timings, None)
    return _on_cluster(index, plan, target, params, spec, progress, dask_progress, notify)


def _finish(
    plan: Plan,
    totals: _Totals,
    cluster: dict[str, Any] | None,
    timings: dict[str, float],
    shipping: dict[str, Any] | None,
) -> PartitionedRun:
    assert plan.sha256 is not None  # set once the plan has been read through
    timings["screening_cpu"] = totals.cpu_seconds
    return PartitionedRun(totals.summary(), plan.sha256, plan.count, cluster, timings, shipping)


def _on_cluster(
    index: ScreeningIndex,
    plan: Plan,
    target: str | Path,
    params: ScreenParams,
    spec: ClusterSpec,
    progress: Progress | None,
    dask_progress: bool,
    notify: Notify | None,
) -> PartitionedRun:
    from clearance.scale.cluster import describe, open_cluster
    from clearance.scale.shipping import received, ship, unship

    timings: dict[str, float] = {}
    started = time.perf_counter()
    with open_cluster(spec) as client:
        info = describe(client, spec)
        timings["cluster"] = time.perf_counter() - started
        if notify is not None:
            dashboard = f", dashboard {info.dashboard}" if info.dashboard else ""
            notify(f"dask: {info.workers} worker(s) at {info.scheduler}{dashboard}")
        shipment = ship(client, index)
        timings["ship"] = shipment.seconds
        started = time.perf_counter()
        try:
            totals = _screen_on(client, shipment.key, plan, target, params, progress, dask_progress)
            arrivals = client.run(received, shipment.key)
        finally:
            with contextlib.suppress(Exception):  # a lost cluster drops it anyway
                unship(client, shipment)
        timings["run"] = time.perf_counter() - started
    shipping = {
        "bytes": shipment.nbytes,
        "seconds": shipment.seconds,
        "arrivals": {worker: len(got) for worker, got in arrivals.items()},
        "unpickle_seconds": {
            worker: sum(item["seconds"] for item in got) for worker, got in arrivals.items()
        },
    }
    return _finish(plan, totals, info.to_dict(), timings, shipping)


def _screen_on(
    client: Client,
    key: str,
    plan: Plan,
    target: str | Path,
    params: ScreenParams,
    progress: Progress | None,
    dask_progress: bool,
) -> _Totals:
    """Submit each partition as the plan finds it; write the results in file order."""
    totals = _Totals()
    futures: list[Future[PartitionResult] | None] = []
    run = uuid.uuid4().hex[:8]
    try:
        with _writer(target) as write:
            for number, partition in enumerate(plan):
                futures.append(
                    client.submit(
                        screen_partition,
                        key,
                        partition,
                        params,
                        key=f"screen-partition-{run}-{number}",
                        pure=False,
                    )
                )
            bar = _dask_bar(client, futures) if dask_progress and futures else None
            for number, future in enumerate(futures):
                assert future is not None
                result: PartitionResult = future.result()
                futures[number] = None  # the worker may drop it now
                write(result)
                totals.add(result)
                if progress is not None:
                    progress(result.rows)
            if bar is not None:
                bar.join(timeout=5)
    except BaseException:
        client.cancel([f for f in futures if f is not None])
        raise
    return totals


def _dask_bar(client: Client, futures: list[Future[PartitionResult] | None]) -> threading.Thread:
    """Dask's own text progress bar over the partitions, drawn from a thread of its own."""
    from distributed.diagnostics.progressbar import TextProgressBar

    keys = [f for f in futures if f is not None]
    scheduler = client.scheduler_info(n_workers=0)["address"]

    def draw() -> None:
        with contextlib.suppress(Exception):  # the bar is a courtesy: a run never fails for it
            TextProgressBar(keys, scheduler=scheduler, complete=True)

    thread = threading.Thread(target=draw, name="clearance-dask-progress", daemon=True)
    thread.start()
    return thread
