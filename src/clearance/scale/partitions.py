"""Cutting an input file into partitions, and reading one partition back on a worker.

A partition holds a whole number of the single-process run's chunks (CHUNK_ROWS rows), so
each worker reads the same chunks `screen_file` would and the output is written chunk for
chunk as that run writes it: byte for byte the same file.

- CSV: the caller's process reads the file once (csvplan.py: lines without quotes are
  counted as bytes, the others go through the csv module `screen_file` reads with, so quoted
  line breaks and blank lines fall exactly as there) and notes the byte offset and line
  number at each partition boundary; the SHA-256 the audit record needs is taken in the same
  pass. A worker reads its byte range and names lines as the whole-file reader would
  (`line_offset`); a ragged row or bad UTF-8 is refused there, with the same message.
- Parquet: partitions are row ranges; a worker reads only the row groups that hold its range.
- Rows already in memory (a party book) can be screened as `RowsPartition`s.

Partitions are plain frozen dataclasses: what travels to a worker is a location and a range,
never the rows.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO

if TYPE_CHECKING:  # pyarrow loads only when a Parquet file is read (start-up, issue 13)
    import pyarrow.parquet as pq

from clearance.scale import io as files
from clearance.scale.csvplan import CsvScan
from clearance.screening.batch import (
    CHUNK_ROWS,
    SCREEN_OPTIONAL,
    SCREEN_REQUIRED,
    BatchInputError,
    Chunk,
    TextLines,
    check_columns,
    csv_chunks,
    parquet_rows,
)


def _unreadable(label: str, exc: Exception) -> BatchInputError:
    return BatchInputError(f"{label}: cannot be read here: {exc}")


@dataclass(frozen=True, slots=True)
class CsvPartition:
    """Bytes `start`..`end` of a CSV file: whole records, `line_offset` lines into the file."""

    location: str
    label: str  # the input as the caller named it, for messages
    header: tuple[str, ...]
    start: int
    end: int
    line_offset: int
    rows: int

    def chunks(self) -> Iterator[Chunk]:
        try:
            with files.open_binary(self.location) as handle:
                handle.seek(self.start)
                data = handle.read(self.end - self.start)
        except OSError as exc:
            raise _unreadable(self.label, exc) from exc
        # A partition starts on a record boundary; its lines are numbered from `line_offset`.
        lines = TextLines(io.BytesIO(data), self.label, self.line_offset, bom=self.start == 0)
        reader = csv.reader(lines)
        yield from csv_chunks(
            self.label,
            reader,
            self.header,
            SCREEN_REQUIRED,
            SCREEN_OPTIONAL,
            lines=lines,
            line_offset=self.line_offset,
        )


@dataclass(frozen=True, slots=True)
class ParquetPartition:
    """Rows `start`..`stop` of a Parquet file, held by `row_groups` (whose first row is
    `groups_start`)."""

    location: str
    label: str
    columns: tuple[str, ...]
    start: int
    stop: int
    row_groups: tuple[int, ...]
    groups_start: int

    @property
    def rows(self) -> int:
        return self.stop - self.start

    def chunks(self) -> Iterator[Chunk]:
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            with files.open_binary(self.location) as handle:
                yield from self._chunks(pq.ParquetFile(handle))
        except (OSError, pa.ArrowException) as exc:
            raise _unreadable(self.label, exc) from exc

    def _chunks(self, parquet: pq.ParquetFile) -> Iterator[Chunk]:
        position = self.groups_start
        chunk: Chunk = []
        batches = parquet.iter_batches(
            batch_size=CHUNK_ROWS, row_groups=list(self.row_groups), columns=list(self.columns)
        )
        for batch in batches:
            low = max(self.start - position, 0)
            high = min(self.stop - position, batch.num_rows)
            if high > low:
                rows = parquet_rows(batch.slice(low, high - low), self.columns, position + low)
                for row in rows:
                    chunk.append(row)
                    if len(chunk) == CHUNK_ROWS:  # `start` is on a chunk boundary
                        yield chunk
                        chunk = []
            position += batch.num_rows
            if position >= self.stop:
                break
        if chunk:
            yield chunk


@dataclass(frozen=True, slots=True)
class RowsPartition:
    """Rows already in memory, as `(where, {column: text})` chunks (a party book)."""

    label: str
    row_chunks: tuple[Chunk, ...]

    @property
    def rows(self) -> int:
        return sum(len(chunk) for chunk in self.row_chunks)

    def chunks(self) -> Iterator[Chunk]:
        yield from self.row_chunks


Partition = CsvPartition | ParquetPartition | RowsPartition


# --- planning --------------------------------------------------------------------------------


class Plan:
    """The partitions of one input, produced while reading it once; iterate to get them.

    After the iteration, `sha256` is the input's checksum and `rows` its row count. The caller
    may submit each partition as soon as it comes, so screening starts before the input has
    been read to its end.
    """

    def __init__(self, location: str, label: str, partition_rows: int) -> None:
        if partition_rows < CHUNK_ROWS or partition_rows % CHUNK_ROWS:
            raise ValueError(f"partition_rows must be a multiple of {CHUNK_ROWS}")
        self.location = location
        self.label = label
        self.partition_rows = partition_rows
        self.sha256: str | None = None
        self.rows = 0
        self.count = 0

    def __iter__(self) -> Iterator[Partition]:
        if not files.exists(self.location):
            raise BatchInputError(f"{self.label}: no such file")
        parquet = files.name_path(self.location).suffix.lower() in (".parquet", ".pq")
        parts: Iterator[Partition] = self._parquet() if parquet else self._csv()
        for part in parts:
            self.rows += part.rows
            self.count += 1
            yield part

    # --- CSV ---

    def _csv(self) -> Iterator[CsvPartition]:
        with files.open_binary(self.location) as raw:
            hashing = _HashingReader(raw)
            buffered = io.BufferedReader(hashing, files.BLOCK)
            scan = CsvScan(buffered, self.label, self.partition_rows)
            marks = scan.boundaries()
            start = next(marks)
            for mark in marks:
                yield CsvPartition(
                    self.location,
                    self.label,
                    scan.header,
                    start.offset,
                    mark.offset,
                    start.line_num,
                    mark.rows,
                )
                start = mark
            while buffered.read(files.BLOCK):  # anything after the last record
                pass
            self.sha256 = hashing.hexdigest()

    # --- Parquet ---

    def _parquet(self) -> Iterator[ParquetPartition]:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.sha256 = files.sha256_of(self.location)
        try:
            with files.open_binary(self.location) as handle:
                metadata = pq.ParquetFile(handle)
                present = metadata.schema_arrow.names
                sizes = [
                    metadata.metadata.row_group(g).num_rows for g in range(metadata.num_row_groups)
                ]
        except (pa.ArrowException, OSError) as exc:
            raise BatchInputError(f"{self.label}: not a readable Parquet file: {exc}") from exc
        check_columns(self.label, present, SCREEN_REQUIRED)
        columns = tuple(c for c in (*SCREEN_REQUIRED, *SCREEN_OPTIONAL) if c in present)
        yield from parquet_partitions(
            self.location, self.label, columns, sizes, self.partition_rows
        )


def parquet_partitions(
    location: str, label: str, columns: tuple[str, ...], sizes: Sequence[int], size: int
) -> Iterator[ParquetPartition]:
    """Row ranges of `size` rows over row groups of `sizes` rows, each with its row groups."""
    bounds = [0]
    for rows in sizes:
        bounds.append(bounds[-1] + rows)
    total = bounds[-1]
    for start in range(0, total, size):
        stop = min(start + size, total)
        groups = [g for g in range(len(sizes)) if bounds[g] < stop and bounds[g + 1] > start]
        yield ParquetPartition(
            location, label, columns, start, stop, tuple(groups), bounds[groups[0]]
        )


class _HashingReader(io.RawIOBase):
    """A raw binary reader that hashes every byte read through it."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        self._digest.update(data)
        return size

    def hexdigest(self) -> str:
        return self._digest.hexdigest()
