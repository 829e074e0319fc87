"""OFAC legacy CSV sets: the SDN list (`sdn.csv` + `add.csv`, `alt.csv`, `sdn_comments.csv`)
and the Consolidated non-SDN list (`cons_prim.csv` + `cons_add.csv`, `cons_alt.csv`,
`cons_comments.csv`). Both sets share one layout.

`parse(path)` takes the folder holding the set, or the main file itself (the side files are
then looked for beside it under their standard names). Side files are optional: many published
snapshots are `sdn.csv` alone, and an empty side file is valid.

The format, as OFAC publishes it: no header; comma separated; text fields quoted with `"`; a
null field is the unquoted literal `-0- `; Windows-1252 bytes; CRLF line ends and a Ctrl-Z
(0x1A) as the very last byte. Copies normalized by third parties (LF ends, no Ctrl-Z, trailing
spaces trimmed so that the last null reads `-0-` or `-0`) are read the same way.

How rows become entries:

- `sdn.csv`: entity number (`source_id`), name, type (`individual` → person, `vessel`,
  `aircraft`, null → organization), programs (`A] [B` → `("A", "B")`), then title, call sign,
  vessel type, tonnage, gross registered tonnage, vessel flag and vessel owner (into
  `properties` when present), and remarks.
- `sdn_comments.csv` continues a remarks text that `sdn.csv` cut mid-word, so the two are
  joined without a separator. The whole text is `Entry.remarks`; `ofac_remarks.mine_remarks`
  reads dates and places of birth, nationalities, documents, links and weak aliases from it.
- `alt.csv` aliases: `aka` and `nka` (now known as) → NameKind.AKA, `fka` → NameKind.FKA.
  Individuals' names are published `LAST, First`; the parts go to `Name.last` / `Name.first`.
- `add.csv` addresses: street, then "city, state/province, postal code" as one field (kept in
  `Address.city` as published, since OFAC does not mark the parts), country (also resolved to
  ISO alpha-2). Rows with every field null (OFAC writes one for each entry without an address)
  are dropped.
- `Entry.countries`: nationalities and citizenships from the remarks, then address countries.
- `Linked To: NAME` relations get the linked entry's number as `target_id` when exactly one
  entry of the same file carries that name.

Errors: malformed input raises `ListFormatError` naming the file and line: a row with the wrong
number of fields, an unterminated or stray quote (a file cut short mid-row), a non-numeric
entity number, a repeated entity number in the main file, an unknown entity type or alias type,
an unexpected unquoted value, control bytes (NUL and the like, which no text file holds), data
after the Ctrl-Z end marker, or an empty main file. All of that is checked when `parse` runs,
before the first entry is produced.

Side-file rows whose entity number is not in the main file are skipped, with one warning per
file on the `clearance.lists.ofac_csv` logger, as long as they are few (ORPHAN_TOLERANCE): OFAC
publishes the four files as separate downloads, so a set fetched while OFAC was updating can mix
two states. Many of them mean a main file cut short, which would put its missing entries out of
force: the set is refused (`ListFormatError` naming the side file and the first such row). A line
longer than MAX_FIELD_CHARS is refused too.

`ParsedList.doubts` says when the main file lacks the Ctrl-Z end marker: not an error (copies
normalized by others lack it), but supporting evidence when the store finds far fewer entries
than the previous version had.
"""

from __future__ import annotations

import codecs
import logging
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from clearance.lists.base import check_field_size, sha256_of_files
from clearance.lists.countries import country_code
from clearance.lists.errors import ListFormatError
from clearance.lists.ofac_remarks import LATIN, mine_remarks, strip_sentence_period
from clearance.model import (
    Address,
    Entry,
    EntryType,
    ListPart,
    ListSource,
    Name,
    NameKind,
    ParsedList,
    Relation,
)

__all__ = ["parse"]

log = logging.getLogger(__name__)


# --- which files ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Layout:
    source: ListSource
    main: str
    addresses: str
    aliases: str
    comments: str


_LAYOUTS = (
    _Layout(ListSource.OFAC_SDN, "sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv"),
    _Layout(
        ListSource.OFAC_CONS, "cons_prim.csv", "cons_add.csv", "cons_alt.csv", "cons_comments.csv"
    ),
)


@dataclass(frozen=True, slots=True)
class _FileSet:
    source: ListSource
    main: Path
    addresses: Path | None = None
    aliases: Path | None = None
    comments: Path | None = None

    @property
    def paths(self) -> tuple[Path, ...]:
        side = (self.addresses, self.aliases, self.comments)
        return (self.main, *(p for p in side if p is not None))


def _find(folder: Path, name: str) -> Path | None:
    """`folder/name`, matching the name without regard to case."""
    exact = folder / name
    if exact.is_file():
        return exact
    for candidate in folder.iterdir():
        if candidate.name.lower() == name and candidate.is_file():
            return candidate
    return None


def _locate(path: Path) -> _FileSet:
    if not path.exists():
        raise ListFormatError(str(path), "no such file or folder")
    if path.is_dir():
        for layout in _LAYOUTS:
            main = _find(path, layout.main)
            if main is not None:
                return _with_side_files(layout, main)
        raise ListFormatError(str(path), "holds neither sdn.csv nor cons_prim.csv")
    name = path.name.lower()
    for layout in _LAYOUTS:
        if name == layout.main:
            return _with_side_files(layout, path)
        if name in (layout.addresses, layout.aliases, layout.comments):
            main = _find(path.parent, layout.main)
            if main is None:
                raise ListFormatError(
                    str(path), f"is a side file, but {layout.main} is not beside it"
                )
            return _with_side_files(layout, main)
    # A renamed main file (`sdn-2024-05-03.csv`): read it alone, since side files with the
    # standard names beside it may belong to another date.
    source = ListSource.OFAC_CONS if "cons" in name else ListSource.OFAC_SDN
    return _FileSet(source, path)


def _with_side_files(layout: _Layout, main: Path) -> _FileSet:
    folder = main.parent
    return _FileSet(
        layout.source,
        main,
        _find(folder, layout.addresses),
        _find(folder, layout.aliases),
        _find(folder, layout.comments),
    )


# --- rows -------------------------------------------------------------------------------------


def _decoding_table() -> str:
    """Windows-1252, with Latin-1 for the five bytes Windows-1252 leaves undefined."""
    chars = []
    for byte in range(256):
        try:
            chars.append(bytes([byte]).decode("cp1252"))
        except UnicodeDecodeError:
            chars.append(chr(byte))
    return "".join(chars)


_DECODING_TABLE = _decoding_table()
_CTRL_Z = "\x1a"
# Tab is the only control character text fields may hold; line ends and the final Ctrl-Z are
# removed before this check, so any other one means damage.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_NULLS = frozenset({"-0- ", "-0-", "-0"})
# Quoted text as runs of non-quotes between doubled quotes ("unrolled"): the regex engine then
# needs no memory per character (`(?:[^"]|"")*` took ~870 bytes per character of a field).
_QUOTED_TEXT = r'"([^"]*(?:""[^"]*)*)"'
_QUOTED = re.compile(_QUOTED_TEXT)
_UNQUOTED = re.compile(r"[^,\"]*")
_UTF8_BOM = b"\xef\xbb\xbf"

# Columns per file kind.
_MAIN_WIDTH, _ADDRESS_WIDTH, _ALIAS_WIDTH, _COMMENT_WIDTH = 12, 6, 5, 2

Row = list[str | None]


# A whole well-formed row in one match (quoted text, or an unquoted null or number per field),
# so that the field-by-field reader below only runs to explain a bad row.
_FIELD = rf"(?:{_QUOTED_TEXT}|(-0- ?|-0|[0-9]+))"
_ROW_PATTERNS = {
    width: re.compile(",".join([_FIELD] * width))
    for width in (_MAIN_WIDTH, _ADDRESS_WIDTH, _ALIAS_WIDTH, _COMMENT_WIDTH)
}


def _fields(text: str, width: int, where: str, line: int) -> Row:
    match = _ROW_PATTERNS[width].fullmatch(text)
    if match is None:
        found = len(_split_fields(text, where, line))  # raises for a malformed field
        raise ListFormatError(
            where,
            f"expected {width} fields, found {found} (a row cut short?)"
            if found != width
            else "malformed row",
            line=line,
        )
    groups = match.groups()
    row: Row = []
    for index in range(0, len(groups), 2):
        quoted, bare = groups[index], groups[index + 1]
        if quoted is not None:
            row.append(quoted.replace('""', '"') if '""' in quoted else quoted)
        else:
            row.append(None if bare in _NULLS else bare)
    return row


def _split_fields(text: str, where: str, line: int) -> Row:
    """The fields of one line; None for OFAC's null marker. Raises on malformed fields."""
    fields: Row = []
    position = 0
    while True:
        if text.startswith('"', position):
            quoted = _QUOTED.match(text, position)
            if quoted is None:
                raise ListFormatError(
                    where, f"unterminated quoted field at column {len(fields) + 1}", line=line
                )
            fields.append(quoted.group(1).replace('""', '"'))
            position = quoted.end()
        else:
            bare = _UNQUOTED.match(text, position)
            assert bare is not None  # the pattern matches the empty string
            value = bare.group(0)
            if value in _NULLS:
                fields.append(None)
            elif value.isascii() and value.isdigit():
                fields.append(value)
            else:
                raise ListFormatError(
                    where,
                    f"unexpected unquoted value {value!r} at column {len(fields) + 1}",
                    line=line,
                )
            position = bare.end()
        if position == len(text):
            return fields
        if text[position] != ",":
            raise ListFormatError(
                where,
                f"stray quote or text after a quoted field at column {len(fields)}",
                line=line,
            )
        position += 1


def _read_rows(path: Path, width: int) -> Iterator[tuple[int, Row]]:
    """(line number, fields) for each row of an OFAC CSV file, validated."""
    where = str(path)
    end_marker_line: int | None = None
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1 and raw.startswith(_UTF8_BOM):
                raise ListFormatError(
                    where,
                    "starts with a UTF-8 byte-order mark; OFAC CSV files are Windows-1252 "
                    "(was the file re-saved by another program?)",
                    line=1,
                )
            check_field_size(raw, where, number, "line")
            text = codecs.charmap_decode(raw, "strict", _DECODING_TABLE)[0]
            text = text.removesuffix("\n").removesuffix("\r")
            if text.endswith(_CTRL_Z):
                end_marker_line = number
                text = text[:-1]
            if end_marker_line is not None and number > end_marker_line and text.strip():
                raise ListFormatError(
                    where,
                    f"data after the Ctrl-Z end marker of line {end_marker_line}",
                    line=number,
                )
            if not text.strip():
                continue
            control = _CONTROL.search(text)
            if control:
                raise ListFormatError(
                    where,
                    f"control byte 0x{ord(control.group(0)):02X} at column {control.start() + 1}: "
                    "not a text file, or damaged",
                    line=number,
                )
            yield number, _fields(text, width, where, number)


def _entity_number(row: Row, path: Path, line: int, column: int = 1) -> int:
    value = row[column - 1]
    # Entity numbers have at most 5 digits; 4,301 would make int() raise (make fuzz).
    if value is None or not value.isascii() or not value.isdigit() or len(value) > 18:
        shown = value if value is None or len(value) <= 40 else f"{value[:40]}..."
        raise ListFormatError(str(path), f"column {column} is not a number: {shown!r}", line=line)
    return int(value)


# --- side files -------------------------------------------------------------------------------

_ALIAS_KINDS = {"aka": NameKind.AKA, "nka": NameKind.AKA, "fka": NameKind.FKA}


@dataclass(slots=True)
class _SideData:
    addresses: dict[int, list[Address]] = field(default_factory=dict)
    aliases: dict[int, list[tuple[NameKind, str]]] = field(default_factory=dict)
    comments: dict[int, list[str]] = field(default_factory=dict)
    # The line of each side-file row, per file, to report rows of unknown entries.
    rows: list[tuple[Path, int, int]] = field(default_factory=list)


def _read_addresses(path: Path, data: _SideData) -> None:
    for line, row in _read_rows(path, _ADDRESS_WIDTH):
        number = _entity_number(row, path, line)
        _entity_number(row, path, line, column=2)
        data.rows.append((path, line, number))
        street, city, country, remarks = row[2:6]
        if street is None and city is None and country is None and remarks is None:
            continue
        address = Address(
            street=street,
            city=city,
            country=country,
            country_code=country_code(country) if country else None,
            remarks=remarks,
        )
        data.addresses.setdefault(number, []).append(address)


def _read_aliases(path: Path, data: _SideData) -> None:
    for line, row in _read_rows(path, _ALIAS_WIDTH):
        number = _entity_number(row, path, line)
        _entity_number(row, path, line, column=2)
        data.rows.append((path, line, number))
        kind_text, name = row[2], row[3]
        kind = _ALIAS_KINDS.get((kind_text or "").strip().lower())
        if kind is None:
            raise ListFormatError(str(path), f"unknown alias type {kind_text!r}", line=line)
        if name is None or not name.strip():
            raise ListFormatError(str(path), "alias without a name", line=line)
        data.aliases.setdefault(number, []).append((kind, name.strip()))


def _read_comments(path: Path, data: _SideData) -> None:
    for line, row in _read_rows(path, _COMMENT_WIDTH):
        number = _entity_number(row, path, line)
        data.rows.append((path, line, number))
        if row[1]:
            data.comments.setdefault(number, []).append(row[1])


def _read_side_files(files: _FileSet) -> _SideData:
    data = _SideData()
    if files.addresses is not None:
        _read_addresses(files.addresses, data)
    if files.aliases is not None:
        _read_aliases(files.aliases, data)
    if files.comments is not None:
        _read_comments(files.comments, data)
    return data


# Side-file rows of entries the main file lacks that a set may hold before it is refused as cut
# short: the more of this many entity numbers and this share of the main file's entries. Every
# complete set published 2018-2025 has none; the 17-entry sample subset has 9 (its add.csv and
# alt.csv were cut by a second column); a main file cut short leaves the rows of every entry
# after the cut (sdn.csv of 2018-12 cut at 3,000 of 7,379 rows: thousands).
ORPHAN_TOLERANCE = 20
ORPHAN_SHARE = 0.01


def ends_with_end_marker(path: Path) -> bool:
    """Whether the file ends with OFAC's Ctrl-Z (0x1A), allowing a line end after it.

    Only a hint that a file is complete: copies normalized by third parties (the 2018-12 set)
    lack it, so its absence only supports other evidence of a cut.
    """
    with path.open("rb") as handle:
        handle.seek(0, 2)
        handle.seek(max(handle.tell() - 4, 0))
        return _CTRL_Z.encode() in handle.read()


def end_marker_doubt(files: _FileSet) -> str | None:
    """A sentence for an error message when the main file lacks the Ctrl-Z end marker."""
    if ends_with_end_marker(files.main):
        return None
    return f"{files.main.name} lacks OFAC's Ctrl-Z end marker (a hint of a cut, not proof)"


def _check_unknown_side_rows(files: _FileSet, data: _SideData, known: set[int]) -> None:
    """Refuse a set whose side files name many entries the main file lacks (a main file cut
    short); warn about a few (a set fetched while OFAC was updating can mix two states)."""
    unknown: dict[Path, list[tuple[int, int]]] = {}
    for path, line, number in data.rows:
        if number not in known:
            unknown.setdefault(path, []).append((line, number))
    numbers = {number for rows in unknown.values() for _, number in rows}
    if len(numbers) > max(ORPHAN_TOLERANCE, ORPHAN_SHARE * len(known)):
        path, rows = max(unknown.items(), key=lambda item: len(item[1]))
        doubt = end_marker_doubt(files)
        raise ListFormatError(
            str(path),
            f"{len(rows)} row(s) of entity numbers {files.main.name} does not hold (the first "
            f"here, entity {rows[0][1]}; {len(numbers)} such entries in the set, more than the "
            f"{ORPHAN_TOLERANCE} or {ORPHAN_SHARE:.0%} a complete set may have): "
            f"{files.main.name} looks cut short" + (f"; {doubt}" if doubt else ""),
            line=rows[0][0],
        )
    for path, rows in unknown.items():
        log.warning(
            "%s: skipped %d row(s) whose entity number is not in the main file (lines %s)",
            path,
            len(rows),
            ", ".join(str(line) for line, _ in rows[:10]) + (" ..." if len(rows) > 10 else ""),
        )


# --- main file --------------------------------------------------------------------------------

_ENTRY_TYPES = {
    "individual": EntryType.PERSON,
    "vessel": EntryType.VESSEL,
    "aircraft": EntryType.AIRCRAFT,
}
# sdn.csv columns 5-11, in order, as `Entry.properties` keys.
_COLUMN_PROPERTIES = (
    "title",
    "call_sign",
    "vessel_type",
    "tonnage",
    "gross_tonnage",
    "vessel_flag",
    "vessel_owner",
)


def _entry_type(value: str | None, path: Path, line: int) -> EntryType:
    if value is None:
        return EntryType.ORGANIZATION
    entry_type = _ENTRY_TYPES.get(value.strip().lower())
    if entry_type is None:
        raise ListFormatError(str(path), f"unknown entry type {value!r}", line=line)
    return entry_type


def _programs(value: str | None) -> tuple[str, ...]:
    if value is None:
        return ()
    parts = (p.strip().strip("[]").strip() for p in value.split("] ["))
    return tuple(dict.fromkeys(p for p in parts if p))


def _name(text: str, kind: NameKind, entry_type: EntryType) -> Name:
    text = " ".join(text.split())
    if entry_type is EntryType.PERSON and ", " in text:
        last, first = text.split(", ", 1)
        return Name(name=text, kind=kind, script=LATIN, first=first or None, last=last or None)
    return Name(name=text, kind=kind, script=LATIN)


def _name_key(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass(slots=True)
class _NameIndex:
    """Entity numbers by primary name and by alias, to resolve `Linked To:` targets."""

    primary: dict[str, set[int]] = field(default_factory=dict)
    alias: dict[str, set[int]] = field(default_factory=dict)

    def add(self, table: dict[str, set[int]], name: str, number: int) -> None:
        table.setdefault(_name_key(name), set()).add(number)

    def resolve(self, target: str) -> tuple[str, int] | None:
        """The entry a target name denotes, and its exact spelling; None unless unique.

        The remarks miner cannot always tell a sentence-final period from one that ends the
        name (`... CO.`), so both spellings are tried.
        """
        spellings = [target, f"{target}.", strip_sentence_period(target)]
        if target.endswith("."):
            spellings.append(target[:-1])
        for table in (self.primary, self.alias):
            for spelling in spellings:
                numbers = table.get(_name_key(spelling))
                if numbers is not None:
                    return (spelling, next(iter(numbers))) if len(numbers) == 1 else None
        return None


def _index_main_file(files: _FileSet, side: _SideData) -> _NameIndex:
    """Validate every main-file row and index the names, before any entry is produced."""
    path = files.main
    first_line: dict[int, int] = {}
    index = _NameIndex()
    for line, row in _read_rows(path, _MAIN_WIDTH):
        number = _entity_number(row, path, line)
        if number in first_line:
            raise ListFormatError(
                str(path), f"entity number {number} repeats line {first_line[number]}", line=line
            )
        first_line[number] = line
        name = row[1]
        if name is None or not name.strip():
            raise ListFormatError(str(path), f"entry {number} has no name", line=line)
        _entry_type(row[2], path, line)
        index.add(index.primary, name, number)
    if not first_line:
        raise ListFormatError(str(path), "holds no entries (empty or truncated file)")
    for number, aliases in side.aliases.items():
        if number in first_line:
            for _, alias in aliases:
                index.add(index.alias, alias, number)
    _check_unknown_side_rows(files, side, set(first_line))
    return index


def _entry(files: _FileSet, side: _SideData, index: _NameIndex, line: int, row: Row) -> Entry:
    path = files.main
    number = _entity_number(row, path, line)
    entry_type = _entry_type(row[2], path, line)
    assert row[1] is not None  # checked by _index_main_file
    remarks = "".join(part for part in (row[11], *side.comments.get(number, ())) if part) or None
    facts = mine_remarks(remarks)

    names = [_name(row[1], NameKind.PRIMARY, entry_type)]
    names += [_name(alias, kind, entry_type) for kind, alias in side.aliases.get(number, ())]
    names += facts.weak_names
    addresses = tuple(side.addresses.get(number, ()))

    relations = []
    for relation in facts.relations:
        found = index.resolve(relation.target_name)
        if found is None:
            relations.append(relation)
        else:
            spelling, target = found
            relations.append(Relation(relation.kind, " ".join(spelling.split()), str(target)))

    properties: dict[str, tuple[str, ...]] = {
        key: (value.strip(),)
        for key, value in zip(_COLUMN_PROPERTIES, row[4:11], strict=True)
        if value is not None and value.strip()
    }
    for key, values in facts.properties.items():
        properties[key] = tuple(dict.fromkeys((*properties.get(key, ()), *values)))

    countries = (*facts.countries, *(a.country_code for a in addresses if a.country_code))
    return Entry(
        source=files.source,
        source_id=str(number),
        type=entry_type,
        names=tuple(dict.fromkeys(names)),
        programs=_programs(row[3]),
        addresses=addresses,
        countries=tuple(dict.fromkeys(countries)),
        birth_dates=facts.birth_dates,
        birth_places=facts.birth_places,
        identifiers=facts.identifiers,
        relations=tuple(dict.fromkeys(relations)),
        remarks=remarks,
        properties=properties,
    )


def _entries(files: _FileSet, side: _SideData, index: _NameIndex) -> Iterator[Entry]:
    for line, row in _read_rows(files.main, _MAIN_WIDTH):
        yield _entry(files, side, index, line, row)


def parse(path: Path) -> ParsedList:
    """Parse an OFAC SDN or Consolidated CSV set (a folder, or its main file)."""
    files = _locate(Path(path))
    side = _read_side_files(files)
    index = _index_main_file(files, side)
    return ParsedList(
        source=files.source,
        published=None,
        files=tuple(str(p) for p in files.paths),
        sha256=sha256_of_files(files.paths),
        entries=_entries(files, side, index),
        parts=_parts(files, side),
        doubts=tuple(d for d in (end_marker_doubt(files),) if d is not None),
    )


def _parts(files: _FileSet, side: _SideData) -> tuple[ListPart, ...]:
    """Which side files the set had (many published snapshots are the main file alone)."""
    layout = next(lay for lay in _LAYOUTS if lay.source is files.source)
    rows = Counter(path for path, _, _ in side.rows)
    found = (
        ("addresses", layout.addresses, files.addresses),
        ("aliases", layout.aliases, files.aliases),
        ("remarks", layout.comments, files.comments),
    )
    return tuple(
        ListPart(name, file, path is not None, rows[path] if path is not None else None)
        for name, file, path in found
    )
