"""Core types shared by every part of clearance.

Plain frozen dataclasses and enums: no I/O, no imports from the rest of the package. Parsers
produce `Entry` objects; the store serializes them with `entry_to_dict` / `entry_from_dict`,
so those two functions define the canonical, hashable form of an entry.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any


class ListSource(StrEnum):
    """The publications clearance can ingest (the `--source KIND` values)."""

    OFAC_SDN = "ofac-sdn"
    OFAC_CONS = "ofac-cons"
    UN = "un"
    UK_HMT = "uk-hmt"
    EU_FSF = "eu-fsf"
    FTM = "ftm"


class EntryType(StrEnum):
    PERSON = "person"
    ORGANIZATION = "organization"
    VESSEL = "vessel"
    AIRCRAFT = "aircraft"
    UNKNOWN = "unknown"


class NameKind(StrEnum):
    PRIMARY = "primary"
    AKA = "aka"
    FKA = "fka"
    # OFAC's "weak" (low-quality) a.k.a.s, such as `FSB`: screening matches them only exactly.
    WEAK = "weak"


@dataclass(frozen=True, slots=True)
class Name:
    name: str
    kind: NameKind = NameKind.PRIMARY
    # ISO 15924 script code of the name as published (`Latn`, `Cyrl`, `Arab`, ...), if known.
    script: str | None = None
    # Person-name parts where the source publishes them separately (UN, UK, EU).
    first: str | None = None
    last: str | None = None


@dataclass(frozen=True, slots=True)
class Address:
    street: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None  # as published (a name, e.g. "Russia")
    country_code: str | None = None  # ISO 3166-1 alpha-2 where it can be resolved
    remarks: str | None = None


@dataclass(frozen=True, slots=True)
class Identifier:
    kind: str  # as published: "Passport", "National ID No.", "IMO", "Registration Number", ...
    value: str
    country: str | None = None
    remarks: str | None = None


@dataclass(frozen=True, slots=True)
class Relation:
    kind: str  # "linked_to", "owned_by", "owns", "family", ...
    target_name: str
    target_id: str | None = None  # the other entry's source id, where the source gives it
    # Ownership stake in percent (FtM Ownership records): the 50 Percent Rule adds these up.
    percentage: float | None = None
    start_date: str | None = None  # ISO prefixes, as published
    end_date: str | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    """One listed person, organization, vessel or aircraft in one list version."""

    source: ListSource
    source_id: str  # stable across versions: SDN ent_num, UN DATAID, UK Group ID, ...
    type: EntryType
    names: tuple[Name, ...]
    programs: tuple[str, ...] = ()
    addresses: tuple[Address, ...] = ()
    countries: tuple[str, ...] = ()  # ISO 3166-1 alpha-2: nationality, citizenship, address
    birth_dates: tuple[str, ...] = ()  # ISO prefixes: "1952", "1952-10", "1952-10-07"
    birth_places: tuple[str, ...] = ()
    identifiers: tuple[Identifier, ...] = ()
    relations: tuple[Relation, ...] = ()
    remarks: str | None = None
    listed_on: date | None = None
    # Source-specific facts that have no field of their own (title, call sign, vessel flag,
    # secondary sanctions risk, ...), kept so that nothing published is lost.
    properties: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def primary_name(self) -> str:
        for name in self.names:
            if name.kind is NameKind.PRIMARY:
                return name.name
        return self.names[0].name if self.names else ""

    def content_hash(self) -> str:
        return content_hash(entry_to_dict(self))


@dataclass(frozen=True, slots=True)
class ListVersion:
    """One published state of one list, as stored."""

    id: int
    list_name: str
    source: ListSource
    published: date
    imported_at: datetime
    sha256: str
    entry_count: int
    origin: str  # where it was read from: file paths or URL
    counts: Mapping[str, int] = field(default_factory=dict)  # per entry type


@dataclass(frozen=True, slots=True)
class ListPart:
    """A part a list format publishes in a file of its own (OFAC CSV: aliases in `alt.csv`),
    and whether this version had it. A version without a part its format has is incomplete:
    names published only as aliases cannot be found in it."""

    name: str  # aliases | addresses | remarks
    file: str  # the format's file name for it: `alt.csv`
    present: bool
    rows: int | None = None  # rows read, where present


@dataclass(slots=True)
class ParsedList:
    """What a parser hands to the store: metadata plus a stream of entries.

    `entries` is a one-shot iterator so that whole files never need to sit in memory.
    `published` is None when the file carries no date (OFAC CSV): the importer then needs one
    from the user.
    """

    source: ListSource
    published: date | None
    files: tuple[str, ...]
    sha256: str  # over the raw bytes of every file, in `files` order
    entries: Iterator[Entry]
    # For delta formats (FtM): source ids removed relative to the previous version. The store
    # builds the new version from the previous one plus `entries` minus `deleted`.
    is_delta: bool = False
    deleted: tuple[str, ...] = ()
    # The list this is a version of. Empty means the source kind itself (`ofac-sdn`); FtM data
    # sets give their dataset name, since several unrelated data sets share that format.
    list_name: str = ""
    # The parts the format publishes separately, and whether each was there (empty for
    # formats that carry everything in one file).
    parts: tuple[ListPart, ...] = ()
    # Signs the parser saw that the file may be incomplete without being an error on their own
    # (an OFAC CSV main file without its Ctrl-Z end marker): the store adds them to a refusal
    # for far fewer entries than the previous version had.
    doubts: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.list_name or self.source.value


def _address_to_dict(a: Address) -> dict[str, Any]:
    return {k: getattr(a, k) for k in Address.__slots__ if getattr(a, k) is not None}


def entry_to_dict(entry: Entry) -> dict[str, Any]:
    """The canonical JSON-ready form of an entry (also the `lists show --format json` body)."""
    return {
        "source": entry.source.value,
        "id": entry.source_id,
        "type": entry.type.value,
        "names": [
            {
                k: v
                for k, v in (
                    ("name", n.name),
                    ("kind", n.kind.value),
                    ("script", n.script),
                    ("first", n.first),
                    ("last", n.last),
                )
                if v is not None
            }
            for n in entry.names
        ],
        "programs": list(entry.programs),
        "addresses": [_address_to_dict(a) for a in entry.addresses],
        "countries": list(entry.countries),
        "birth_dates": list(entry.birth_dates),
        "birth_places": list(entry.birth_places),
        "identifiers": [
            {k: getattr(i, k) for k in Identifier.__slots__ if getattr(i, k) is not None}
            for i in entry.identifiers
        ],
        "relations": [
            {k: getattr(r, k) for k in Relation.__slots__ if getattr(r, k) is not None}
            for r in entry.relations
        ],
        "remarks": entry.remarks,
        "listed_on": entry.listed_on.isoformat() if entry.listed_on else None,
        "properties": {k: list(v) for k, v in sorted(entry.properties.items())},
    }


def entry_from_dict(data: Mapping[str, Any]) -> Entry:
    return Entry(
        source=ListSource(data["source"]),
        source_id=str(data["id"]),
        type=EntryType(data["type"]),
        names=tuple(
            Name(
                name=n["name"],
                kind=NameKind(n.get("kind", "primary")),
                script=n.get("script"),
                first=n.get("first"),
                last=n.get("last"),
            )
            for n in data.get("names", ())
        ),
        programs=tuple(data.get("programs", ())),
        addresses=tuple(Address(**a) for a in data.get("addresses", ())),
        countries=tuple(data.get("countries", ())),
        birth_dates=tuple(data.get("birth_dates", ())),
        birth_places=tuple(data.get("birth_places", ())),
        identifiers=tuple(Identifier(**i) for i in data.get("identifiers", ())),
        relations=tuple(Relation(**r) for r in data.get("relations", ())),
        remarks=data.get("remarks"),
        listed_on=date.fromisoformat(data["listed_on"]) if data.get("listed_on") else None,
        properties={k: tuple(v) for k, v in data.get("properties", {}).items()},
    )


def canonical_json(data: Any) -> str:
    """Deterministic JSON: the byte form that content hashes are taken over."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_hash(data: Any) -> str:
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()


# --- screening -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Party:
    """A counterparty to screen: what a customer record or a transaction says about it."""

    name: str
    type: EntryType = EntryType.UNKNOWN
    country: str | None = None  # ISO 3166-1 alpha-2
    dob: str | None = None  # ISO prefix: "1952" or "1952-10-07"
    identifiers: tuple[Identifier, ...] = ()
    role: str | None = None  # "payee", "consignee", ... (decisions only)
    # Where the party is, as given (free text): decisions read it for regions a license
    # excludes (a payee in Sevastopol involves Crimea). Screening does not use it.
    address: str | None = None
    city: str | None = None


@dataclass(frozen=True, slots=True)
class Feature:
    """One scored part of a hit: what it compared, what it found, how it moved the score."""

    name: str  # "name", "dob", "country", "identifier", "type", "weak_alias", ...
    score: float  # this feature's own similarity (0..1), or the adjustment it applied
    detail: str  # human-readable: "query 'PUTIN Vladimir' ~ listed 'PUTIN, Vladimir...'"


@dataclass(frozen=True, slots=True)
class Hit:
    """A party-entry match, with everything needed to explain and replay it."""

    list_name: str
    list_version_id: int
    entry: Entry
    score: float
    match: bool  # score reached the match threshold
    query_name: str
    matched_name: Name  # the listed name that scored best
    algorithm: str  # frozen scorer version, e.g. "clearance-v1"
    features: tuple[Feature, ...] = ()

    @property
    def explanation(self) -> str:
        return "; ".join(f"{f.name}: {f.detail}" for f in self.features)


# --- the wire form of the core types ---------------------------------------------------------
# One to_dict/from_dict per type: the CLI's JSON, audit payloads, batch files and the HTTP API
# all use these, so a field has one name everywhere (docs/wire.md).


def identifier_to_dict(identifier: Identifier) -> dict[str, Any]:
    return {k: getattr(identifier, k) for k in Identifier.__slots__ if getattr(identifier, k)}


def party_to_dict(party: Party) -> dict[str, Any]:
    return {
        "name": party.name,
        "type": party.type.value,
        "country": party.country,
        "dob": party.dob,
        "identifiers": [identifier_to_dict(i) for i in party.identifiers],
        "role": party.role,
        "address": party.address,
        "city": party.city,
    }


def party_from_dict(data: Mapping[str, Any]) -> Party:
    """From `party_to_dict` output (trusted: audit payloads). Input from people and machines
    goes through `clearance.schema.PartyIn`, which validates."""
    return Party(
        name=data["name"],
        type=EntryType(data.get("type") or "unknown"),
        country=data.get("country"),
        dob=data.get("dob"),
        identifiers=tuple(Identifier(**i) for i in data.get("identifiers", ())),
        role=data.get("role"),
        address=data.get("address"),
        city=data.get("city"),
    )


def version_to_dict(version: ListVersion) -> dict[str, Any]:
    return {
        "id": version.id,
        "list": version.list_name,
        "source": version.source.value,
        "published": version.published.isoformat(),
        "imported_at": version.imported_at.isoformat(),
        "sha256": version.sha256,
        "entries": version.entry_count,
        "counts": dict(version.counts),
        "origin": version.origin,
    }


def feature_to_dict(feature: Feature) -> dict[str, Any]:
    return {"name": feature.name, "score": feature.score, "detail": feature.detail}


def hit_to_dict(hit: Hit, *, with_entry: bool = False) -> dict[str, Any]:
    """A hit with its explanation; `with_entry` adds the listed entry's whole body."""
    data: dict[str, Any] = {
        "list": hit.list_name,
        "list_version_id": hit.list_version_id,
        "source_id": hit.entry.source_id,
        "entry_name": hit.entry.primary_name,
        "entry_hash": hit.entry.content_hash(),
        "entry_type": hit.entry.type.value,
        "programs": list(hit.entry.programs),
        "score": hit.score,
        "match": hit.match,
        "query_name": hit.query_name,
        "matched_name": {"name": hit.matched_name.name, "kind": hit.matched_name.kind.value},
        "algorithm": hit.algorithm,
        "features": [feature_to_dict(f) for f in hit.features],
        "explanation": hit.explanation,
    }
    if with_entry:
        data["entry"] = entry_to_dict(hit.entry)
    return data
