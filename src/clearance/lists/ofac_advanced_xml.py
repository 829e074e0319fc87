"""OFAC *advanced* XML (`sdn_advanced.xml`, `cons_advanced.xml`).

Written from the published schema (`sdn_advanced.xsd`, root `Sanctions` in the namespace
`https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ADVANCED_XML`, or
`http://www.un.org/sanctions/1.0` before OFAC's Sanctions List Service). No real file is in the
project's data (all are over 4 MiB), so this parser is tested only on hand-written documents
that follow the schema.

The format is normalised: `ReferenceValueSets` give every coded value (party types, alias
types, feature types, countries, scripts ...) its text; `Locations` and `IDRegDocuments` are
shared tables; `DistinctParties` hold the parties; `ProfileRelationships` and
`SanctionsEntries` (programs, listing dates) come *after* the parties. So the file is read
twice with `iterparse`, both passes streaming: the first collects the small lookup tables and
each party's primary name (for relation targets), the second builds one `Entry` per
`DistinctParty`. Reference values are resolved by their published text, never by numeric id.

Mapping, kept identical to the `sdnList` format (`ofac_xml`, itself aligned with the CSV)
wherever both carry the data: `DistinctParty/@FixedRef` (the SDN entity number) is
`source_id`; names of individuals are `LAST, First` with the parts set (given names ordered
first, middle, patronymic); alias type `F.K.A.` is FKA, `LowQuality="true"` WEAK, and each
further `DocumentedName` (another script) an a.k.a. with its `ScriptCode`. Birthdate, Place of
Birth, Nationality/Citizenship Country, Location, the vessel features and Title fill their own
fields; documents and every other feature are read as the clause OFAC prints for them in the
CSV remarks (`Passport 123 (Russia)`, `Website x.ru`, `Digital Currency Address - XBT ...`) and
sorted by `ofac_remarks`, as `ofac_xml` does for `idList`. `SanctionsMeasure`s of type
`Program` are the programs, the earliest `EntryEvent` the listing date; the list, legal bases
and other measures go to `properties`. `ProfileRelationship`s become relations carrying the
target's id. Delta files (`DeltaBaseVersion`) are refused: only full publications make a
version.
"""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from lxml import etree

from clearance.lists._xml import events, line_of, read_root, release
from clearance.lists.base import sha256_of_files, year_span
from clearance.lists.countries import country_code
from clearance.lists.errors import ListFormatError
from clearance.lists.ofac_remarks import mine_remarks, snake_case
from clearance.lists.ofac_xml_shared import (
    ADVANCED_NAMESPACES,
    VESSEL_PROPERTIES,
    Facts,
    id_clause,
    mine_clause,
    person_name,
    source_for,
    unique_names,
)
from clearance.model import (
    Address,
    Entry,
    EntryType,
    Identifier,
    ListSource,
    Name,
    NameKind,
    ParsedList,
    Relation,
)

# Feature types (by published text, case-folded) that map onto the same property keys as the
# sdnList format's vesselInfo and title.
_FEATURE_PROPERTIES = {
    "vessel call sign": VESSEL_PROPERTIES["callSign"],
    "vessel type": VESSEL_PROPERTIES["vesselType"],
    "vessel flag": VESSEL_PROPERTIES["vesselFlag"],
    "vessel owner": VESSEL_PROPERTIES["vesselOwner"],
    "vessel tonnage": VESSEL_PROPERTIES["tonnage"],
    "vessel gross registered tonnage": VESSEL_PROPERTIES["grossRegisteredTonnage"],
    "title": "title",
}
_LAST_NAME_PARTS = ("last name", "maiden name")
# sdnList writes given names as `first middle patronymic`; the advanced format splits them.
_GIVEN_NAME_ORDER = ("first name", "middle name", "patronymic", "matronymic", "nickname")
_ALIAS_KINDS = {"a.k.a.": NameKind.AKA, "f.k.a.": NameKind.FKA, "n.k.a.": NameKind.AKA}


def parse(path: Path) -> ParsedList:
    """Parse an OFAC advanced XML file; entries stream lazily (errors may surface then)."""
    namespace, local_name, line = read_root(path)
    if local_name != "Sanctions" or namespace not in ADVANCED_NAMESPACES:
        raise ListFormatError(
            str(path), f"root element is {{{namespace}}}{local_name}, not advanced Sanctions", line
        )
    published = _read_date_of_issue(path, namespace)
    return ParsedList(
        source=source_for(path),
        published=published,
        files=(str(path),),
        sha256=sha256_of_files([path]),
        entries=_entries(path, namespace),
    )


class _Tags:
    """Qualified tag names and paths in the document's namespace."""

    def __init__(self, namespace: str):
        self.prefix = f"{{{namespace}}}"

    def __call__(self, steps: str) -> str:
        return "/".join(self.prefix + step for step in steps.split("/"))


def _read_date_of_issue(path: Path, namespace: str) -> date:
    q = _Tags(namespace)
    for event, elem in events(path, ("start", "end")):
        if event == "start" and elem.tag == q("Sanctions"):
            if elem.get("DeltaBaseVersion") is not None:
                raise ListFormatError(
                    str(path),
                    "is a delta file (DeltaBaseVersion); import full publications only",
                    line=line_of(elem),
                )
        elif event == "end" and elem.tag == q("DateOfIssue"):
            return _date_point(elem, q, path)
        elif event == "start" and elem.tag == q("ReferenceValueSets"):
            break
    raise ListFormatError(str(path), "no DateOfIssue before ReferenceValueSets")


def _date_point(elem: etree._Element, q: _Tags, path: Path) -> date:
    """A Year/Month/Day element group as a date (a missing month or day counts as 1)."""
    texts = [(elem.findtext(q(part)) or "").strip() for part in ("Year", "Month", "Day")]
    try:
        year = int(texts[0])
        return date(year, int(texts[1] or 1), int(texts[2] or 1))
    except (ValueError, OverflowError) as exc:  # OverflowError: a year of 20 digits
        raise ListFormatError(
            str(path), f"not a date: {'-'.join(texts)!r}", line=line_of(elem)
        ) from exc


# --- pass 1: lookup tables -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Reference:
    text: str
    attributes: dict[str, str]


@dataclass(frozen=True, slots=True)
class _Location:
    address: Address | None
    country: str | None
    code: str | None


@dataclass(frozen=True, slots=True)
class _Document:
    kind: str
    number: str | None
    country: str | None  # as published
    issued: str | None  # ISO prefix
    expires: str | None
    remarks: str | None  # issuing authority, comment


@dataclass(slots=True)
class _Sanctions:
    programs: list[str] = field(default_factory=list)
    event_dates: list[date] = field(default_factory=list)
    properties: dict[str, list[str]] = field(default_factory=dict)


@dataclass(slots=True)
class _Index:
    references: dict[tuple[str, str], _Reference] = field(default_factory=dict)
    locations: dict[str, _Location] = field(default_factory=dict)
    documents: dict[str, list[_Document]] = field(default_factory=lambda: defaultdict(list))
    names: dict[str, str] = field(default_factory=dict)
    relations: dict[str, list[tuple[str, str, bool]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    sanctions: dict[str, _Sanctions] = field(default_factory=lambda: defaultdict(_Sanctions))

    def ref(self, kind: str, ref_id: str | None, path: Path, line: int | None) -> _Reference:
        found = self.references.get((kind, ref_id or ""))
        if found is None:
            raise ListFormatError(str(path), f"unknown {kind} reference {ref_id!r}", line=line)
        return found

    def text(self, kind: str, ref_id: str | None, path: Path, line: int | None) -> str:
        return self.ref(kind, ref_id, path, line).text


def _build_index(path: Path, q: _Tags) -> _Index:
    index = _Index()
    wanted = (
        "ReferenceValueSets",
        "Location",
        "IDRegDocument",
        "DistinctParty",
        "ProfileRelationship",
        "SanctionsEntry",
    )
    for _event, elem in events(path, ("end",), tags=[q(tag) for tag in wanted]):
        name = elem.tag.rpartition("}")[2]
        if name == "ReferenceValueSets":
            for value_set in elem:
                for value in value_set:
                    if isinstance(value.tag, str) and value.get("ID") is not None:
                        kind = value.tag.rpartition("}")[2]
                        key = (kind, value.get("ID", ""))
                        index.references[key] = _Reference(
                            " ".join((value.text or "").split()),
                            {str(k): str(v) for k, v in value.attrib.items()},
                        )
        elif name == "Location":
            index.locations[elem.get("ID", "")] = _location(elem, index, q, path)
        elif name == "IDRegDocument":
            index.documents[elem.get("IdentityID", "")].append(_document(elem, index, q, path))
        elif name == "DistinctParty":
            profile = elem.find(q("Profile"))
            if profile is not None:
                is_person = _entry_type(profile, index, path) is EntryType.PERSON
                names = _names(profile, index, q, path, is_person=is_person)
                if names:
                    index.names[profile.get("ID", "")] = names[0].name
        elif name == "ProfileRelationship":
            label = index.text("RelationType", elem.get("RelationTypeID"), path, line_of(elem))
            index.relations[elem.get("From-ProfileID", "")].append(
                (label, elem.get("To-ProfileID", ""), elem.get("Former") == "true")
            )
        elif name == "SanctionsEntry":
            _sanctions_entry(elem, index, q, path)
        release(elem)
    return index


def _location(elem: etree._Element, index: _Index, q: _Tags, path: Path) -> _Location:
    parts: dict[str, list[str]] = defaultdict(list)
    for part in elem.iterfind(q("LocationPart")):
        label = index.text("LocPartType", part.get("LocPartTypeID"), path, line_of(part))
        values = part.findall(q("LocationPartValue"))
        primary = [v for v in values if v.get("Primary") == "true"] or values[:1]
        for value in primary:
            if text := " ".join((value.findtext(q("Value")) or "").split()):
                parts[label.upper()].append(text)
    country = code = None
    for country_elem in elem.iterfind(q("LocationCountry")):
        ref = index.ref("Country", country_elem.get("CountryID"), path, line_of(country_elem))
        country, code = ref.text, ref.attributes.get("ISO2")
    for area in elem.iterfind(q("LocationAreaCode")):
        ref = index.ref("AreaCode", area.get("AreaCodeID"), path, line_of(area))
        country = country or ref.attributes.get("Description") or ref.text
    code = code or (country_code(country) if country else None)

    def joined(*labels: str) -> str | None:
        return ", ".join(v for label in labels for v in parts.get(label, ())) or None

    address = Address(
        street=joined("ADDRESS1", "ADDRESS2", "ADDRESS3"),
        city=joined("CITY"),
        region=joined("STATE/PROVINCE", "REGION"),
        postal_code=joined("POSTAL CODE"),
        country=country,
        country_code=code,
        remarks=joined("UNKNOWN"),
    )
    has_detail = any(getattr(address, f) for f in Address.__slots__)
    return _Location(address if has_detail else None, country, code)


def _document(elem: etree._Element, index: _Index, q: _Tags, path: Path) -> _Document:
    kind = index.text("IDRegDocType", elem.get("IDRegDocTypeID"), path, line_of(elem))
    country = None
    if elem.get("IssuedBy-CountryID"):
        country = index.text("Country", elem.get("IssuedBy-CountryID"), path, line_of(elem))
    dates: dict[str, str] = {}
    for doc_date in elem.iterfind(q("DocumentDate")):
        label = index.text(
            "IDRegDocDateType", doc_date.get("IDRegDocDateTypeID"), path, line_of(doc_date)
        ).casefold()
        period = doc_date.find(q("DatePeriod"))
        if period is not None and (found := _period_dates(period, q, path)):
            dates["expires" if "expir" in label else "issued"] = found[0]
    details = []
    if authority := " ".join((elem.findtext(q("IssuingAuthority")) or "").split()):
        details.append(f"issued by {authority}")
    if comment := " ".join((elem.findtext(q("Comment")) or "").split()):
        details.append(comment)
    number = " ".join((elem.findtext(q("IDRegistrationNo")) or "").split()) or None
    return _Document(
        kind, number, country, dates.get("issued"), dates.get("expires"), "; ".join(details) or None
    )


def _sanctions_entry(elem: etree._Element, index: _Index, q: _Tags, path: Path) -> None:
    sanctions = index.sanctions[elem.get("ProfileID", "")]

    def keep(key: str, value: str | None) -> None:
        if value and value not in sanctions.properties.setdefault(key, []):
            sanctions.properties[key].append(value)

    if elem.get("ListID"):
        keep("list", index.text("List", elem.get("ListID"), path, line_of(elem)))
    for event in elem.iterfind(q("EntryEvent")):
        when = event.find(q("Date"))
        if when is not None:
            sanctions.event_dates.append(_date_point(when, q, path))
        if event.get("LegalBasisID"):
            basis = index.ref("LegalBasis", event.get("LegalBasisID"), path, line_of(event))
            keep("legal_basis", basis.attributes.get("LegalBasisShortRef") or basis.text)
    for measure in elem.iterfind(q("SanctionsMeasure")):
        label = index.text("SanctionsType", measure.get("SanctionsTypeID"), path, line_of(measure))
        comment = " ".join((measure.findtext(q("Comment")) or "").split())
        if label.casefold() == "program":
            if comment and comment not in sanctions.programs:
                sanctions.programs.append(comment)
        else:
            keep(
                f"sanctions_measure: {label}" if comment else "sanctions_measure", comment or label
            )


# --- pass 2: parties -------------------------------------------------------------------------


def _entries(path: Path, namespace: str) -> Iterator[Entry]:
    q = _Tags(namespace)
    index = _build_index(path, q)
    source = source_for(path)
    seen: set[str] = set()
    for _event, elem in events(path, ("end",), tags=[q("DistinctParty")]):
        entry = _party(elem, index, q, path, source)
        if entry.source_id in seen:
            raise ListFormatError(
                str(path), f"FixedRef {entry.source_id} appears twice", line=line_of(elem)
            )
        seen.add(entry.source_id)
        release(elem)
        yield entry


def _entry_type(profile: etree._Element, index: _Index, path: Path) -> EntryType:
    sub_type = index.ref("PartySubType", profile.get("PartySubTypeID"), path, line_of(profile))
    label = sub_type.text.casefold()
    if label in ("vessel", "aircraft"):
        return EntryType.VESSEL if label == "vessel" else EntryType.AIRCRAFT
    party_type = index.ref(
        "PartyType", sub_type.attributes.get("PartyTypeID"), path, line_of(profile)
    ).text.casefold()
    if party_type == "individual":
        return EntryType.PERSON
    if party_type == "entity":
        return EntryType.ORGANIZATION
    raise ListFormatError(
        str(path), f"unknown party type {sub_type.text!r}/{party_type!r}", line=line_of(profile)
    )


def _party(elem: etree._Element, index: _Index, q: _Tags, path: Path, source: ListSource) -> Entry:
    fixed_ref = (elem.get("FixedRef") or "").strip()
    if not fixed_ref:
        raise ListFormatError(str(path), "DistinctParty without FixedRef", line=line_of(elem))
    if not fixed_ref.isdigit():
        raise ListFormatError(
            str(path), f"FixedRef is not a number: {fixed_ref!r}", line=line_of(elem)
        )
    profile = elem.find(q("Profile"))
    if profile is None:
        raise ListFormatError(str(path), "DistinctParty without Profile", line=line_of(elem))
    entry_type = _entry_type(profile, index, path)
    names = _names(profile, index, q, path, is_person=entry_type is EntryType.PERSON)
    if not names:
        raise ListFormatError(str(path), "party without a name", line_of(elem), record=fixed_ref)

    facts = _Facts()
    for identity in profile.iterfind(q("Identity")):
        for document in index.documents.get(identity.get("ID", ""), ()):
            facts.document(document)
    for feature in profile.iterfind(q("Feature")):
        facts.feature(feature, index, q, path)

    profile_id = profile.get("ID", "")
    sanctions = index.sanctions.get(profile_id, _Sanctions())
    for key, values in sanctions.properties.items():
        for value in values:
            facts.keep(key, value)
    relations = [
        Relation(
            kind=("former_" if former else "") + _slug(label),
            target_name=index.names.get(target, ""),
            target_id=target or None,
        )
        for label, target, former in index.relations.get(profile_id, ())
    ]
    comments = [" ".join((c.text or "").split()) for c in elem.iterfind(q("Comment"))]
    comments += [" ".join((c.text or "").split()) for c in profile.iterfind(q("Comment"))]
    remarks = "; ".join(c for c in comments if c) or None
    facts.add(mine_remarks(remarks))
    relations += [r for r in facts.relations if r not in relations]
    return Entry(
        source=source,
        source_id=fixed_ref,
        type=entry_type,
        names=tuple(unique_names([*names, *facts.names])),
        programs=tuple(sanctions.programs),
        addresses=tuple(facts.addresses),
        countries=tuple(dict.fromkeys(facts.countries)),
        birth_dates=tuple(dict.fromkeys(facts.birth_dates)),
        birth_places=tuple(dict.fromkeys(facts.birth_places)),
        identifiers=tuple(facts.identifiers),
        relations=tuple(relations),
        remarks=remarks,
        listed_on=min(sanctions.event_dates) if sanctions.event_dates else None,
        properties={key: tuple(dict.fromkeys(values)) for key, values in facts.properties.items()},
    )


def _slug(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", label.casefold()).strip("_")


def _names(
    profile: etree._Element, index: _Index, q: _Tags, path: Path, *, is_person: bool
) -> list[Name]:
    """Every documented name of a profile, the primary (Latin) one first."""
    primary: list[Name] = []
    others: list[Name] = []
    for identity in profile.iterfind(q("Identity")):
        groups = {
            group.get("ID", ""): index.text(
                "NamePartType", group.get("NamePartTypeID"), path, line_of(group)
            ).casefold()
            for group in identity.iterfind(q("NamePartGroups/MasterNamePartGroup/NamePartGroup"))
        }
        for alias in identity.iterfind(q("Alias")):
            alias_type = index.text("AliasType", alias.get("AliasTypeID"), path, line_of(alias))
            is_primary = alias.get("Primary") == "true"
            if alias.get("LowQuality") == "true":
                kind = NameKind.WEAK
            else:
                kind = _ALIAS_KINDS.get(alias_type.casefold(), NameKind.AKA)
            for position, documented in enumerate(alias.iterfind(q("DocumentedName"))):
                name = _documented_name(documented, groups, index, q, path, is_person)
                if name is None:
                    continue
                if is_primary and position == 0 and not primary:
                    primary.append(_with_kind(name, NameKind.PRIMARY))
                else:
                    others.append(_with_kind(name, NameKind.AKA if is_primary else kind))
    names: list[Name] = []
    for name in primary + others:
        if name.name not in {n.name for n in names}:
            names.append(name)
    return names


def _with_kind(name: Name, kind: NameKind) -> Name:
    return Name(name.name, kind, name.script, name.first, name.last)


def _documented_name(
    documented: etree._Element,
    groups: dict[str, str],
    index: _Index,
    q: _Tags,
    path: Path,
    is_person: bool,
) -> Name | None:
    parts: list[tuple[str, str]] = []
    script: str | None = None
    for value in documented.iterfind(q("DocumentedNamePart/NamePartValue")):
        text = " ".join((value.text or "").split())
        if not text:
            continue
        parts.append((groups.get(value.get("NamePartGroupID", ""), ""), text))
        if script is None and value.get("ScriptID"):
            ref = index.ref("Script", value.get("ScriptID"), path, line_of(value))
            script = ref.attributes.get("ScriptCode") or None
    if not parts:
        return None
    if not is_person:
        return Name(" ".join(text for _, text in parts), NameKind.AKA, script)
    last = " ".join(text for label, text in parts if label in _LAST_NAME_PARTS)
    given = sorted(
        ((label, text) for label, text in parts if label not in _LAST_NAME_PARTS),
        key=lambda part: (
            _GIVEN_NAME_ORDER.index(part[0])
            if part[0] in _GIVEN_NAME_ORDER
            else len(_GIVEN_NAME_ORDER)
        ),
    )
    first = " ".join(text for _, text in given)
    if last and first:
        return Name(person_name(last, first), NameKind.AKA, script, first=first, last=last)
    return Name(last or first, NameKind.AKA, script)


def _period_dates(period: etree._Element, q: _Tags, path: Path) -> list[str]:
    """A DatePeriod as ISO prefixes: one date, month or year, or every year of a range.

    OFAC spans a year-only date from 1 Jan (Start) to 31 Dec (End), so the precision follows
    from the earliest and latest boundary points.
    """
    points = [
        _date_point(point, q, path)
        for boundary in ("Start", "End")
        for side in ("From", "To")
        if (point := period.find(q(f"{boundary}/{side}"))) is not None
    ]
    if not points:
        return []
    low, high = min(points), max(points)
    if low == high:
        return [low.isoformat()]
    if (low.year, low.month) == (high.year, high.month):
        whole_month = low.day == 1 and high.day == calendar.monthrange(high.year, high.month)[1]
        return [f"{low.year:04d}-{low.month:02d}"] if whole_month else [low.isoformat()]
    if low.year == high.year:
        return [f"{low.year:04d}"]
    return year_span(low.year, high.year)


class _Facts(Facts):
    """What a profile's documents and features say, sorted into Entry fields."""

    def __init__(self) -> None:
        super().__init__()
        self.addresses: list[Address] = []

    def document(self, document: _Document) -> None:
        if not document.number:
            self.keep(snake_case(document.kind), document.remarks)
            return
        clause = id_clause(
            document.kind, document.number, document.country, document.issued, document.expires
        )
        mined = mine_clause(clause)
        for identifier in mined.identifiers:
            notes = "; ".join(n for n in (identifier.remarks, document.remarks) if n) or None
            self.identifiers.append(
                Identifier(identifier.kind, identifier.value, identifier.country, notes)
            )
        for key, values in mined.properties.items():
            for value in values:
                self.keep(key, value)

    def feature(self, feature: etree._Element, index: _Index, q: _Tags, path: Path) -> None:
        label = index.text("FeatureType", feature.get("FeatureTypeID"), path, line_of(feature))
        for version in feature.iterfind(q("FeatureVersion")):
            details = []
            for detail in version.iterfind(q("VersionDetail")):
                if detail.get("DetailReferenceID"):
                    ref_id = detail.get("DetailReferenceID")
                    details.append(index.text("DetailReference", ref_id, path, line_of(detail)))
                elif text := " ".join((detail.text or "").split()):
                    details.append(text)
            locations = [
                location
                for loc in version.iterfind(q("VersionLocation"))
                if (location := index.locations.get(loc.get("LocationID", ""))) is not None
            ]
            dates: list[str] = []
            for period in version.iterfind(q("DatePeriod")):
                dates.extend(_period_dates(period, q, path))
            self._apply(label, details, locations, dates)

    def _apply(
        self, label: str, details: list[str], locations: list[_Location], dates: list[str]
    ) -> None:
        key = label.casefold()
        if key == "birthdate":
            self.birth_dates.extend(dates)
        elif key == "place of birth":
            self.birth_places.extend(details)
            self.birth_places.extend(_location_text(loc) for loc in locations)
        elif key in ("nationality country", "citizenship country"):
            property_key = "nationality" if key.startswith("nationality") else "citizenship"
            for country, code in [(loc.country, loc.code) for loc in locations] + [
                (detail, country_code(detail)) for detail in details
            ]:
                if code:
                    self.countries.append(code)
                else:
                    self.keep(property_key, country)
        elif key == "location":
            for loc in locations:
                if loc.address is not None:
                    self.addresses.append(loc.address)
                if loc.code:
                    self.countries.append(loc.code)
        elif key in _FEATURE_PROPERTIES:
            for detail in details:
                self.keep(_FEATURE_PROPERTIES[key], detail)
        else:
            # Everything else reads as OFAC prints it in the CSV remarks: `Website x.com`,
            # `Digital Currency Address - XBT 1F1t...`, `Gender Male`, `SWIFT/BIC ...`.
            values = details or [_location_text(loc) for loc in locations] or dates[:1]
            for value in values:
                self.add(mine_clause(f"{label} {value}"))


def _location_text(location: _Location) -> str:
    if location.address is None:
        return location.country or ""
    a = location.address
    return ", ".join(p for p in (a.street, a.city, a.region, a.postal_code, a.country) if p)
