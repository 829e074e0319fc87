"""Screening and comparing whole files, streamed in chunks so memory stays flat.

Input and output are CSV (UTF-8, header row) or Parquet, chosen by file extension.

- `screen_file`: input columns `id`, `name` and optionally `type`, `dob`, `country`; output
  one row per hit: query_id, rank, score, match, list, source_id, entry_name, matched_name,
  programs, explanation.
- `compare_file`: input columns `pair_id`, `left`, `right` and optionally `type`; output
  pair_id, score, match.

A bad row (no name, an unknown type, a malformed date or country), a byte that is not UTF-8
or a quoted field never closed stops the run with a `BatchInputError` naming the file and the
line (CSV: the physical line where the record starts, counted as the csv module counts lines)
or record (Parquet).

Output is written to a temporary file beside the target and renamed onto it only when the run
succeeds (`replacing`): a run that stops leaves no output, and an earlier file at that path as
it was.
"""

from __future__ import annotations

import csv
import functools
import gc
import importlib
import io
import multiprocessing
import os
import re
import secrets
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TypeAlias

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.parquet as pq
else:

    class _OnFirstUse:
        """A module imported when first used: pyarrow (and numpy under it) costs a fifth of a
        second of start-up that only Parquet files need (issue 13)."""

        def __init__(self, name: str) -> None:
            self._name = name

        def __getattr__(self, attribute: str) -> object:
            return getattr(importlib.import_module(self._name), attribute)

    pa = _OnFirstUse("pyarrow")
    pq = _OnFirstUse("pyarrow.parquet")

from clearance.model import EntryType, Hit, Party
from clearance.schema import PartyError, parse_party
from clearance.screening.algorithms import DEFAULT_ALGORITHM
from clearance.screening.compare import compare
from clearance.screening.index import ScreeningIndex
from clearance.screening.scorer import get_algorithm

__all__ = [
    "COMPARE_OUTPUT_COLUMNS",
    "SCREEN_OPTIONAL",
    "SCREEN_OUTPUT_COLUMNS",
    "SCREEN_REQUIRED",
    "BatchInputError",
    "BatchSummary",
    "ScreeningWorkerError",
    "TextLines",
    "check_columns",
    "check_screen_input",
    "compare_file",
    "count_rows",
    "csv_chunks",
    "csv_error",
    "csv_header",
    "parquet_rows",
    "replacing",
    "screen_chunk",
    "screen_file",
    "screen_writer",
    "staging_name",
    "undecodable",
]

CHUNK_ROWS = 5000
SCREEN_OUTPUT_COLUMNS = (
    "query_id",
    "rank",
    "score",
    "match",
    "list",
    "source_id",
    "entry_name",
    "matched_name",
    "programs",
    "explanation",
)
COMPARE_OUTPUT_COLUMNS = ("pair_id", "score", "match")
SCREEN_REQUIRED = ("id", "name")
SCREEN_OPTIONAL = ("type", "dob", "country")


@functools.cache
def _screen_schema() -> pa.Schema:
    return pa.schema(
        [
            ("query_id", pa.string()),
            ("rank", pa.int32()),
            ("score", pa.float64()),
            ("match", pa.bool_()),
            ("list", pa.string()),
            ("source_id", pa.string()),
            ("entry_name", pa.string()),
            ("matched_name", pa.string()),
            ("programs", pa.string()),
            ("explanation", pa.string()),
        ]
    )


@functools.cache
def _compare_schema() -> pa.Schema:
    return pa.schema([("pair_id", pa.string()), ("score", pa.float64()), ("match", pa.bool_())])


Progress = Callable[[int], None]
# A chunk's output rows as a writer writes them: CSV text, an Arrow table, or None (no rows).
Encoded: TypeAlias = "str | pa.Table | None"
# (where, row): `where` is `line 12` (CSV) or `record 12` (Parquet), for error messages.
Chunk = list[tuple[str, dict[str, str]]]


class BatchInputError(ValueError):
    """A row of an input file that cannot be screened; the message names file and line."""


class ScreeningWorkerError(RuntimeError):
    """A worker process of a parallel `screen_file` run stopped (killed, out of memory)."""


@dataclass(frozen=True, slots=True)
class BatchSummary:
    rows: int
    output_rows: int
    matches: int


def _is_parquet(path: Path) -> bool:
    return path.suffix.lower() in (".parquet", ".pq")


# --- reading -------------------------------------------------------------------------------


def _read_chunks(
    path: Path, required: Sequence[str], optional: Sequence[str]
) -> Iterator[list[tuple[str, dict[str, str]]]]:
    """Chunks of (where, row) with `where` like `line 12` (CSV) or `record 12` (Parquet)."""
    if not path.is_file():
        raise BatchInputError(f"{path}: no such file")
    if _is_parquet(path):
        yield from _read_parquet(path, required, optional)
    else:
        yield from _read_csv(path, required, optional)


def check_columns(path: Path | str, present: Sequence[str], required: Sequence[str]) -> None:
    missing = [c for c in required if c not in present]
    if missing:
        raise BatchInputError(
            f"{path}: missing column(s) {', '.join(missing)} (has: {', '.join(present)})"
        )


# Line ends as the text layer (`newline=""`) splits lines: LF, CRLF and a lone CR.
_LINE_ENDS = re.compile(r"\r\n|\r|\n")
_TEXT_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def undecodable(label: Path | str, before: int, raw: bytes, exc: UnicodeDecodeError) -> str:
    """The message for bytes `raw` (one binary line, `before` text lines into the file) that
    are not UTF-8: it names the physical line of the bad byte, as the csv module counts lines."""
    prefix = raw[: exc.start].decode("utf-8", "replace")
    return f"{label}: line {before + 1 + len(_LINE_ENDS.findall(prefix))}: {exc}"


class TextLines:
    """The text lines of binary lines of UTF-8, for csv.reader, decoded one line at a time.

    A text layer decodes blocks of 8 KiB, so its error for a bad byte comes while the reader
    is lines earlier (the header, for a small file); here the bad byte is found on its own
    line, named by `undecodable`. `ended` turns true once the lines have run out: a record the
    reader returns after that was cut off by the end of the file (a quoted field never closed).
    """

    def __init__(
        self, lines: Iterable[bytes], label: Path | str, line_offset: int = 0, *, bom: bool = True
    ) -> None:
        self._lines = iter(lines)
        self._label = label
        self._before = line_offset
        self._bom = bom
        self._pending: list[str] = []
        self.ended = False

    def __iter__(self) -> TextLines:
        return self

    def __next__(self) -> str:
        if self._pending:
            self._before += 1
            return self._pending.pop()
        raw = next(self._lines, None)
        if raw is None:
            self.ended = True
            raise StopIteration
        try:
            text = raw.decode("utf-8-sig" if self._bom else "utf-8")
        except UnicodeDecodeError as exc:
            raise BatchInputError(undecodable(self._label, self._before, raw, exc)) from exc
        self._bom = False
        if not text:  # a byte-order mark alone: no line
            return next(self)
        if "\r" in text and not (text.endswith("\r\n") and text.count("\r") == 1):
            # A lone CR ends a line too (a CRLF is one line end).
            self._pending = _TEXT_LINES.findall(text)[::-1]
            return next(self)
        self._before += 1
        return text


def _read_csv(
    path: Path, required: Sequence[str], optional: Sequence[str]
) -> Iterator[list[tuple[str, dict[str, str]]]]:
    with path.open("rb") as handle:
        lines = TextLines(handle, path)
        reader = csv.reader(lines)
        header = csv_header(path, reader, required)
        yield from csv_chunks(path, reader, header, required, optional, lines=lines)


def csv_header(path: Path | str, reader: Any, required: Sequence[str]) -> list[str]:
    """The header row of a CSV `reader` (names stripped), checked for the required columns."""
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise BatchInputError(f"{path}: empty file, expected a header row") from None
    except (csv.Error, UnicodeDecodeError) as exc:
        raise BatchInputError(f"{path}: line 1: {exc}") from exc
    check_columns(path, header, required)
    return header


def csv_error(path: Path | str, start: int, end: int, exc: csv.Error) -> str:
    """The message for a record the csv module refused, named by the line it starts on."""
    message = f"{path}: line {start}: {exc}"
    if end > start:  # the usual cause: a quote opened and never closed
        message += f" (the record runs on from line {start} to line {end}: a quote not closed?)"
    return message


def csv_chunks(
    path: Path | str,
    reader: Any,
    header: Sequence[str],
    required: Sequence[str],
    optional: Sequence[str],
    *,
    line_offset: int = 0,
    lines: TextLines | None = None,
) -> Iterator[Chunk]:
    """Chunks of CHUNK_ROWS rows from a CSV `reader` past its header.

    `line_offset` is the number of lines before the reader's first one: the partitioned run
    (clearance.scale) reads a file from the middle and still names lines as this run does.
    A row is named by the line its record starts on (a quoted field may span lines). `lines`,
    the reader's `TextLines`, tells a record cut off by the end of the file.
    A chunk is yielded as soon as it is full, before the next line is read.
    """
    wanted = [(c, header.index(c)) for c in (*required, *optional) if c in header]
    chunk: Chunk = []
    while True:
        start = line_offset + reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise BatchInputError(
                csv_error(path, start, line_offset + reader.line_num, exc)
            ) from exc
        if not row:
            continue
        where = f"line {start}"
        if lines is not None and lines.ended:
            end = line_offset + reader.line_num
            raise BatchInputError(
                f"{path}: {where}: a quoted field opened in this record is never closed "
                f"(it runs on to the end of the file, line {end})"
            )
        if len(row) != len(header):
            raise BatchInputError(f"{path}: {where}: {len(row)} fields, header has {len(header)}")
        chunk.append((where, {c: row[i] for c, i in wanted}))
        if len(chunk) >= CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _read_parquet(
    path: Path, required: Sequence[str], optional: Sequence[str]
) -> Iterator[list[tuple[str, dict[str, str]]]]:
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise BatchInputError(f"{path}: not a readable Parquet file: {exc}") from exc
    present = parquet.schema_arrow.names
    check_columns(path, present, required)
    columns = [c for c in (*required, *optional) if c in present]
    record = 0
    for batch in parquet.iter_batches(batch_size=CHUNK_ROWS, columns=columns):
        yield parquet_rows(batch, columns, record)
        record += batch.num_rows


def parquet_rows(batch: pa.RecordBatch, columns: Sequence[str], before: int) -> Chunk:
    """The rows of a Parquet record batch as text, numbered after `before` records."""
    data = {c: batch.column(c).to_pylist() for c in columns}
    return [
        (
            f"record {before + k + 1}",
            {c: "" if data[c][k] is None else str(data[c][k]) for c in columns},
        )
        for k in range(batch.num_rows)
    ]


def _party(path: Path | str, where: str, row: dict[str, str]) -> Party:
    """The row through the one party model, so a file accepts what `screen NAME` accepts."""
    fields: dict[str, str] = {k: row[k] for k in ("name", "type", "dob", "country") if k in row}
    try:
        return parse_party(fields, f"{path}: {where}")
    except PartyError as exc:
        raise BatchInputError(str(exc)) from exc


def check_screen_input(path: Path) -> None:
    """Refuse at once a file `screen_file` would refuse at its first line: unreadable, no
    header, or without the `id` and `name` columns (rows are checked as they are screened)."""
    for _ in _read_chunks(path, ("id", "name"), ()):
        break


def count_rows(path: Path) -> int:
    """Rows of a CSV (records, not lines: quoted fields may span lines) or Parquet file, for a
    progress total; malformed input is left for the run to report with its line."""
    if _is_parquet(path):
        try:
            return int(pq.ParquetFile(path).metadata.num_rows)
        except (pa.ArrowException, OSError) as exc:
            raise BatchInputError(f"{path}: not a readable Parquet file: {exc}") from exc
    count = 0
    with path.open(encoding="utf-8-sig", newline="", errors="replace") as handle:
        reader = csv.reader(handle)
        try:
            next(reader, None)  # the header
            count = sum(1 for row in reader if row)
        except csv.Error:
            pass
    return count


# --- writing -------------------------------------------------------------------------------


def staging_name(name: str, suffix: str) -> str:
    """A temporary name beside the output `name`, with its extension (CSV or Parquet)."""
    return f".{name}.{secrets.token_hex(4)}.partial{suffix}"


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A temporary file beside `path` to write, renamed onto `path` when the block succeeds
    and removed when it fails: `path` is the whole output of a finished run, or what it was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(staging_name(path.name, path.suffix))
    try:
        yield staging
        os.replace(staging, path)
    finally:
        staging.unlink(missing_ok=True)


class _RowWriter:
    """Rows into CSV or Parquet (by `path`'s extension): the file at `path`, or `stream` (an
    open binary file, such as an fsspec one) when given."""

    def __init__(
        self,
        path: Path,
        columns: Sequence[str],
        schema: pa.Schema,
        stream: BinaryIO | None = None,
    ) -> None:
        self.path = path
        self.columns = list(columns)
        self.schema = schema
        self._parquet: pq.ParquetWriter | None = None
        self._csv_handle: Any = None
        if stream is None:
            path.parent.mkdir(parents=True, exist_ok=True)
        if _is_parquet(path):
            self._parquet = pq.ParquetWriter(stream if stream is not None else path, schema)
        else:
            self._csv_handle = (
                path.open("w", encoding="utf-8", newline="")
                if stream is None
                else io.TextIOWrapper(stream, encoding="utf-8", newline="")
            )
            self._csv = csv.writer(self._csv_handle)
            self._csv.writerow(self.columns)

    def write(self, rows: list[tuple[Any, ...]]) -> None:
        self.write_encoded(self.encode(rows))

    def encode(self, rows: list[tuple[Any, ...]]) -> Encoded:
        """`rows` as this writer would write them (CSV text or an Arrow table), made anywhere
        (a worker process) and written with `write_encoded`: the same bytes as `write`."""
        if not rows:
            return None
        if _is_parquet(self.path):
            columns = list(zip(*rows, strict=True))
            return pa.table({c: columns[k] for k, c in enumerate(self.columns)}, schema=self.schema)
        text = io.StringIO(newline="")
        csv.writer(text).writerows(
            ["true" if v is True else "false" if v is False else v for v in row] for row in rows
        )
        return text.getvalue()

    def write_encoded(self, encoded: Encoded) -> None:
        if encoded is None:
            return
        if self._parquet is not None:
            assert isinstance(encoded, pa.Table)
            self._parquet.write_table(encoded)
        else:
            assert isinstance(encoded, str)
            self._csv_handle.write(encoded)

    def close(self) -> None:
        if self._parquet is not None:
            self._parquet.close()
        if self._csv_handle is not None:
            self._csv_handle.close()


def screen_writer(path: Path, stream: BinaryIO | None = None) -> _RowWriter:
    """The writer of `screen_file`'s output (`write(rows)`, `close()`), onto `path` or
    `stream`."""
    return _RowWriter(path, SCREEN_OUTPUT_COLUMNS, _screen_schema(), stream)


def _hit_tail(rank: int, hit: Hit) -> tuple[Any, ...]:
    """A hit's output row but its first column, the input row's id."""
    return (
        rank,
        hit.score,
        hit.match,
        hit.list_name,
        hit.entry.source_id,
        hit.entry.primary_name,
        hit.matched_name.name,
        "; ".join(hit.entry.programs),
        hit.explanation,
    )


# --- the runs ------------------------------------------------------------------------------


def screen_file(
    index: ScreeningIndex,
    input_path: Path,
    output_path: Path,
    *,
    threshold: float | None = None,
    top: int = 10,
    match_threshold: float | None = None,
    progress: Progress | None = None,
    processes: int = 1,
) -> BatchSummary:
    """Screen every row of `input_path`; write one row per hit to `output_path` (only if all
    rows could be screened).

    `processes` > 1 screens the chunks in that many worker processes forked from this one
    (the index shared copy-on-write) while this one reads ahead and writes in input order:
    the same output, byte for byte, and the same first error. The first chunk is screened
    here before the fork (see `_screen_into`); a file of fewer than three chunks
    stays in this process, where forking would cost more than it saves.
    """
    params = _ChunkParams(input_path, threshold, top, match_threshold)
    with replacing(output_path) as staging:
        writer = screen_writer(staging)
        try:
            return _screen_into(index, writer, params, progress, processes)
        finally:
            writer.close()


# A party's screening as rows: (its hit rows but their first column, how many are matches).
_Screening = tuple[list[tuple[Any, ...]], int]


class SearchMemo:
    """The screening of each distinct party a run has screened: a party named on many rows
    (one counterparty of many payments) is searched, and its rows made, once, since a search
    depends only on the party and the run's parameters. Holds at most `limit` rows and
    parties (bounded memory on a file of millions of distinct names); beyond, it only
    reads."""

    def __init__(self, limit: int = 100_000) -> None:
        self._limit = limit
        self._screenings: dict[Party, _Screening] = {}
        self._held = 0

    def get(self, party: Party) -> _Screening | None:
        return self._screenings.get(party)

    def keep(self, party: Party, screening: _Screening) -> None:
        held = len(screening[0]) + 1  # a party with no hit still takes its place
        if self._held + held <= self._limit:
            self._screenings[party] = screening
            self._held += held

    def __len__(self) -> int:
        return len(self._screenings)


@dataclass(frozen=True, slots=True)
class _ChunkParams:
    path: Path
    threshold: float | None
    top: int
    match_threshold: float | None
    memo: SearchMemo = field(default_factory=SearchMemo, compare=False)


class _Reading:
    """The input's chunks, with a read error held back until `rethrow`: the chunks before the
    bad line are screened first, so a bad row in them is reported first, as in one process."""

    def __init__(self, path: Path) -> None:
        self._chunks = _read_chunks(path, SCREEN_REQUIRED, SCREEN_OPTIONAL)
        self._error: BatchInputError | None = None

    def next(self) -> Chunk | None:
        if self._error is not None:
            return None
        try:
            return next(self._chunks, None)
        except BatchInputError as exc:
            self._error = exc
            return None

    def rethrow(self) -> None:
        if self._error is not None:
            raise self._error


def _screen_into(
    index: ScreeningIndex,
    writer: _RowWriter,
    params: _ChunkParams,
    progress: Progress | None,
    processes: int,
) -> BatchSummary:
    reading = _Reading(params.path)
    done = [0, 0, 0]
    head: list[Chunk] = []
    if processes > 1 and (first := reading.next()) is not None:
        # The first chunk here: it fills the index's caches (the analysed forms of the listed
        # names it meets, the similar tokens of the query words) that each worker would
        # otherwise fill again for itself, about half the work of a file of repeated names.
        _written(writer, done, _screen_encoded(index, writer, params, first), progress)
        while len(head) < 2 and (chunk := reading.next()) is not None:
            head.append(chunk)
    if processes > 1 and len(head) >= 2:
        gc.freeze()  # the caches too: the collector would otherwise write to their pages
        _screen_parallel(index, writer, params, reading, head, progress, processes, done)
    else:
        chunks = iter(head)
        while (chunk := next(chunks, None) or reading.next()) is not None:
            _written(writer, done, _screen_encoded(index, writer, params, chunk), progress)
    reading.rethrow()
    return BatchSummary(rows=done[0], output_rows=done[1], matches=done[2])


# (rows, output rows, matches, the output rows encoded) of one chunk.
_Screened = tuple[int, int, int, Encoded]


def _screen_encoded(
    index: ScreeningIndex, writer: _RowWriter, params: _ChunkParams, chunk: Chunk
) -> _Screened:
    out, matches = screen_chunk(
        index,
        params.path,
        chunk,
        threshold=params.threshold,
        top=params.top,
        match_threshold=params.match_threshold,
        memo=params.memo,
    )
    return len(chunk), len(out), matches, writer.encode(out)


def _written(
    writer: _RowWriter, done: list[int], screened: _Screened, progress: Progress | None
) -> None:
    rows, output_rows, matches, encoded = screened
    writer.write_encoded(encoded)
    done[0] += rows
    done[1] += output_rows
    done[2] += matches
    if progress is not None:
        progress(rows)


# What a forked worker screens with: set in the parent just before the workers are forked,
# so they inherit it (copy-on-write) instead of receiving the index through a pipe.
_WORKER_STATE: tuple[ScreeningIndex, _RowWriter, _ChunkParams] | None = None


def _worker_screen(chunk: Chunk) -> _Screened:
    assert _WORKER_STATE is not None, "a screening worker must be forked by _screen_parallel"
    index, writer, params = _WORKER_STATE
    return _screen_encoded(index, writer, params, chunk)


def _screen_parallel(
    index: ScreeningIndex,
    writer: _RowWriter,
    params: _ChunkParams,
    reading: _Reading,
    head: list[Chunk],
    progress: Progress | None,
    processes: int,
    done: list[int],
) -> None:
    """Chunks screened by `processes` forked workers, written here strictly in input order.

    At most two chunks per worker are in flight, so memory stays flat however long the file.
    Workers only compute: the store and the output file are this process's alone.
    """
    global _WORKER_STATE
    _WORKER_STATE = (index, writer, params)
    # 'fork': the workers start with the loaded index in their memory (gc.freeze after the
    # load keeps the collector from touching, and so copying, its pages).
    pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork"))
    pending: deque[Future[_Screened]] = deque()
    try:
        chunks = iter(head)
        while (chunk := next(chunks, None) or reading.next()) is not None:
            pending.append(pool.submit(_worker_screen, chunk))
            if len(pending) >= 2 * processes:
                _written(writer, done, _result(pending.popleft()), progress)
        while pending:
            _written(writer, done, _result(pending.popleft()), progress)
    finally:
        _WORKER_STATE = None
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


def _result(future: Future[_Screened]) -> _Screened:
    try:
        return future.result()
    except BrokenProcessPool as exc:
        raise ScreeningWorkerError(
            f"a screening worker process stopped unexpectedly ({exc}); no output was written"
        ) from None


def screen_chunk(
    index: ScreeningIndex,
    path: Path | str,
    chunk: Chunk,
    *,
    threshold: float | None = None,
    top: int = 10,
    match_threshold: float | None = None,
    memo: SearchMemo | None = None,
) -> tuple[list[tuple[Any, ...]], int]:
    """The output rows of one chunk of input rows, and how many of them are matches; `memo`
    keeps the rows of the parties already screened with these parameters.

    The one definition of a hit row, for this run and the partitioned one (clearance.scale).
    """
    out: list[tuple[Any, ...]] = []
    matches = 0
    for where, row in chunk:
        party = _party(path, where, row)
        screening = memo.get(party) if memo is not None else None
        if screening is None:
            try:
                hits = index.search(
                    party, threshold=threshold, top=top, match_threshold=match_threshold
                )
            except PartyError as exc:  # a name this version refuses (a bidi override)
                raise BatchInputError(f"{path}: {where}: {exc}") from exc
            tails = [_hit_tail(rank, hit) for rank, hit in enumerate(hits, start=1)]
            screening = (tails, sum(hit.match for hit in hits))
            if memo is not None:
                memo.keep(party, screening)
        tails, found = screening
        out.extend((row["id"], *tail) for tail in tails)
        matches += found
    return out, matches


def compare_file(
    input_path: Path,
    output_path: Path,
    *,
    match_threshold: float | None = None,
    algorithm: str = DEFAULT_ALGORITHM,
    progress: Progress | None = None,
) -> BatchSummary:
    """Score every `left`/`right` pair of `input_path`; write pair_id, score, match (only
    if every pair could be scored)."""
    config = get_algorithm(algorithm)
    match_at = config.match_threshold if match_threshold is None else match_threshold
    with replacing(output_path) as staging:
        return _compare_into(input_path, staging, match_at, algorithm, progress)


def _compare_into(
    input_path: Path,
    output_path: Path,
    match_at: float,
    algorithm: str,
    progress: Progress | None,
) -> BatchSummary:
    rows = matches = 0
    writer = _RowWriter(output_path, COMPARE_OUTPUT_COLUMNS, _compare_schema())
    try:
        for chunk in _read_chunks(input_path, ("pair_id", "left", "right"), ("type",)):
            out: list[tuple[Any, ...]] = []
            for where, row in chunk:
                raw_type = row.get("type", "").strip().lower()
                try:
                    pair_type = EntryType(raw_type) if raw_type else EntryType.UNKNOWN
                except ValueError:
                    raise BatchInputError(
                        f"{input_path}: {where}: unknown type {raw_type!r}"
                    ) from None
                score, _ = compare(row["left"], row["right"], pair_type, algorithm)
                out.append((row["pair_id"], score, score >= match_at))
                matches += score >= match_at
            writer.write(out)
            rows += len(chunk)
            if progress is not None:
                progress(len(chunk))
    finally:
        writer.close()
    return BatchSummary(rows=rows, output_rows=rows, matches=matches)
