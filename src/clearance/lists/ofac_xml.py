"""OFAC SDN and Consolidated (non-SDN) lists in the `sdnList` XML format.

Covers `sdn.xml` and `consolidated.xml` in both namespaces OFAC has used for them
(`http://tempuri.org/sdnList.xsd`, and the Sanctions List Service's `.../exports/XML`).
`parse` also recognises OFAC's *advanced* format (root `Sanctions`) and hands it to
`ofac_advanced_xml`.

The file is read with `lxml.etree.iterparse`, one `sdnEntry` at a time, twice: a first pass
collects every entry's names (to give `Linked To:` relations the target's uid, as the CSV
parser does), the second builds the entries. `publshInformation` (OFAC's spelling) gives the
publication date and `Record_Count`; the count is checked against the entries read, after the
last one.

The same list is published as CSV (`ofac_csv`), and this parser gives the same `Entry` wherever
both formats carry the same data:

- Names: individuals are written `LAST, First` with `Name.first` / `Name.last` set, as the CSV
  writes them; entities, vessels and aircraft use `lastName` alone; all are Latin script.
  a.k.a. and n.k.a. are `AKA`, f.k.a. `FKA`, and any alias of category `weak` is `WEAK`.
- `idList`: each item is read as the clause OFAC prints for it in the CSV remarks
  (`Passport H20676140 (Iran) issued 10 Jul 1991`) and sorted by `ofac_remarks.mine_remarks`,
  so documents become the same `Identifier`s (kind as published, `IMO` for vessel numbers,
  issuing country as ISO alpha-2 where it resolves) and statements (`Additional Sanctions
  Information -`, `Website`, directive determinations ...) the same `properties` keys. A `;`
  inside one item's value is not a clause break there, unlike in the CSV's remarks.
- `remarks` is kept as published and mined too (`Linked To:`, `a.k.a. 'X'`, ...).
- `vesselInfo` and `title` use the CSV's property keys (`call_sign`, `vessel_type`,
  `vessel_flag`, `vessel_owner`, `tonnage`, `gross_tonnage`, `title`).
- Dates of birth (`15 Jul 1966`, `1966`, `circa 1960`, `1958 to 1960`) follow the CSV's rules;
  one that cannot be read is a `ListFormatError` here, since the XML field holds nothing else.
- `Entry.countries`: nationalities, citizenships, then address countries, as ISO alpha-2.

The XML keeps apart what the CSV joins (address parts; statements that contain `;`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import NamedTuple

from lxml import etree

from clearance.lists._xml import clean, events, line_of, local, read_root, release
from clearance.lists.base import parse_mdy, sha256_of_files
from clearance.lists.countries import country_code
from clearance.lists.errors import ListFormatError
from clearance.lists.ofac_remarks import LATIN, mine_remarks
from clearance.lists.ofac_xml_shared import (
    ADVANCED_NAMESPACES,
    VESSEL_PROPERTIES,
    Facts,
    NameIndex,
    birth_dates,
    id_clause,
    mine_clause,
    person_name,
    source_for,
    unique_names,
    unwrap_links,
)
from clearance.model import (
    Address,
    Entry,
    EntryType,
    ListSource,
    Name,
    NameKind,
    ParsedList,
)

SDN_NAMESPACES = (
    "http://tempuri.org/sdnList.xsd",
    "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/XML",
)
SDN_TYPES = {
    "individual": EntryType.PERSON,
    "entity": EntryType.ORGANIZATION,
    "vessel": EntryType.VESSEL,
    "aircraft": EntryType.AIRCRAFT,
}


def parse(path: Path) -> ParsedList:
    """Parse an OFAC `sdnList` XML file (or an advanced XML file, by dispatch)."""
    namespace, local_name, line = read_root(path)
    if local_name == "Sanctions" and namespace in ADVANCED_NAMESPACES:
        # Imported here because it imports this module's helpers.
        from clearance.lists import ofac_advanced_xml

        return ofac_advanced_xml.parse(path)
    if local_name != "sdnList" or namespace not in SDN_NAMESPACES:
        raise ListFormatError(
            str(path),
            f"root element is {{{namespace}}}{local_name}, not an OFAC sdnList "
            "or advanced Sanctions document",
            line=line,
        )
    header = _read_header(path)
    return ParsedList(
        source=source_for(path),
        published=header.published,
        files=(str(path),),
        sha256=sha256_of_files([path]),
        entries=_entries(path, header),
    )


# --- sdnList ---------------------------------------------------------------------------------


class _Header(NamedTuple):
    namespace: str
    published: date
    record_count: int
    count_line: int | None


def _read_header(path: Path) -> _Header:
    namespace = ""
    values: dict[str, tuple[str, int | None]] = {}
    for event, elem in events(path, ("start", "end")):
        name = local(elem.tag)
        if event == "start":
            if name == "sdnList":
                namespace = elem.tag[1:].partition("}")[0] if elem.tag[0] == "{" else ""
            elif name == "sdnEntry":
                break
        elif name in ("Publish_Date", "Record_Count"):
            values[name] = (clean(elem.text) or "", line_of(elem))
        elif name == "publshInformation":
            break
    if "Publish_Date" not in values or "Record_Count" not in values:
        raise ListFormatError(
            str(path), "no publshInformation with Publish_Date and Record_Count before the entries"
        )
    date_text, date_line = values["Publish_Date"]
    count_text, count_line = values["Record_Count"]
    published = parse_mdy(date_text, str(path), line=date_line)
    if not count_text.isdigit():
        raise ListFormatError(
            str(path), f"Record_Count is not a number: {count_text!r}", count_line
        )
    return _Header(namespace, published, int(count_text), count_line)


def _entries(path: Path, header: _Header) -> Iterator[Entry]:
    source = source_for(path)
    read = _Reader(header.namespace)
    tag = read.path("sdnEntry")
    index = NameIndex()
    for _event, elem in events(path, ("end",), tags=(tag,)):
        uid = read.text(elem, "uid")
        if uid:
            index.add(_name(read, elem, NameKind.PRIMARY, False).name, uid, primary=True)
            for aka in read.all(elem, "akaList/aka"):
                index.add(_name(read, aka, NameKind.AKA, False).name, uid, primary=False)
        release(elem)

    seen: set[str] = set()
    for _event, elem in events(path, ("end",), tags=(tag,)):
        entry = _entry(elem, read, source, index, path)
        if entry.source_id in seen:
            raise ListFormatError(
                str(path), f"uid {entry.source_id} appears twice", line=line_of(elem)
            )
        seen.add(entry.source_id)
        release(elem)
        yield entry
    if len(seen) != header.record_count:
        raise ListFormatError(
            str(path),
            f"Record_Count is {header.record_count} but the file holds {len(seen)} sdnEntry "
            "elements (truncated or edited?)",
            line=header.count_line,
        )


class _Reader:
    """Namespace-aware lookups inside one sdnEntry."""

    def __init__(self, namespace: str):
        self.prefix = f"{{{namespace}}}" if namespace else ""

    def path(self, steps: str) -> str:
        return "/".join(self.prefix + step for step in steps.split("/"))

    def text(self, elem: etree._Element, steps: str) -> str | None:
        return clean(elem.findtext(self.path(steps)))

    def all(self, elem: etree._Element, steps: str) -> list[etree._Element]:
        return list(elem.iterfind(self.path(steps)))


def _entry(
    elem: etree._Element, read: _Reader, source: ListSource, index: NameIndex, path: Path
) -> Entry:
    uid = read.text(elem, "uid")
    if uid is None:
        raise ListFormatError(str(path), "sdnEntry without uid", line=line_of(elem))
    if not uid.isdigit():
        raise ListFormatError(str(path), f"uid is not a number: {uid!r}", line=line_of(elem))
    sdn_type = read.text(elem, "sdnType") or ""
    entry_type = SDN_TYPES.get(sdn_type.lower())
    if entry_type is None:
        raise ListFormatError(
            str(path), f"unknown sdnType {sdn_type!r}", line=line_of(elem), record=uid
        )
    is_person = entry_type is EntryType.PERSON

    facts = Facts()
    facts.names.append(_name(read, elem, NameKind.PRIMARY, is_person))
    if not facts.names[0].name:
        raise ListFormatError(str(path), "sdnEntry without a name", line_of(elem), record=uid)
    for aka in read.all(elem, "akaList/aka"):
        kind = _aka_kind(read.text(aka, "type"), read.text(aka, "category"))
        facts.names.append(_name(read, aka, kind, is_person))

    facts.keep("title", read.text(elem, "title"))
    for tag, key in VESSEL_PROPERTIES.items():
        facts.keep(key, read.text(elem, f"vesselInfo/{tag}"))

    for item in read.all(elem, "idList/id"):
        number = read.text(item, "idNumber")
        if number:
            clause = id_clause(
                read.text(item, "idType") or "",
                number,
                read.text(item, "idCountry"),
                read.text(item, "issueDate"),
                read.text(item, "expirationDate"),
            )
            facts.add(mine_clause(clause))

    for key, steps in (
        ("nationality", "nationalityList/nationality/country"),
        ("citizenship", "citizenshipList/citizenship/country"),
    ):
        for country_elem in read.all(elem, steps):
            if country := clean(country_elem.text):
                code = country_code(country)
                if code:
                    facts.countries.append(code)
                else:
                    facts.keep(key, country)

    addresses = [
        address
        for item in read.all(elem, "addressList/address")
        if (address := _address(read, item)) is not None
    ]
    facts.countries.extend(a.country_code for a in addresses if a.country_code)

    for dob in read.all(elem, "dateOfBirthList/dateOfBirthItem/dateOfBirth"):
        if text := clean(dob.text):
            facts.birth_dates.extend(birth_dates(text, path, line_of(dob)))
    for place in read.all(elem, "placeOfBirthList/placeOfBirthItem/placeOfBirth"):
        if text := clean(place.text):
            facts.birth_places.append(text)

    remarks = clean(elem.findtext(read.path("remarks")))
    if remarks:
        facts.add(mine_remarks(unwrap_links(remarks)))

    programs = [
        text for program in read.all(elem, "programList/program") if (text := clean(program.text))
    ]
    return Entry(
        source=source,
        source_id=uid,
        type=entry_type,
        names=tuple(unique_names(facts.names)),
        programs=tuple(dict.fromkeys(programs)),
        addresses=tuple(addresses),
        countries=tuple(dict.fromkeys(facts.countries)),
        birth_dates=tuple(dict.fromkeys(facts.birth_dates)),
        birth_places=tuple(dict.fromkeys(facts.birth_places)),
        identifiers=tuple(dict.fromkeys(facts.identifiers)),
        relations=tuple(dict.fromkeys(index.resolve(r) for r in facts.relations)),
        remarks=remarks,
        properties=facts.property_map(),
    )


def _name(read: _Reader, elem: etree._Element, kind: NameKind, is_person: bool) -> Name:
    last, first = read.text(elem, "lastName"), read.text(elem, "firstName")
    if is_person and last and first:
        return Name(person_name(last, first), kind, LATIN, first=first, last=last)
    return Name(person_name(last, first), kind, LATIN)


def _aka_kind(alias_type: str | None, category: str | None) -> NameKind:
    if (category or "").lower() == "weak":
        return NameKind.WEAK
    if (alias_type or "").lower() == "f.k.a.":
        return NameKind.FKA
    return NameKind.AKA


def _address(read: _Reader, elem: etree._Element) -> Address | None:
    street = ", ".join(
        part for tag in ("address1", "address2", "address3") if (part := read.text(elem, tag))
    )
    regions = [part for tag in ("stateOrProvince", "region") if (part := read.text(elem, tag))]
    country = read.text(elem, "country")
    address = Address(
        street=street or None,
        city=read.text(elem, "city"),
        region=", ".join(regions) or None,
        postal_code=read.text(elem, "postalCode"),
        country=country,
        country_code=country_code(country) if country else None,
    )
    return address if any(getattr(address, f) for f in Address.__slots__) else None
