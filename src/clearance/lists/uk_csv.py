"""UK HM Treasury (OFSI) Consolidated List of Targets, CSV (`sanctionsconlist.csv`, `ConList.csv`).

Layout: line 1 is `Last Updated,dd/mm/yyyy` (the publication date, padded with commas); line 2
the header (`Name 6, Name 1 .. Name 5, Title, DOB, ..., Group Type, Alias Type, Regime, Listed
On, Last Updated, Group ID`); then one row per name of a target. Columns are found by header
name, never by position, because OFSI added columns over the years (`Alias Quality`, `Name
Non-Latin Script`, ship details ...). Encoding is Windows-1252 unless the file starts with a
UTF-8 byte-order mark.

Rows sharing a `Group ID` are one target, and they are not adjacent in the published file (821
of the 2,106 groups of 13 Apr 2018 are split), so rows are folded into one small accumulator
per group and the entries are built at the end of the file. Memory grows with the number of
targets, not of rows; the whole list is a few MiB.

How the published fields land in `Entry`:

- `Group ID` is the stable id; `Group Type` Individual / Entity / Ship gives the type.
- Each row is one name. `Name 6` is the surname (or the whole name of an entity or ship),
  `Name 1` .. `Name 5` the given names: a person's name reads `SURNAME, Given Names` with
  `Name.last` / `Name.first` set. `Alias Type` `Prime Alias` (or `Primary name`) is the primary
  name, `AKA` / `Alias` / `Primary name variation` an a.k.a., `FKA` a former name; `Alias
  Quality` `Low` (newer files) makes it weak. `Name Non-Latin Script` becomes an a.k.a. in
  its script. A target whose rows repeat the prime alias (one row per date of birth) keeps it
  once.
- `Regime` values are the programs; the earliest `Listed On` is `listed_on`.
- `DOB` `dd/mm/yyyy` with `00` for an unknown day or month becomes an ISO prefix
  (`00/00/1980` -> `1980`, `00/05/1980` -> `1980-05`).
- `Nationality` and address `Country` resolve to ISO alpha-2 for `countries`; numbered
  enumerations (`(1) Somali (2) Swedish`, `a) French, b) Tunisian`) are split first. The
  texts as published stay in `properties`.
- `Address 1` .. `Address 6` are free lines (line 6 is sometimes a city, sometimes a province),
  so they are kept in order as the street text; `Post/Zip Code` and `Country` have fields.
- `Passport Details` and `NI Number` are free text and become identifiers as published.
- `Other Information` is the remarks; `Title`, `Position`, `Nationality` (as published), `Last
  Updated` and every column this module does not know go to `properties` under their header
  name in snake case (`last_updated`).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import BinaryIO

from clearance.lists.base import (
    CsvReader,
    FoldedFacts,
    csv_records,
    decoded_lines,
    parse_dmy,
    sha256_of_files,
    starts_with_bom,
)
from clearance.lists.countries import country_code
from clearance.lists.errors import ListFormatError
from clearance.model import (
    Address,
    Entry,
    EntryType,
    Identifier,
    ListSource,
    Name,
    NameKind,
    ParsedList,
)
from clearance.names.scripts import detect_script

__all__ = ["UkRow", "iter_rows", "parse"]

ENCODING = "cp1252"
_REQUIRED = ("Name 6", "Group Type", "Alias Type", "Regime", "Group ID")
_GIVEN_NAMES = ("Name 1", "Name 2", "Name 3", "Name 4", "Name 5")
_ADDRESS_LINES = ("Address 1", "Address 2", "Address 3", "Address 4", "Address 5", "Address 6")
_GROUP_TYPES = {
    "individual": EntryType.PERSON,
    "entity": EntryType.ORGANIZATION,
    "ship": EntryType.VESSEL,
}
_ALIAS_TYPES = {
    "prime alias": NameKind.PRIMARY,
    "primary name": NameKind.PRIMARY,
    "aka": NameKind.AKA,
    "alias": NameKind.AKA,
    "primary name variation": NameKind.AKA,
    "fka": NameKind.FKA,
}
# Columns consumed into Entry fields; every other non-empty column is kept in `properties`.
_MAPPED = {
    *_REQUIRED,
    *_GIVEN_NAMES,
    *_ADDRESS_LINES,
    "DOB",
    "Town of Birth",
    "Country of Birth",
    "Passport Details",
    "NI Number",
    "Post/Zip Code",
    "Country",
    "Other Information",
    "Listed On",
    "Alias Quality",
    "Name Non-Latin Script",
}
_KIND_ORDER = {NameKind.PRIMARY: 0, NameKind.AKA: 1, NameKind.FKA: 2, NameKind.WEAK: 3}
_DOB = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")
# The date holds no comma: `(\S+?)\s*,*\s*$` backtracked quadratically on a run of commas.
_FIRST_LINE = re.compile(r"^Last Updated\s*,\s*([^\s,]+)[\s,]*$")
# `(1)`, `1)`, `a)`, `(a)`: markers of a numbered enumeration inside one field.
_ENUM_MARK = re.compile(r"(?:^|\s|,|;)\(?(?:\d{1,2}|[a-h])\)(?:-\(?\d{1,2}\))?\s*", re.IGNORECASE)
_PARENTHESIS = re.compile(r"\([^()]*\)")


@dataclass(frozen=True, slots=True)
class UkRow:
    """One data row: its 1-based line in the file and its non-empty cells by header name."""

    line: int
    cells: dict[str, str]

    def get(self, column: str) -> str:
        return self.cells.get(column, "")


# --- reading ---------------------------------------------------------------------------------


def _read_published(first: list[str], path: Path) -> date:
    text = ",".join(first)
    match = _FIRST_LINE.match(text)
    if not match:
        raise ListFormatError(
            str(path), f"line 1 must read 'Last Updated,dd/mm/yyyy', not {text[:60]!r}", line=1
        )
    return parse_dmy(match.group(1), str(path), line=1)


def _open_rows(path: Path) -> tuple[date, list[str], Iterator[UkRow]]:
    """Publication date, header, and a lazy iterator over the data rows of `path`."""
    handle = path.open("rb")
    try:
        encoding = "utf-8" if starts_with_bom(path) else ENCODING
        lines = decoded_lines(handle, path, encoding, text_kind="Windows-1252 text file")
        reader: CsvReader = csv.reader(lines, strict=True)
        published = _read_published(_next_record(reader, path), path)
        header = [h.strip() for h in _next_record(reader, path)]
        missing = [c for c in _REQUIRED if c not in header]
        if missing:
            raise ListFormatError(str(path), f"header lacks column(s) {', '.join(missing)}", line=2)
    except BaseException:
        handle.close()
        raise
    return published, header, _rows(handle, reader, header, path)


def _next_record(reader: CsvReader, path: Path) -> list[str]:
    try:
        return next(reader)
    except StopIteration:
        raise ListFormatError(
            str(path), "file ends before the header", line=max(reader.line_num, 1)
        ) from None
    except csv.Error as exc:
        raise ListFormatError(str(path), f"malformed CSV: {exc}", line=reader.line_num) from exc


def _rows(handle: BinaryIO, reader: CsvReader, header: list[str], path: Path) -> Iterator[UkRow]:
    for line, record in csv_records(handle, reader, len(header), path):
        cells = {h: v.strip() for h, v in zip(header, record, strict=True) if v.strip()}
        yield UkRow(line=line, cells=cells)


def iter_rows(path: Path) -> Iterator[UkRow]:
    """Every data row of a UK consolidated CSV (for inspection and tests)."""
    return _open_rows(path)[2]


# --- folding rows into entries ---------------------------------------------------------------


@dataclass(slots=True)
class _Target(FoldedFacts):
    """What the rows of one Group ID have said so far."""

    group_id: str
    type: EntryType
    first_line: int
    names: dict[tuple[str, NameKind], Name] = field(default_factory=dict)
    primary: Name | None = None

    def add_name(self, name: Name) -> None:
        if name.kind is NameKind.PRIMARY:
            if self.primary is None:
                self.primary = name
            elif name.name != self.primary.name:
                # Two different prime aliases: the first stays primary, the other is an a.k.a.
                name = Name(name.name, NameKind.AKA, name.script, name.first, name.last)
        key = (name.name, name.kind)
        if key not in self.names:
            self.names[key] = name

    def entry(self, path: Path) -> Entry:
        if self.primary is None:
            raise ListFormatError(
                str(path),
                "target has no 'Prime Alias' row",
                line=self.first_line,
                record=self.group_id,
            )
        others = sorted(
            (n for n in self.names.values() if n is not self.primary),
            key=lambda n: (_KIND_ORDER[n.kind], n.name),
        )
        return self.build_entry(
            ListSource.UK_HMT,
            self.group_id,
            self.type,
            (self.primary, *others),
            self.listed_on,
        )


def parse(path: Path) -> ParsedList:
    """Parse a UK consolidated CSV; entries are built lazily (errors surface while iterating)."""
    published, _header, rows = _open_rows(path)
    return ParsedList(
        source=ListSource.UK_HMT,
        published=published,
        files=(str(path),),
        sha256=sha256_of_files([path]),
        entries=_entries(rows, path),
    )


def _entries(rows: Iterator[UkRow], path: Path) -> Iterator[Entry]:
    targets: dict[str, _Target] = {}
    for row in rows:
        _fold(row, targets, path)
    for target in targets.values():
        yield target.entry(path)


def _fold(row: UkRow, targets: dict[str, _Target], path: Path) -> None:
    group_id = row.get("Group ID")
    if not group_id:
        raise ListFormatError(str(path), "row without a Group ID", line=row.line)
    group_type = _GROUP_TYPES.get(row.get("Group Type").casefold())
    if group_type is None:
        raise ListFormatError(
            str(path),
            f"unknown Group Type {row.get('Group Type')!r}",
            line=row.line,
            record=group_id,
        )
    target = targets.get(group_id)
    if target is None:
        target = targets[group_id] = _Target(group_id, group_type, row.line)
    elif target.type is not group_type:
        raise ListFormatError(
            str(path),
            f"Group Type {row.get('Group Type')!r} differs from the group's earlier rows",
            line=row.line,
            record=group_id,
        )
    for name in _row_names(row, group_type, path):
        target.add_name(name)
    regime = " ".join(row.get("Regime").split())
    if regime:
        target.programs.add(regime)
    listed = row.get("Listed On")
    if listed:
        listed_on = parse_dmy(listed, str(path), line=row.line)
        target.listed_on = min(target.listed_on or listed_on, listed_on)
    dob = row.get("DOB")
    if dob:
        target.birth_dates.add(_dob_prefix(dob, path, row.line))
    place = ", ".join(p for p in (row.get("Town of Birth"), row.get("Country of Birth")) if p)
    if place:
        target.birth_places.add(place)
    nationality = row.get("Nationality")
    target.countries.update(_countries_in(nationality))
    address = _address(row)
    if address is not None:
        target.addresses.add(address)
        if address.country_code:
            target.countries.add(address.country_code)
    if row.get("Passport Details"):
        target.identifiers.add(Identifier("Passport", row.get("Passport Details")))
    if row.get("NI Number"):
        target.identifiers.add(Identifier("National Identification Number", row.get("NI Number")))
    remark = row.get("Other Information")
    if remark and remark not in target.remarks:
        target.remarks.append(remark)
    for column, value in row.cells.items():
        if column not in _MAPPED:
            target.keep(_property_key(column), value)


def _row_names(row: UkRow, group_type: EntryType, path: Path) -> list[Name]:
    alias_type = row.get("Alias Type")
    kind = _ALIAS_TYPES.get(alias_type.casefold())
    if kind is None:
        raise ListFormatError(
            str(path),
            f"unknown Alias Type {alias_type!r}",
            line=row.line,
            record=row.get("Group ID"),
        )
    if row.get("Alias Quality").casefold() == "low" and kind is not NameKind.PRIMARY:
        kind = NameKind.WEAK
    surname = " ".join(row.get("Name 6").split())
    given = " ".join(" ".join(row.get(c) for c in _GIVEN_NAMES).split())
    if group_type is EntryType.PERSON:
        text = f"{surname}, {given}" if surname and given else surname or given
        name = Name(text, kind, detect_script(text), given or None, surname or None)
    else:
        text = " ".join(p for p in (given, surname) if p)
        name = Name(text, kind, detect_script(text))
    if not text:
        raise ListFormatError(
            str(path),
            "row without a name (Name 1 .. Name 6 empty)",
            line=row.line,
            record=row.get("Group ID"),
        )
    names = [name]
    original = " ".join(row.get("Name Non-Latin Script").split())
    if original:
        names.append(Name(original, NameKind.AKA, detect_script(original)))
    return names


def _property_key(column: str) -> str:
    """`Last Updated` -> `last_updated`, `Post/Zip Code` -> `post_zip_code`."""
    return "_".join(re.findall(r"[a-z0-9]+", column.casefold()))


def _dob_prefix(text: str, path: Path, line: int) -> str:
    """`dd/mm/yyyy` with `00` for unknown parts -> `yyyy`, `yyyy-mm` or `yyyy-mm-dd`."""
    match = _DOB.match(text)
    if not match:
        raise ListFormatError(str(path), f"DOB is not dd/mm/yyyy: {text!r}", line=line)
    day, month, year = match.groups()
    if month == "00":
        if day != "00":
            raise ListFormatError(str(path), f"DOB has a day but no month: {text!r}", line=line)
        return year
    if day == "00":
        if not 1 <= int(month) <= 12:
            raise ListFormatError(str(path), f"DOB month out of range: {text!r}", line=line)
        return f"{year}-{month}"
    return parse_dmy(text, str(path), line=line).isoformat()


def _countries_in(text: str) -> set[str]:
    """ISO alpha-2 codes named in a free-text country field, which may enumerate several."""
    if not text:
        return set()
    parts = _ENUM_MARK.split(text)
    if len(parts) == 1:
        # Not `\s*[;/]\s*`: on a long run of blanks that backtracks quadratically (make fuzz).
        parts = [part.strip() for part in re.split(r"[;/]", text)]
    codes: set[str] = set()
    for part in parts:
        part = part.strip(" ,;.-")
        # Short lowercase leftovers of an enumeration (`to` in `(1) to (6) Algeria`, `and`)
        # are ISO codes of other countries (Tonga, Andorra); only capitals abbreviate (`DRC`).
        if len(part) <= 3 and not part.isupper():
            continue
        code = country_code(part) or country_code(_PARENTHESIS.sub(" ", part))
        if code:
            codes.add(code)
    return codes


def _address(row: UkRow) -> Address | None:
    lines = [" ".join(row.get(c).split()) for c in _ADDRESS_LINES]
    street = ", ".join(line for line in lines if line) or None
    postal_code = row.get("Post/Zip Code") or None
    country = row.get("Country") or None
    if not (street or postal_code or country):
        return None
    codes = _countries_in(country) if country else set()
    return Address(
        street=street,
        postal_code=postal_code,
        country=country,
        country_code=next(iter(codes)) if len(codes) == 1 else None,
    )
