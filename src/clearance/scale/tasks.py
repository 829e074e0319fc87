"""What a worker runs: screen one partition with the index it holds, hand back the hit rows.

A worker writes nothing anywhere: it reads its slice of the input and returns rows; the
caller writes the output file and the audit record.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from clearance.scale.partitions import Partition
from clearance.screening.batch import SearchMemo, screen_chunk
from clearance.screening.index import ScreeningIndex

# An index's searches share its caches; a worker started with several threads screens one
# partition at a time (the GIL would serialize them anyway; processes are the way to scale).
_SEARCH = threading.Lock()


@dataclass(frozen=True, slots=True)
class ScreenParams:
    threshold: float | None = None  # lowest score reported
    top: int = 10
    match_threshold: float | None = None


@dataclass(frozen=True, slots=True)
class PartitionResult:
    rows: int
    matches: int
    chunks: tuple[list[tuple[Any, ...]], ...]  # hit rows, per input chunk
    cpu_seconds: float = 0.0  # CPU time of the thread that screened it (benchmarks)

    @property
    def output_rows(self) -> int:
        return sum(len(chunk) for chunk in self.chunks)


def screen_partition(
    index: ScreeningIndex | str,
    partition: Partition,
    params: ScreenParams,
    progress: Callable[[int], None] | None = None,
) -> PartitionResult:
    """Screen every row of `partition` with `index`: a `ScreeningIndex`, or on a worker the
    key it was shipped under (shipping.py)."""
    if isinstance(index, str):
        from clearance.scale.shipping import installed

        index = installed(index)
    searchable: ScreeningIndex = index
    rows = matches = 0
    chunks: list[list[tuple[Any, ...]]] = []
    started = time.thread_time()
    memo = SearchMemo()  # a party named on many rows of the partition is searched once
    with _SEARCH:
        for chunk in partition.chunks():
            out, found = screen_chunk(
                searchable,
                partition.label,
                chunk,
                threshold=params.threshold,
                top=params.top,
                match_threshold=params.match_threshold,
                memo=memo,
            )
            chunks.append(out)
            rows += len(chunk)
            matches += found
            if progress is not None:
                progress(len(chunk))
    return PartitionResult(rows, matches, tuple(chunks), time.thread_time() - started)
