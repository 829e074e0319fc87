"""UN Security Council Consolidated List, XML (`consolidated.xml`).

The document is `CONSOLIDATED_LIST dateGenerated="..."` (no namespace) holding
`INDIVIDUALS/INDIVIDUAL` and `ENTITIES/ENTITY` records. It is read with `lxml.etree.iterparse`,
one record at a time, so memory stays flat however long the list grows.

How the published fields land in `Entry`:

- `DATAID` is the stable id (`source_id`); `VERSIONNUM`, `REFERENCE_NUMBER`, `LIST_TYPE`,
  `LAST_DAY_UPDATED`, `TITLE`, `DESIGNATION`, `GENDER`, `SUBMITTED_BY/ON` go to `properties`.
- `UN_LIST_TYPE` (the sanctions regime: `Al-Qaida`, `DPRK`, ...) is the program tag.
- `FIRST_NAME` .. `FOURTH_NAME` joined make the primary name. The UN publishes the parts in the
  order the name is written, not as given name/surname, so `Name.first` / `Name.last` are the
  first and the last written part (for `RI WON HO`, `RI` is the family name).
- `NAME_ORIGINAL_SCRIPT` becomes an a.k.a. with its script detected (`Arab`, `Cyrl`, ...).
- Aliases: `QUALITY` `Low` is a weak alias (NameKind.WEAK), `f.k.a.` a former name, anything
  else (`Good`, `a.k.a.`) an a.k.a. Dates and places of birth given on an alias count for the
  person too.
- Dates of birth: `EXACT`/`APPROXIMATELY` give `DATE` (full) or `YEAR`; `BETWEEN` gives every
  year from `FROM_YEAR` to `TO_YEAR`, since a screening date must match any of them (only the
  bounds beyond 20 years, as the OFAC parsers do). Free-text notes ("Between Aug. and Sep.
  1977") and `APPROXIMATELY` are kept in `properties["birth_date_note"]`.
- Documents with a number become `Identifier`s (country as ISO alpha-2 where it resolves,
  else as published); documents without a number are kept as text in
  `properties["document"]`, since a number-less identifier cannot be matched.
- Nationalities and address countries resolved to ISO alpha-2 form `Entry.countries`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from lxml import etree

from clearance.lists._xml import clean, events, line_of, release
from clearance.lists.base import sha256_of_files, year_span
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

ROOT_TAG = "CONSOLIDATED_LIST"
_RECORD_TYPES = {"INDIVIDUAL": EntryType.PERSON, "ENTITY": EntryType.ORGANIZATION}
_NAME_PARTS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")

_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ].*|Z|[+-]\d{2}:\d{2})?$")
_YEAR = re.compile(r"^\d{4}$")


def parse(path: Path) -> ParsedList:
    """Parse a UN consolidated.xml; entries stream lazily (errors may surface while iterating)."""
    published = _read_published(path)
    return ParsedList(
        source=ListSource.UN,
        published=published,
        files=(str(path),),
        sha256=sha256_of_files([path]),
        entries=_entries(path),
    )


# --- document level --------------------------------------------------------------------------


def _read_published(path: Path) -> date:
    for _event, root in events(path, ("start",)):
        if root.tag != ROOT_TAG:
            raise ListFormatError(
                str(path),
                f"root element is {root.tag!r}, not {ROOT_TAG} (not a UN consolidated list)",
                line=line_of(root),
            )
        generated = root.get("dateGenerated")
        if not generated:
            raise ListFormatError(str(path), "no dateGenerated on the root", line=line_of(root))
        # The date as written: dateGenerated carries the UN's own (New York) offset.
        return _iso_date(generated, path, line_of(root))
    raise ListFormatError(str(path), "empty document")  # pragma: no cover - lxml raises first


def _entries(path: Path) -> Iterator[Entry]:
    seen: set[str] = set()
    for _event, record in events(path, ("end",), tags=tuple(_RECORD_TYPES)):
        entry = _record(record, path)
        if entry.source_id in seen:
            raise ListFormatError(
                str(path), f"DATAID {entry.source_id} appears twice", line=line_of(record)
            )
        seen.add(entry.source_id)
        # Free what was parsed so far: only the current record is ever held in memory.
        release(record)
        yield entry


# --- one record ------------------------------------------------------------------------------


def _child(elem: etree._Element, tag: str) -> str | None:
    return clean(elem.findtext(tag))


def _values(elem: etree._Element, tag: str) -> list[str]:
    return [v for v in (clean(value.text) for value in elem.iterfind(f"{tag}/VALUE")) if v]


def _iso_date(text: str, path: Path, line: int | None) -> date:
    match = _ISO_DATE.match(text.strip())
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            pass
    raise ListFormatError(str(path), f"not a date: {text!r}", line=line)


def _checked_date(elem: etree._Element, tag: str, path: Path) -> str | None:
    """An ISO date child (time zone suffixes dropped), validated; None if absent."""
    child = elem.find(tag)
    text = clean(child.text) if child is not None else None
    if child is None or text is None:
        return None
    return _iso_date(text, path, line_of(child)).isoformat()


def _year(elem: etree._Element, tag: str, path: Path) -> int | None:
    child = elem.find(tag)
    text = clean(child.text) if child is not None else None
    if child is None or text is None:
        return None
    if not _YEAR.match(text):
        raise ListFormatError(str(path), f"{tag} is not a year: {text!r}", line=line_of(child))
    return int(text)


def _between(first: int, last: int, path: Path, line: int | None) -> list[str]:
    """A BETWEEN birth date: every year of the range, by the rule of the OFAC parsers."""
    if first > last:
        raise ListFormatError(str(path), f"FROM_YEAR {first} is after TO_YEAR {last}", line=line)
    return year_span(first, last)


def _record(record: etree._Element, path: Path) -> Entry:
    kind = record.tag
    data_id = _child(record, "DATAID")
    if data_id is None:
        raise ListFormatError(str(path), f"{kind} without DATAID", line=line_of(record))
    if not data_id.isdigit():
        raise ListFormatError(
            str(path), f"DATAID is not a number: {data_id!r}", line=line_of(record)
        )

    properties: dict[str, list[str]] = {}

    def keep(key: str, *values: str | None) -> None:
        for value in values:
            if value:
                properties.setdefault(key, []).append(value)

    keep("version", _child(record, "VERSIONNUM"))
    keep("reference_number", _child(record, "REFERENCE_NUMBER"))
    keep("list_type", *_values(record, "LIST_TYPE"))
    keep("title", *_values(record, "TITLE"))
    keep("designation", *_values(record, "DESIGNATION"))
    keep("gender", _child(record, "GENDER"))
    keep("submitted_by", _child(record, "SUBMITTED_BY"))
    keep("submitted_on", _checked_date(record, "SUBMITTED_ON", path))
    keep("sort_key", _child(record, "SORT_KEY"))
    keep("sort_key_last_mod", _child(record, "SORT_KEY_LAST_MOD"))
    keep(
        "last_day_updated",
        *[
            _iso_date(text, path, line_of(value)).isoformat()
            for value in record.iterfind("LAST_DAY_UPDATED/VALUE")
            if (text := clean(value.text))
        ],
    )

    names = _names(record)
    if not names:
        raise ListFormatError(
            str(path), f"{kind} {data_id} has no name", line=line_of(record), record=data_id
        )

    birth_dates: list[str] = []
    birth_places: list[str] = []
    for alias in record.iterfind(f"{kind}_ALIAS"):
        alias_name = _child(alias, "ALIAS_NAME")
        note = _child(alias, "NOTE")
        if alias_name and note:
            keep("alias_note", f"{alias_name}: {note}")
        if _child(alias, "DATE_OF_BIRTH"):
            birth_dates.append(_alias_birth_date(alias, path))
        place = ", ".join(
            p for p in (_child(alias, "CITY_OF_BIRTH"), _child(alias, "COUNTRY_OF_BIRTH")) if p
        )
        if place:
            birth_places.append(place)

    for birth in record.iterfind("INDIVIDUAL_DATE_OF_BIRTH"):
        dates, note = _birth_date(birth, path)
        birth_dates.extend(dates)
        keep("birth_date_note", note)

    for pob in record.iterfind("INDIVIDUAL_PLACE_OF_BIRTH"):
        parts = [
            p
            for p in (_child(pob, t) for t in ("STREET", "CITY", "STATE_PROVINCE", "COUNTRY"))
            if p
        ]
        note = _child(pob, "NOTE")
        if parts:
            birth_places.append(", ".join(parts))
            keep("birth_place_note", note)
        elif note:
            birth_places.append(note)

    addresses = [a for a in (_address(elem) for elem in record.iterfind(f"{kind}_ADDRESS")) if a]

    identifiers: list[Identifier] = []
    for document in record.iterfind("INDIVIDUAL_DOCUMENT"):
        identifier, text = _document(document, path)
        if identifier is not None:
            identifiers.append(identifier)
        keep("document", text)

    nationalities = _values(record, "NATIONALITY")
    keep("nationality", *nationalities)
    countries: list[str] = []
    for country in [*nationalities, *(a.country for a in addresses if a.country)]:
        code = country_code(country)
        if code and code not in countries:
            countries.append(code)

    listed_on = _checked_date(record, "LISTED_ON", path)
    program = _child(record, "UN_LIST_TYPE")
    # The files wrap COMMENTS1 over indented lines: that whitespace is layout, not content.
    remarks = clean(record.findtext("COMMENTS1"))
    return Entry(
        source=ListSource.UN,
        source_id=data_id,
        type=_RECORD_TYPES[kind],
        names=tuple(names),
        programs=(program,) if program else (),
        addresses=tuple(addresses),
        countries=tuple(countries),
        birth_dates=tuple(dict.fromkeys(birth_dates)),
        birth_places=tuple(dict.fromkeys(birth_places)),
        identifiers=tuple(identifiers),
        remarks=remarks,
        listed_on=date.fromisoformat(listed_on) if listed_on else None,
        properties={key: tuple(dict.fromkeys(values)) for key, values in properties.items()},
    )


def _names(record: etree._Element) -> list[Name]:
    parts = [p for p in (_child(record, tag) for tag in _NAME_PARTS) if p]
    names: list[Name] = []
    seen: set[str] = set()

    def add(name: Name) -> None:
        if name.name not in seen:
            seen.add(name.name)
            names.append(name)

    if parts:
        full = " ".join(parts)
        is_person = record.tag == "INDIVIDUAL" and len(parts) > 1
        add(
            Name(
                full,
                NameKind.PRIMARY,
                script=detect_script(full),
                first=parts[0] if is_person else None,
                last=parts[-1] if is_person else None,
            )
        )
    original = _child(record, "NAME_ORIGINAL_SCRIPT")
    if original:
        add(Name(original, NameKind.AKA, script=detect_script(original)))
    for alias in record.iterfind(f"{record.tag}_ALIAS"):
        alias_name = _child(alias, "ALIAS_NAME")
        if alias_name:
            add(Name(alias_name, _alias_kind(_child(alias, "QUALITY")), detect_script(alias_name)))
    return names


def _alias_kind(quality: str | None) -> NameKind:
    quality = (quality or "").lower()
    if quality == "low":
        return NameKind.WEAK
    if quality == "f.k.a.":
        return NameKind.FKA
    return NameKind.AKA


def _alias_birth_date(alias: etree._Element, path: Path) -> str:
    """An alias's DATE_OF_BIRTH: a full ISO date or a bare year."""
    child = alias.find("DATE_OF_BIRTH")
    assert child is not None  # the caller found text in it
    text = clean(child.text) or ""
    if _YEAR.match(text):
        return text
    return _iso_date(text, path, line_of(child)).isoformat()


def _birth_date(dob: etree._Element, path: Path) -> tuple[list[str], str | None]:
    note = _child(dob, "NOTE")
    if (_child(dob, "TYPE_OF_DATE") or "").upper() == "APPROXIMATELY" and not note:
        note = "Approximately"
    exact = _checked_date(dob, "DATE", path)
    if exact:
        return [exact], note
    year = _year(dob, "YEAR", path)
    if year is not None:
        return [str(year)], note
    first, last = _year(dob, "FROM_YEAR", path), _year(dob, "TO_YEAR", path)
    if first is not None and last is not None:
        return _between(first, last, path, line_of(dob)), note
    single = first if first is not None else last
    return ([str(single)] if single is not None else []), note


def _address(elem: etree._Element) -> Address | None:
    country = _child(elem, "COUNTRY")
    address = Address(
        street=_child(elem, "STREET"),
        city=_child(elem, "CITY"),
        region=_child(elem, "STATE_PROVINCE"),
        postal_code=_child(elem, "ZIP_CODE"),
        country=country,
        country_code=country_code(country) if country else None,
        remarks=_child(elem, "NOTE"),
    )
    return address if any(getattr(address, f) for f in Address.__slots__) else None


def _document(elem: etree._Element, path: Path) -> tuple[Identifier | None, str | None]:
    """(identifier, None) for a numbered document, (None, text) for a described one."""
    kind = _child(elem, "TYPE_OF_DOCUMENT")
    kind2 = _child(elem, "TYPE_OF_DOCUMENT2")
    number = _child(elem, "NUMBER")
    country = _child(elem, "ISSUING_COUNTRY") or _child(elem, "COUNTRY_OF_ISSUE")
    issued = _checked_date(elem, "DATE_OF_ISSUE", path)
    details = [
        kind2 if kind2 and kind2 != kind else None,
        f"issued {issued}" if issued else None,
        f"in {city}" if (city := _child(elem, "CITY_OF_ISSUE")) else None,
        _child(elem, "NOTE"),
    ]
    remarks = "; ".join(d for d in details if d) or None
    if number:
        code = country_code(country) if country else None
        return Identifier(kind or kind2 or "document", number, code or country, remarks), None
    text = "; ".join(p for p in (kind, country, remarks) if p)
    return None, text or None
