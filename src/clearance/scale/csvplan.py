"""Finding the partition boundaries of a CSV file fast, and exactly where `screen_file` would.

The caller reads the whole input once, so this pass bounds how fast any cluster can be fed:
parsing every row with the csv module costs about 4.5 CPU-seconds per million rows, which 40
workers screening at 6,000 rows per second would outrun. Most lines of a customer file hold
no quote: such a line is one record and one line, and only its bytes need counting. A line
that holds a double quote, or a carriage return other than its CRLF ending, goes through the
csv module itself (the one `screen_file` reads with, fed the same lines as its text layer
would), for as many lines as that record takes. So boundaries and line numbers agree with the
whole-file reader in every case, at the cost of parsing only the records that need it.

What this pass does not check — ragged rows, bad UTF-8 in unquoted lines — the worker's own
reading of its partition finds, with the same message and line.
"""

from __future__ import annotations

import csv
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from clearance.screening.batch import (
    SCREEN_REQUIRED,
    BatchInputError,
    csv_error,
    csv_header,
    undecodable,
)

# Universal newlines, as the text layer of the single-process run splits lines.
_TEXT_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
_BLANK = (b"\n", b"\r\n")


@dataclass(frozen=True, slots=True)
class Boundary:
    offset: int  # bytes before the next partition
    line_num: int  # lines before it, as csv.reader counts them
    rows: int  # rows in the partition that ends here


class _TextFeed:
    """Text lines for csv.reader, taken from binary lines on demand; counts bytes and lines."""

    def __init__(self, lines: Iterator[bytes], label: str, offset: int, line_num: int) -> None:
        self._lines = lines
        self._label = label
        self.pending: deque[str] = deque()
        self.offset = offset
        self.line_num = line_num
        self.first = offset == 0

    def push(self, line: bytes) -> None:
        try:
            text = line.decode("utf-8-sig" if self.first else "utf-8")
        except UnicodeDecodeError as exc:
            raise BatchInputError(undecodable(self._label, self.line_num, line, exc)) from exc
        self.first = False
        self.offset += len(line)  # counted when taken from the file, whole
        self.pending.extend(_TEXT_LINES.findall(text))

    def __iter__(self) -> _TextFeed:
        return self

    def __next__(self) -> str:
        if not self.pending:
            line = next(self._lines, None)
            if line is None:
                raise StopIteration
            self.push(line)
        self.line_num += 1
        return self.pending.popleft()


def _simple(line: bytes) -> bool:
    """One record on one line: no quote, and no carriage return but a CRLF ending."""
    return b'"' not in line and (
        b"\r" not in line or (line.endswith(b"\r\n") and line.count(b"\r") == 1)
    )


class CsvScan:
    """The header, then a `Boundary` after the header (no rows), after every `partition_rows`
    rows, and at the end (if rows remain): `boundaries()`; `header` is set by the first."""

    def __init__(self, raw: BinaryIO, label: str, partition_rows: int) -> None:
        self._lines = iter(raw)
        self._label = label
        self._size = partition_rows
        self._feed = _TextFeed(self._lines, label, 0, 0)
        self._reader = csv.reader(self._feed)
        self.header: tuple[str, ...] = ()
        self.rows = 0

    def boundaries(self) -> Iterator[Boundary]:
        self.header = tuple(csv_header(self._label, self._reader, SCREEN_REQUIRED))
        feed = self._feed
        yield Boundary(self._offset(), feed.line_num, 0)
        if feed.pending:  # the header line went on after a lone CR
            yield from self._through_csv()
        offset, line_num = self._offset(), feed.line_num
        for line in self._lines:
            if _simple(line):
                offset += len(line)
                line_num += 1
                if line not in _BLANK:
                    self.rows += 1
                    if self.rows == self._size:
                        yield Boundary(offset, line_num, self.rows)
                        self.rows = 0
                continue
            feed.offset, feed.line_num = offset, line_num
            feed.push(line)
            yield from self._through_csv()
            offset, line_num = self._offset(), feed.line_num
        if self.rows:
            yield Boundary(offset, line_num, self.rows)

    def _offset(self) -> int:
        """Bytes consumed by the csv module so far (lines it has not taken yet excluded)."""
        return self._feed.offset - sum(len(t.encode("utf-8")) for t in self._feed.pending)

    def _through_csv(self) -> Iterator[Boundary]:
        """Records through the csv module until the feed is back at the start of a line."""
        while True:
            start = self._feed.line_num + 1  # the line the record starts on
            try:
                row = next(self._reader)
            except StopIteration:
                return
            except csv.Error as exc:
                message = csv_error(self._label, start, self._feed.line_num, exc)
                raise BatchInputError(message) from exc
            if row:
                self.rows += 1
                if self.rows == self._size:
                    yield Boundary(self._offset(), self._feed.line_num, self.rows)
                    self.rows = 0
            if not self._feed.pending:
                return
