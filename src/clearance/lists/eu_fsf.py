"""EU Financial Sanctions Files (FSF), consolidated list as `;`-separated CSV.

Two layouts are read, told apart by the header (columns are found by name, never position):

- **v1.0** (the 2018 file): `Date_file; Entity_logical_id; Subject_type; Leba_numtitle;
  Leba_publication_date; Leba_url; Programme; Entity_remark; Naal_*; Addr_*; Birt_*; Iden_*;
  Citi_*; EU_ref_num`. `Entity_logical_id` repeats inside every section; the first one counts.
- **v1.1** (the current file): `fileGenerationDate; Entity_LogicalId;
  Entity_EU_ReferenceNumber; ...; Entity_SubjectType; Entity_Regulation_*; NameAlias_*;
  Address_*; BirthDate_*; Identification_*; Citizenship_*`, UTF-8 with a byte-order mark.

Both are one row per fact: every row repeats the entity columns and fills one (v1.0) or
several (v1.1) sections. Rows sharing the logical id are one entry; they are folded into one
small accumulator per entity, so rows need not be adjacent. Encoding: UTF-8 (a BOM is
skipped); a line that is not UTF-8 is an error naming it.

**The damaged copy in shared data** (`eu/samples/2018-07-04_fsf_csv_first1000lines.csv`) went
through a tool that split every line on commas, rejoined the pieces with tabs, padded each line
with tabs to 32 pieces, wrapped it in double quotes (doubling inner quotes), wrote it as
Windows-1252 (characters outside it became `?`) and renamed the first header cell
`Date_filexxxx`. Every line of it has exactly 31 tabs (inner plus padding), which is how the
repair below is known to be right: when the header line starts with `"Date_file`, each line is
unquoted, its trailing tabs dropped and its inner tabs turned back into commas; the file is
read as Windows-1252; and names containing `?` (characters lost by that tool) are dropped.

How the published fields land in `Entry`:

- the logical id is `source_id`; subject type `P`/`person` is a person, `E`/`enterprise` an
  organization; `Programme` values are the programs; regulation titles, the EU reference
  (`EU.27.28`), UN id, gender, title and function go to `properties`.
- `listed_on`: the earliest designation date (v1.1), else the earliest publication date of
  the entity's legal bases (v1.0 publishes no designation date; the first regulation naming an
  entity is the one that listed it).
- names: whole name (or first/middle/last joined); there is no primary flag, so the primary
  name is the one without a language (the original, not a translation) with the lowest name
  logical id; the others are a.k.a.s. Script is detected from the text.
- birth dates `yyyy-mm-dd` with `00` for unknown parts become ISO prefixes (`N/A` is no date);
  birth places and countries (alpha-3 in v1.0, alpha-2 in v1.1) resolve to ISO alpha-2.
- v1.0 packs the document type into the number (`AD001095 (passport-National passport)
  ((passport))`): that becomes kind `National passport`, value `AD001095`, the rest remarks.
- citizenship and address countries form `countries`; the entity remark (with its literal
  `\\n` turned into line breaks) is `remarks`.
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
    parse_iso_date,
    sha256_of_files,
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

__all__ = ["EuRow", "iter_rows", "parse"]

_DAMAGED_MARK = b'"Date_file'
_SUBJECT_TYPES = {
    "p": EntryType.PERSON,
    "person": EntryType.PERSON,
    "e": EntryType.ORGANIZATION,
    "enterprise": EntryType.ORGANIZATION,
}
# Logical field -> column name, per layout. A field missing from a layout is simply never set.
_V10 = {
    "date_file": "Date_file",
    "entity_id": "Entity_logical_id",
    "subject_type": "Subject_type",
    "regulation": "Leba_numtitle",
    "regulation_date": "Leba_publication_date",
    "programme": "Programme",
    "remark": "Entity_remark",
    "eu_reference": "EU_ref_num",
    "name_id": "Naal_logical_id",
    "name_last": "Naal_lastname",
    "name_first": "Naal_firstname",
    "name_middle": "Naal_middlename",
    "name_whole": "Naal_wholename",
    "name_gender": "Naal_gender",
    "name_title": "Naal_title",
    "name_function": "Naal_function",
    "name_language": "Naal_language",
    "address_number": "Addr_number",
    "address_street": "Addr_street",
    "address_zip": "Addr_zipcode",
    "address_city": "Addr_city",
    "address_country_code": "Addr_country",
    "address_other": "Addr_other",
    "birth_date": "Birt_date",
    "birth_place": "Birt_place",
    "birth_country_code": "Birt_country",
    "id_number": "Iden_number",
    "id_country_code": "Iden_country",
    "citizenship_code": "Citi_country",
}
_V11 = {
    "date_file": "fileGenerationDate",
    "entity_id": "Entity_LogicalId",
    "subject_type": "Entity_SubjectType",
    "subject_code": "Entity_SubjectType_ClassificationCode",
    "regulation": "Entity_Regulation_NumberTitle",
    "regulation_date": "Entity_Regulation_PublicationDate",
    "designation_date": "Entity_DesignationDate",
    "designation_details": "Entity_DesignationDetails",
    "programme": "Entity_Regulation_Programme",
    "remark": "Entity_Remark",
    "eu_reference": "Entity_EU_ReferenceNumber",
    "un_id": "Entity_UnitedNationId",
    "name_id": "NameAlias_LogicalId",
    "name_last": "NameAlias_LastName",
    "name_first": "NameAlias_FirstName",
    "name_middle": "NameAlias_MiddleName",
    "name_whole": "NameAlias_WholeName",
    "name_gender": "NameAlias_Gender",
    "name_title": "NameAlias_Title",
    "name_function": "NameAlias_Function",
    "name_language": "NameAlias_NameLanguage",
    "address_street": "Address_Street",
    "address_po_box": "Address_PoBox",
    "address_zip": "Address_ZipCode",
    "address_city": "Address_City",
    "address_region": "Address_Region",
    "address_place": "Address_Place",
    "address_country_code": "Address_CountryIso2Code",
    "address_country": "Address_CountryDescription",
    "address_other": "Address_Remark",
    "birth_date": "BirthDate_BirthDate",
    "birth_day": "BirthDate_Day",
    "birth_month": "BirthDate_Month",
    "birth_year": "BirthDate_Year",
    "birth_year_from": "BirthDate_YearRangeFrom",
    "birth_year_to": "BirthDate_YearRangeTo",
    "birth_place": "BirthDate_Place",
    "birth_city": "BirthDate_City",
    "birth_country_code": "BirthDate_CountryIso2Code",
    "birth_country": "BirthDate_CountryDescription",
    "id_number": "Identification_Number",
    "id_type": "Identification_TypeDescription",
    "id_country_code": "Identification_CountryIso2Code",
    "id_remark": "Identification_Remark",
    "citizenship_code": "Citizenship_CountryIso2Code",
    "citizenship": "Citizenship_CountryDescription",
}
_BIRTH_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_NO_DATE = {"n/a", "na", "unknown", "00/00/0000", "0000-00-00"}
# `AD001095 (passport-National passport) ((passport))`: number, (type code-description), rest.
_PACKED_ID = re.compile(r"^(?P<number>.+?)\s+\((?P<code>[a-z]+)-(?P<kind>[^()]+)\)\s*(?P<rest>.*)$")
_ASCII_NUMBER = re.compile(r"^[0-9]{1,18}$")
# A year range wider than this is a corrupted year, not an uncertain birth date.
MAX_YEAR_SPAN = 50


@dataclass(frozen=True, slots=True)
class EuRow:
    """One data row: its 1-based line and its non-empty cells by logical field name."""

    line: int
    cells: dict[str, str]

    def get(self, key: str) -> str:
        return self.cells.get(key, "")


# --- reading ---------------------------------------------------------------------------------


def _is_damaged(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(_DAMAGED_MARK)) == _DAMAGED_MARK


def _unwrap(text: str, path: Path, line: int) -> str:
    body = text.rstrip("\r\n")
    if not body:
        return text
    if len(body) < 2 or body[0] != '"' or body[-1] != '"':
        raise ListFormatError(
            str(path), "line is not wrapped in quotes like the rest of this damaged copy", line=line
        )
    return body[1:-1].replace('""', '"').rstrip("\t").replace("\t", ",") + "\n"


def _layout(header: list[str], path: Path) -> dict[str, int]:
    """Logical field -> column index, for whichever layout the header is."""
    first = header[0] if header else ""
    if first.startswith("Date_file"):  # the damaged copy reads `Date_filexxxx`
        names = _V10
    elif first == "fileGenerationDate":
        names = _V11
    else:
        raise ListFormatError(
            str(path),
            f"not an EU FSF CSV header (starts {first[:30]!r}, expected Date_file or "
            "fileGenerationDate)",
            line=1,
        )
    position: dict[str, int] = {}
    for index, column in enumerate(header[1:], start=1):
        position.setdefault(column, index)  # v1.0 repeats Entity_logical_id per section
    position[names["date_file"]] = 0
    missing = [names[k] for k in ("entity_id", "subject_type") if names[k] not in position]
    if missing:
        raise ListFormatError(str(path), f"header lacks column(s) {', '.join(missing)}", line=1)
    return {key: position[column] for key, column in names.items() if column in position}


def _open_rows(path: Path) -> tuple[bool, Iterator[EuRow]]:
    damaged = _is_damaged(path)
    handle = path.open("rb")
    try:
        # The damaged copy was written as Windows-1252; see the module docstring.
        lines = decoded_lines(
            handle,
            path,
            "cp1252" if damaged else "utf-8",
            repair=(lambda text, line: _unwrap(text, path, line)) if damaged else None,
        )
        reader: CsvReader = csv.reader(lines, delimiter=";", strict=True)
        try:
            header = next(reader)
        except StopIteration:
            raise ListFormatError(str(path), "empty file", line=1) from None
        except csv.Error as exc:
            raise ListFormatError(str(path), f"malformed CSV: {exc}", line=1) from exc
        fields = _layout([h.strip() for h in header], path)
    except BaseException:
        handle.close()
        raise
    return damaged, _rows(handle, reader, len(header), fields, path)


def _rows(
    handle: BinaryIO, reader: CsvReader, width: int, fields: dict[str, int], path: Path
) -> Iterator[EuRow]:
    for line, record in csv_records(handle, reader, width, path):
        cells = {k: v for k, i in fields.items() if (v := " ".join(record[i].split()))}
        yield EuRow(line=line, cells=cells)


def iter_rows(path: Path) -> Iterator[EuRow]:
    """Every data row of an EU FSF CSV, cells keyed by logical field (for inspection, tests)."""
    return _open_rows(path)[1]


# --- folding rows into entries ---------------------------------------------------------------


@dataclass(slots=True)
class _Subject(FoldedFacts):
    """What the rows of one logical id have said so far."""

    entity_id: str
    type: EntryType
    first_line: int
    # (no language?, name logical id, first line) -> Name; the smallest key is the primary.
    names: dict[str, tuple[tuple[int, int, int], Name]] = field(default_factory=dict)
    designated_on: date | None = None

    def entry(self, path: Path) -> Entry:
        if not self.names:
            raise ListFormatError(
                str(path), "entity has no name row", line=self.first_line, record=self.entity_id
            )
        ranked = sorted(self.names.values(), key=lambda item: item[0])
        primary = ranked[0][1]
        others = sorted(
            (Name(n.name, NameKind.AKA, n.script, n.first, n.last) for _, n in ranked[1:]),
            key=lambda n: n.name,
        )
        return self.build_entry(
            ListSource.EU_FSF,
            self.entity_id,
            self.type,
            (
                Name(primary.name, NameKind.PRIMARY, primary.script, primary.first, primary.last),
                *others,
            ),
            self.designated_on or self.listed_on,
        )


def parse(path: Path) -> ParsedList:
    """Parse an EU FSF CSV; entries are built lazily (errors surface while iterating)."""
    damaged, rows = _open_rows(path)
    try:
        first = next(rows)
    except StopIteration:
        raise ListFormatError(str(path), "no data rows after the header") from None
    published = _file_date(first, path)
    return ParsedList(
        source=ListSource.EU_FSF,
        published=published,
        files=(str(path),),
        sha256=sha256_of_files([path]),
        entries=_entries(first, rows, damaged, path),
    )


def _file_date(row: EuRow, path: Path) -> date:
    text = row.get("date_file")
    if not text:
        raise ListFormatError(str(path), "first data row has no file date", line=row.line)
    if "-" in text:
        return parse_iso_date(text, str(path), line=row.line)
    return parse_dmy(text, str(path), line=row.line)


def _entries(first: EuRow, rows: Iterator[EuRow], damaged: bool, path: Path) -> Iterator[Entry]:
    subjects: dict[str, _Subject] = {}
    _fold(first, subjects, damaged, path)
    for row in rows:
        _fold(row, subjects, damaged, path)
    for subject in subjects.values():
        yield subject.entry(path)


def _fold(row: EuRow, subjects: dict[str, _Subject], damaged: bool, path: Path) -> None:
    entity_id = row.get("entity_id")
    if not entity_id:
        raise ListFormatError(str(path), "row without an entity logical id", line=row.line)
    subject_type = _subject_type(row, path)
    subject = subjects.get(entity_id)
    if subject is None:
        subject = subjects[entity_id] = _Subject(entity_id, subject_type, row.line)
    elif subject.type is not subject_type:
        raise ListFormatError(
            str(path),
            "subject type differs from the entity's earlier rows",
            line=row.line,
            record=entity_id,
        )
    _entity_facts(row, subject, path)
    _name(row, subject, damaged, path)
    _address(row, subject)
    _birth(row, subject, path)
    _identification(row, subject)
    citizenship = _country(row.get("citizenship_code")) or _country(row.get("citizenship"))
    if citizenship:
        subject.countries.add(citizenship)


def _subject_type(row: EuRow, path: Path) -> EntryType:
    for key in ("subject_type", "subject_code"):
        found = _SUBJECT_TYPES.get(row.get(key).casefold())
        if found is not None:
            return found
    raise ListFormatError(
        str(path),
        f"unknown subject type {row.get('subject_type')!r}",
        line=row.line,
        record=row.get("entity_id"),
    )


def _entity_facts(row: EuRow, subject: _Subject, path: Path) -> None:
    if row.get("programme"):
        subject.programs.add(row.get("programme"))
    subject.keep("regulation", row.get("regulation"))
    subject.keep("eu_reference", row.get("eu_reference"))
    subject.keep("un_id", row.get("un_id"))
    subject.keep("designation_details", row.get("designation_details"))
    remark = row.get("remark").replace("\\n", "\n")
    if remark and remark not in subject.remarks:
        subject.remarks.append(remark)
    if row.get("regulation_date"):
        published = parse_iso_date(row.get("regulation_date"), str(path), line=row.line)
        subject.listed_on = min(subject.listed_on or published, published)
    if row.get("designation_date"):
        designated = parse_iso_date(row.get("designation_date"), str(path), line=row.line)
        subject.designated_on = min(subject.designated_on or designated, designated)


def _name(row: EuRow, subject: _Subject, damaged: bool, path: Path) -> None:
    first, middle, last = row.get("name_first"), row.get("name_middle"), row.get("name_last")
    whole = row.get("name_whole") or " ".join(p for p in (first, middle, last) if p)
    if not whole:
        return
    subject.keep("gender", row.get("name_gender"))
    subject.keep("title", row.get("name_title"))
    subject.keep("function", row.get("name_function"))
    if damaged and "?" in whole:
        return  # a character the damaging tool could not encode: the name is unreliable
    name_id = row.get("name_id")
    rank = (
        0 if row.get("name_language").casefold() in ("", "en") else 1,
        int(name_id) if _ASCII_NUMBER.match(name_id) else 1 << 62,
        row.line,
    )
    name = Name(whole, NameKind.AKA, detect_script(whole), first or None, last or None)
    known = subject.names.get(whole)
    if known is None or rank < known[0]:
        subject.names[whole] = (rank, name)


def _country(code_or_name: str) -> str | None:
    return country_code(code_or_name) if code_or_name else None


def _address(row: EuRow, subject: _Subject) -> None:
    street = " ".join(
        p
        for p in (row.get("address_number"), row.get("address_street"), row.get("address_po_box"))
        if p
    )
    city = ", ".join(p for p in (row.get("address_city"), row.get("address_place")) if p)
    published_country = row.get("address_country") or row.get("address_country_code")
    parts = (street, city, row.get("address_zip"), row.get("address_region"), published_country)
    if not any(parts):
        return
    code = _country(row.get("address_country_code")) or _country(row.get("address_country"))
    subject.addresses.add(
        Address(
            street=street or None,
            city=city or None,
            region=row.get("address_region") or None,
            postal_code=row.get("address_zip") or None,
            country=published_country or None,
            country_code=code,
            remarks=row.get("address_other") or None,
        )
    )
    if code:
        subject.countries.add(code)


def _birth(row: EuRow, subject: _Subject, path: Path) -> None:
    text = row.get("birth_date")
    if text:
        prefix = _birth_prefix(text, path, row.line)
        if prefix:
            subject.birth_dates.add(prefix)
    elif row.get("birth_year"):
        parts = (row.get("birth_year"), row.get("birth_month"), row.get("birth_day"))
        joined = "-".join(p.zfill(2) if i else p for i, p in enumerate(parts) if p)
        prefix = _birth_prefix(joined, path, row.line)
        if prefix:
            subject.birth_dates.add(prefix)
    elif row.get("birth_year_from") and row.get("birth_year_to"):
        subject.birth_dates.update(
            _year_range(row.get("birth_year_from"), row.get("birth_year_to"), path, row.line)
        )
    place = ", ".join(
        p
        for p in (
            row.get("birth_place"),
            row.get("birth_city"),
            row.get("birth_country") or row.get("birth_country_code"),
        )
        if p
    )
    if place:
        subject.birth_places.add(place)


def _birth_prefix(text: str, path: Path, line: int) -> str | None:
    """`yyyy-mm-dd` with `00` for unknown parts -> ISO prefix; `N/A` -> None."""
    if text.casefold() in _NO_DATE:
        return None
    match = _BIRTH_DATE.match(text)
    if not match:
        raise ListFormatError(str(path), f"birth date is not yyyy-mm-dd: {text!r}", line=line)
    year, month, day = match.groups()
    if not month or month == "00":
        if day and day != "00":
            raise ListFormatError(str(path), f"birth date has a day but no month: {text!r}", line)
        return year
    if not day or day == "00":
        if not 1 <= int(month) <= 12:
            raise ListFormatError(str(path), f"birth month out of range: {text!r}", line=line)
        return f"{year}-{month}"
    return parse_iso_date(text, str(path), line=line).isoformat()


def _year_range(first: str, last: str, path: Path, line: int) -> list[str]:
    if not (_ASCII_NUMBER.match(first) and _ASCII_NUMBER.match(last)) or not (
        0 <= int(last) - int(first) <= MAX_YEAR_SPAN
    ):
        raise ListFormatError(str(path), f"bad birth year range {first}-{last}", line=line)
    return [str(year) for year in range(int(first), int(last) + 1)]


def _identification(row: EuRow, subject: _Subject) -> None:
    number = row.get("id_number")
    if not number:
        return
    kind = row.get("id_type") or "Identification"
    remarks = row.get("id_remark") or None
    packed = _PACKED_ID.match(number)
    if packed and not row.get("id_type"):
        number, kind = packed["number"], packed["kind"].strip()
        remarks = packed["rest"].strip() or None
    code = _country(row.get("id_country_code"))
    subject.identifiers.add(
        Identifier(
            kind=kind,
            value=number,
            country=code or row.get("id_country_code") or None,
            remarks=remarks,
        )
    )
