"""Reading a party book file: CSV (UTF-8, header row) or Parquet, chosen by extension.

Columns: `id` and `name` (required), `type`, `dob`, `country`, `identifiers` (optional); any
other column is ignored, so a customer export can be imported as it is. Each row goes through
the one party model (`schema.parse_party`), so the book accepts exactly what `clearance screen`
and the API accept. `identifiers` is a JSON list of `{"kind", "value", "country"}` objects, or
`kind:value` items separated by `;` (`Passport:AB1234567; Tax ID:7701234567`); in Parquet also
a list of such objects or strings.

A bad row stops the import with a `BookError` naming the file and the line (CSV) or record
(Parquet); so does an id that appears twice.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from clearance.model import Party
from clearance.monitoring.book import BookError
from clearance.schema import PartyError, parse_party
from clearance.screening.batch import BatchInputError, TextLines, csv_error

__all__ = ["CHUNK_ROWS", "BookRow", "read_book"]

CHUNK_ROWS = 5000
MAX_ID_LENGTH = 200
REQUIRED = ("id", "name")
OPTIONAL = ("type", "dob", "country", "identifiers")

# (where, party id, party): `where` is `line 12` (CSV) or `record 12` (Parquet).
BookRow = tuple[str, str, Party]
_Raw = tuple[str, dict[str, Any]]


def _is_parquet(path: Path) -> bool:
    return path.suffix.lower() in (".parquet", ".pq")


def _check_columns(path: Path, present: list[str]) -> list[str]:
    missing = [c for c in REQUIRED if c not in present]
    if missing:
        raise BookError(
            f"{path}: missing column(s) {', '.join(missing)} (has: {', '.join(present)})"
        )
    return [c for c in (*REQUIRED, *OPTIONAL) if c in present]


def _csv_rows(path: Path) -> Iterator[_Raw]:
    """The rows past the header, named by the physical line their record starts on (bytes
    decoded line by line, as `screen --input` reads them: a bad byte is named at its own line,
    a quote never closed at the line that opens it)."""
    with path.open("rb") as handle:
        lines = TextLines(handle, path)
        reader = csv.reader(lines)
        header = [h.strip() for h in _first_record(path, reader)]
        wanted = [(c, header.index(c)) for c in _check_columns(path, header)]
        while True:
            start = reader.line_num + 1
            values = _next_record(path, reader, start)
            if values is None:
                return
            where = f"line {start}"
            if lines.ended:
                raise BookError(
                    f"{path}: {where}: a quoted field opened in this record is never closed "
                    f"(it runs on to the end of the file, line {reader.line_num})"
                )
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(header):
                raise BookError(
                    f"{path}: {where}: {len(values)} fields, the header has {len(header)}"
                )
            yield where, {c: values[k] for c, k in wanted}


def _first_record(path: Path, reader: Any) -> list[str]:
    header = _next_record(path, reader, 1)
    if header is None:
        raise BookError(f"{path}: empty file, expected a header row")
    return header


def _next_record(path: Path, reader: Any, start: int) -> list[str] | None:
    """The reader's next record (None at the end), its errors as `BookError`s."""
    try:
        values: list[str] = next(reader)
    except StopIteration:
        return None
    except csv.Error as exc:
        raise BookError(csv_error(path, start, reader.line_num, exc)) from exc
    except BatchInputError as exc:  # a byte that is not UTF-8, named at its line
        raise BookError(str(exc)) from None
    return values


def _parquet_rows(path: Path) -> Iterator[_Raw]:
    # pyarrow loads only for a Parquet book: `monitor run` and CSV imports start without it.
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise BookError(f"{path}: not a readable Parquet file: {exc}") from exc
    columns = _check_columns(path, parquet.schema_arrow.names)
    record = 0
    for batch in parquet.iter_batches(batch_size=CHUNK_ROWS, columns=columns):
        data = {c: batch.column(c).to_pylist() for c in columns}
        for k in range(batch.num_rows):
            record += 1
            yield f"record {record}", {c: data[c][k] for c in columns}


def _identifier_item(item: Any) -> Any:
    if isinstance(item, str):
        kind, sep, value = item.partition(":")
        if not sep:
            raise ValueError(f"identifier {item!r} is not `kind:value`")
        return {"kind": kind.strip(), "value": value.strip()}
    if isinstance(item, dict):
        return {k: v for k, v in item.items() if v is not None}
    raise ValueError(f"identifier {item!r} is neither `kind:value` nor an object")


def _identifiers(raw: Any) -> list[Any]:
    if raw is None:
        return []
    if isinstance(raw, str):
        text = raw.strip()
        if not text:
            return []
        if text.startswith("["):
            try:
                raw = json.loads(text)
            except ValueError as exc:
                raise ValueError(f"identifiers: not JSON ({exc})") from None
            if not isinstance(raw, list):
                raise ValueError("identifiers: a JSON list of objects expected")
        else:
            raw = [part for part in text.split(";") if part.strip()]
    if not isinstance(raw, list):
        raise ValueError(f"identifiers: a list expected, got {type(raw).__name__}")
    return [_identifier_item(item) for item in raw]


def _party_id(path: Path, where: str, raw: Any) -> str:
    party_id = "" if raw is None else str(raw).strip()
    if not party_id:
        raise BookError(f"{path}: {where}: empty id")
    if len(party_id) > MAX_ID_LENGTH:
        raise BookError(f"{path}: {where}: id longer than {MAX_ID_LENGTH} characters")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in party_id):
        raise BookError(f"{path}: {where}: id contains control characters")
    return party_id


def _book_row(path: Path, where: str, row: dict[str, Any]) -> BookRow:
    party_id = _party_id(path, where, row.get("id"))
    fields: dict[str, Any] = {
        k: ("" if row[k] is None else str(row[k]))
        for k in ("name", "type", "dob", "country")
        if k in row
    }
    try:
        fields["identifiers"] = _identifiers(row.get("identifiers"))
    except ValueError as exc:
        raise BookError(f"{path}: {where}: {exc}") from None
    try:
        return where, party_id, parse_party(fields, f"{path}: {where}")
    except PartyError as exc:
        raise BookError(str(exc)) from exc


def read_book(path: Path) -> Iterator[list[BookRow]]:
    """The file's rows as validated parties, in chunks of `CHUNK_ROWS`."""
    if not path.is_file():
        raise BookError(f"{path}: no such file")
    rows = _parquet_rows(path) if _is_parquet(path) else _csv_rows(path)
    seen: set[str] = set()
    chunk: list[BookRow] = []
    for where, raw in rows:
        row = _book_row(path, where, raw)
        if row[1] in seen:
            raise BookError(f"{path}: {where}: id {row[1]!r} appears a second time")
        seen.add(row[1])
        chunk.append(row)
        if len(chunk) >= CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
