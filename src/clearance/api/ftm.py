"""Entries as FollowTheMoney data: entity ids, schemata, property names, nested entities.

Pure functions over `clearance.model`; `yente.py` wraps their output in yente's response
models. Property names are FtM's (`name`, `alias`, `weakAlias`, `birthDate`, `programId`,
...); the tests check every one against FtM's own schema model over a whole SDN list.

Entity ids are `{list}-{source id}` (`ofac-sdn-21344`), FtM-safe: other characters (and the
source id's hyphens) are escaped as `.xx` (hex of each UTF-8 byte), so `parse_entity_id` gives
the list and source id back exactly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from clearance.model import Address, Entry, EntryType, Identifier, ListSource, NameKind

# --- entity ids ------------------------------------------------------------------------------

_LIST_PLAIN = re.compile(r"[0-9A-Za-z-]")
_ID_PLAIN = re.compile(r"[0-9A-Za-z]")  # a source id's hyphens are escaped: see `entity_id`
_ESCAPE = re.compile(r"\.([0-9a-f]{2})")
_FTM_ID = re.compile(r"^[0-9a-zA-Z]([0-9a-zA-Z.\-]*[0-9a-zA-Z])?$")


def _escape(text: str, plain: re.Pattern[str]) -> str:
    return "".join(
        ch if plain.fullmatch(ch) else "".join(f".{b:02x}" for b in ch.encode("utf-8"))
        for ch in text
    )


def _unescape(text: str) -> str | None:
    if "." in _ESCAPE.sub("", text):
        return None  # a dot that is not an escape: not one of our ids
    raw = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    try:
        return raw.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None


def entity_id(list_name: str, source_id: str) -> str:
    """`{list}-{source id}`: the source id's own hyphens are escaped, so the last hyphen
    always separates the two (list names such as `ofac-sdn` keep theirs)."""
    return f"{_escape(list_name, _LIST_PLAIN)}-{_escape(source_id, _ID_PLAIN)}"


def parse_entity_id(value: str) -> tuple[str, str] | None:
    """(list name, source id) of an id made by `entity_id`, or None."""
    if not _FTM_ID.match(value):
        return None
    head, sep, tail = value.rpartition("-")
    if not sep or not head or not tail:
        return None
    list_name, source_id = _unescape(head), _unescape(tail)
    if not list_name or not source_id:
        return None
    return list_name, source_id


# --- entries -> FtM properties -----------------------------------------------------------------

_SCHEMA_OF_TYPE = {
    EntryType.PERSON: "Person",
    EntryType.ORGANIZATION: "Organization",
    EntryType.VESSEL: "Vessel",
    EntryType.AIRCRAFT: "Airplane",
    EntryType.UNKNOWN: "LegalEntity",
}
_NAME_PROPERTY = {
    NameKind.PRIMARY: "name",
    NameKind.AKA: "alias",
    NameKind.FKA: "previousName",
    NameKind.WEAK: "weakAlias",
}
_LEGAL = frozenset({"LegalEntity", "Person", "Organization"})
_ALL = _LEGAL | {"Vessel", "Airplane"}

# Identifier kinds as lists publish them (matched by words in lower case) -> FtM property,
# with the schemata that have it; the first row that fits wins; else `idNumber`
# (`registrationNumber` for vessels and aircraft, which have no `idNumber`).
_IDENTIFIER_PROPERTY: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("passport", "passportNumber", frozenset({"Person"})),
    ("imo", "imoNumber", frozenset({"Vessel", "Organization"})),
    ("mmsi", "mmsi", frozenset({"Vessel"})),
    ("serial number", "serialNumber", frozenset({"Airplane"})),
    ("swift", "swiftBic", _LEGAL),
    ("tax id", "taxNumber", _LEGAL),
    ("v.a.t.", "vatCode", _LEGAL),
    ("registration", "registrationNumber", _ALL),
)
# Source-specific facts (`Entry.properties`) that FtM has a property for.
_FACT_PROPERTY: Mapping[str, tuple[str, frozenset[str]]] = {
    "gender": ("gender", frozenset({"Person"})),
    "title": ("position", frozenset({"Person"})),
    "website": ("website", _LEGAL),
    "email_address": ("email", _LEGAL),
    "phone": ("phone", _LEGAL),
    "vessel_flag": ("flag", frozenset({"Vessel"})),
    "former_vessel_flag": ("pastFlags", frozenset({"Vessel"})),
    "vessel_type": ("type", frozenset({"Vessel"})),
    "call_sign": ("callSign", frozenset({"Vessel"})),
    "tonnage": ("tonnage", frozenset({"Vessel"})),
    "gross_tonnage": ("grossRegisteredTonnage", frozenset({"Vessel"})),
    "aircraft_model": ("model", frozenset({"Airplane"})),
}
AUTHORITY: Mapping[ListSource, str] = {
    ListSource.OFAC_SDN: "Office of Foreign Assets Control",
    ListSource.OFAC_CONS: "Office of Foreign Assets Control",
    ListSource.UN: "United Nations Security Council",
    ListSource.UK_HMT: "HM Treasury, Office of Financial Sanctions Implementation",
    ListSource.EU_FSF: "European Commission",
}


def schema_of(entry: Entry) -> str:
    return _SCHEMA_OF_TYPE[entry.type]


def _identifier_property(identifier: Identifier, schema: str) -> str:
    kind = identifier.kind.lower()
    for word, prop, schemata in _IDENTIFIER_PROPERTY:
        if word in kind and schema in schemata:
            return prop
    return "idNumber" if schema in _LEGAL else "registrationNumber"


def _address_text(address: Address) -> str:
    parts = (
        address.street,
        address.city,
        address.region,
        address.postal_code,
        address.country,
    )
    return ", ".join(p for p in parts if p)


def entry_properties(entry: Entry) -> dict[str, list[str]]:
    """The entry's facts under FtM property names (values de-duplicated, in order)."""
    schema = schema_of(entry)
    props: dict[str, list[str]] = {}

    def add(prop: str, *values: str | None) -> None:
        for value in values:
            if value and value not in props.setdefault(prop, []):
                props[prop].append(value)

    for name in entry.names:
        add(_NAME_PROPERTY[name.kind], name.name)
    if schema == "Person":
        primary = next((n for n in entry.names if n.kind is NameKind.PRIMARY), None)
        if primary is not None:
            add("firstName", primary.first)
            add("lastName", primary.last)
        add("birthDate", *entry.birth_dates)
        add("birthPlace", *entry.birth_places)
    add("country", *(c.lower() for c in entry.countries))
    add("address", *(_address_text(a) for a in entry.addresses))
    for identifier in entry.identifiers:
        add(_identifier_property(identifier, schema), identifier.value)
    for fact, values in sorted(entry.properties.items()):
        mapped = _FACT_PROPERTY.get(fact)
        if mapped is not None and schema in mapped[1]:
            add(mapped[0], *values)
    add("programId", *entry.programs)
    add("notes", entry.remarks)
    add("topics", "sanction")
    return {k: v for k, v in props.items() if v}


@dataclass(frozen=True, slots=True)
class FtmEntity:
    """An adjacent entity (a sanction, a link) in FtM terms."""

    id: str
    schema: str
    caption: str
    properties: dict[str, list[str]]


def sanction_of(entry: Entry, eid: str, list_name: str) -> FtmEntity:
    """The entry's listing as an FtM `Sanction` (yente nests these under `sanctions`)."""
    props: dict[str, list[str]] = {"entity": [eid]}
    authority = AUTHORITY.get(entry.source)
    if authority:
        props["authority"] = [authority]
    if entry.programs:
        props["programId"] = list(entry.programs)
    if entry.listed_on:
        props["listingDate"] = [entry.listed_on.isoformat()]
    return FtmEntity(f"{eid}-sanction", "Sanction", authority or list_name, props)


def links_of(entry: Entry, eid: str, list_name: str) -> list[FtmEntity]:
    """Relations to other entries of the list as FtM `UnknownLink`s (`role`: the kind)."""
    links = []
    for number, relation in enumerate(entry.relations, start=1):
        if not relation.target_id:
            continue
        props = {
            "subject": [eid],
            "object": [entity_id(list_name, relation.target_id)],
            "role": [relation.kind],
        }
        if relation.start_date:
            props["startDate"] = [relation.start_date]
        if relation.end_date:
            props["endDate"] = [relation.end_date]
        links.append(FtmEntity(f"{eid}-link-{number}", "UnknownLink", relation.target_name, props))
    return links
