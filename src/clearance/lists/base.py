"""Shared helpers for the format parsers: hashing files, dates, reading CSV rows, folding
rows into entries."""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import BinaryIO, Protocol

from clearance.lists.errors import ListFormatError
from clearance.model import Address, Entry, EntryType, Identifier, ListSource, Name


def sha256_of_files(paths: Iterable[Path]) -> str:
    """One digest over the raw bytes of several files (in the given order)."""
    digest = hashlib.sha256()
    for path in paths:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def parse_iso_date(text: str, path: str, line: int | None = None) -> date:
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError as exc:
        raise ListFormatError(path, f"not a date: {text!r}", line=line) from exc


_DMY = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")


def parse_dmy(text: str, path: str, line: int | None = None) -> date:
    """`dd/mm/yyyy` (UK, EU)."""
    match = _DMY.match(text)
    if not match:
        raise ListFormatError(path, f"not a dd/mm/yyyy date: {text!r}", line=line)
    day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise ListFormatError(path, f"not a valid date: {text!r}", line=line) from exc


def parse_mdy(text: str, path: str, line: int | None = None) -> date:
    """`mm/dd/yyyy` (OFAC XML `Publish_Date`)."""
    match = _DMY.match(text)
    if not match:
        raise ListFormatError(path, f"not a mm/dd/yyyy date: {text!r}", line=line)
    month, day, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise ListFormatError(path, f"not a valid date: {text!r}", line=line) from exc


# The most characters one field (a name, an address, a remarks text) of a list file may hold.
# The longest in the real lists of 2018-2025 is 3,303 (an FtM notes text; OFAC CSV lines reach
# 1,339): anything near this is damage or an attack, and would only make parsing and screening
# slow (a word's deletion keys grow with the square of its length).
MAX_FIELD_CHARS = 100_000


def check_field_size(
    text: str | bytes, path: Path | str, line: int | None, what: str = "field"
) -> None:
    """Refuse a field (or a line, which holds its fields) longer than MAX_FIELD_CHARS."""
    if len(text) > MAX_FIELD_CHARS:
        raise ListFormatError(
            str(path),
            f"{what} of {len(text):,} characters, more than the {MAX_FIELD_CHARS:,} a list "
            "field may hold (damaged file?)",
            line=line,
        )


# Birth-date ranges up to this many years give every year (see `year_span`).
MAX_RANGE_YEARS = 20


def year_span(first: int, last: int) -> list[str]:
    """Every year of an uncertain birth date range, as ISO prefixes; only the two bounds when it
    spans more than MAX_RANGE_YEARS (OFAC's rule, applied to the UN list too)."""
    low, high = sorted((first, last))
    if high - low > MAX_RANGE_YEARS:
        return [f"{low:04d}", f"{high:04d}"]
    return [f"{year:04d}" for year in range(low, high + 1)]


def address_sort_key(address: Address) -> tuple[str, ...]:
    """A total order on addresses (every part, absent parts as ''), for stable entry fields."""
    return tuple(getattr(address, part) or "" for part in Address.__slots__)


def _identifier_key(identifier: Identifier) -> tuple[str, ...]:
    # Every field: two documents with the same number but another country must not come out
    # in set (hash-seed) order, or the same file would give entries that differ run to run.
    return (
        identifier.kind,
        identifier.value,
        identifier.country or "",
        identifier.remarks or "",
    )


# --- CSV files read row by row (uk_csv, eu_fsf) -----------------------------------------------

_BOM = b"\xef\xbb\xbf"


class CsvReader(Protocol):
    """What the CSV parsers use of `csv.reader`'s result."""

    line_num: int

    def __iter__(self) -> Iterator[list[str]]: ...

    def __next__(self) -> list[str]: ...


def decoded_lines(
    handle: BinaryIO,
    path: Path,
    encoding: str,
    *,
    text_kind: str = "text file",
    repair: Callable[[str, int], str] | None = None,
) -> Iterator[str]:
    """The file's lines decoded one at a time, so that a bad byte names its line.

    A UTF-8 byte-order mark on line 1 is skipped; `repair(text, line)` rewrites each decoded
    line (for files a tool damaged in a known way).
    """
    for number, raw in enumerate(handle, start=1):
        if number == 1 and raw.startswith(_BOM):
            raw = raw[len(_BOM) :]
        if b"\x00" in raw:
            raise ListFormatError(str(path), f"NUL byte: not a {text_kind}", line=number)
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            raise ListFormatError(
                str(path), f"byte {raw[exc.start]:#04x} is not valid {encoding}", line=number
            ) from exc
        yield repair(text, number) if repair is not None else text


def starts_with_bom(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(_BOM)) == _BOM


def csv_records(
    handle: BinaryIO, reader: CsvReader, width: int, path: Path
) -> Iterator[tuple[int, list[str]]]:
    """(first line, cells) of each non-blank record after the header; closes `handle` at the end.

    Every record must have `width` cells (the header's): a shorter or longer one is a
    truncated or malformed row, named by its line.
    """
    with handle:
        start = reader.line_num + 1
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise ListFormatError(
                    str(path), f"malformed CSV: {exc}", line=reader.line_num
                ) from exc
            if any(cell.strip() for cell in record):
                if len(record) != width:
                    raise ListFormatError(
                        str(path),
                        f"row has {len(record)} fields, the header {width} "
                        "(truncated or malformed row)",
                        line=start,
                    )
                yield start, record
            start = reader.line_num + 1


@dataclass(slots=True, kw_only=True)
class FoldedFacts:
    """The facts of one listed party gathered over the rows that mention it (CSV formats
    publish one row per name, address, date ... and repeat the party's own columns)."""

    programs: set[str] = field(default_factory=set)
    addresses: set[Address] = field(default_factory=set)
    countries: set[str] = field(default_factory=set)
    birth_dates: set[str] = field(default_factory=set)
    birth_places: set[str] = field(default_factory=set)
    identifiers: set[Identifier] = field(default_factory=set)
    remarks: list[str] = field(default_factory=list)
    listed_on: date | None = None
    properties: dict[str, set[str]] = field(default_factory=dict)

    def keep(self, key: str, value: str) -> None:
        if value:
            self.properties.setdefault(key, set()).add(value)

    def build_entry(
        self,
        source: ListSource,
        source_id: str,
        type: EntryType,
        names: tuple[Name, ...],
        listed_on: date | None,
    ) -> Entry:
        """The entry, every collection sorted so that the same rows in any order give it."""
        return Entry(
            source=source,
            source_id=source_id,
            type=type,
            names=names,
            programs=tuple(sorted(self.programs)),
            addresses=tuple(sorted(self.addresses, key=address_sort_key)),
            countries=tuple(sorted(self.countries)),
            birth_dates=tuple(sorted(self.birth_dates)),
            birth_places=tuple(sorted(self.birth_places)),
            identifiers=tuple(sorted(self.identifiers, key=_identifier_key)),
            remarks="\n".join(self.remarks) or None,
            listed_on=listed_on,
            properties={k: tuple(sorted(v)) for k, v in sorted(self.properties.items())},
        )
