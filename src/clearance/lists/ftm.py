"""OpenSanctions / FollowTheMoney (FtM) entities as JSON lines, full exports and delta series.

Inputs (`parse`, `parse_delta_series`):

- a full export `entities.ftm.json` (one FtM entity per line: `{id, schema, caption,
  properties: {prop: [values]}, datasets, referents, first_seen, last_seen, last_change,
  target}`), given as the file or the folder holding it;
- a delta series: `delta.json` (`{"versions": {version_id: url}, "updated_at": ...}`) with one
  folder per version holding `entities.delta.json`, lines `{"op": "ADD"|"MOD"|"DEL",
  "entity": {...}}` (a DEL entity carries only its id). The files are read where they lie;
  the URLs are not fetched.

`parse_delta_series(path)` returns one `ParsedList` per non-empty version, oldest first, each
`is_delta=True`, to be imported in that order. The first version applies to an empty list (as
in OpenSanctions' delta fixtures), so a series is complete only if it starts at the
dataset's beginning; a folder that also holds a full export should be imported with `parse`,
since the export already contains every change its index lists. An empty version changes
nothing and yields no `ParsedList`. `parse` on a folder with only a delta series replays it and
returns the resulting state as one full version.

Only "things" become entries: Person -> person; Organization, Company, LegalEntity, PublicBody
-> organization; Vessel -> vessel; Airplane -> aircraft. Other schemas are not entries but
feed the things they point at:

- Sanction (`entity`): `program` and `programId` values become programs; `listed_on` is the
  earliest day any record listed the thing (a record's `listingDate`, else its `startDate`);
  each record is kept whole in `properties["sanction"]`.
- Links become `Relation`s on both ends, named from each end: Ownership owner -> asset is
  `owns` on the owner and `owned_by` on the asset; Directorship `director_of` /
  `directed_by`; Family, Associate, UnknownLink the same word on both ends; Membership,
  Employment, Representation, Succession likewise (see `LINKS`). `Relation` has no field for
  a percentage or dates, so every link record is also kept whole (id, schema and all its FtM
  properties, values as lists of strings: `"percentage": ["51"]`, `"startDate"`,
  `"endDate"`, `"sharesCount"` ...) as canonical JSON in `properties[schema.lower()]`
  (`properties["ownership"]`) on both ends. The 50 Percent Rule reads ownership from there.
- Address entities (referenced by `addressEntity`) become `Address`es; Passport,
  Identification and CryptoWallet (`holder`) become `Identifier`s.
- A delta that changes such a record re-publishes every thing it touches (or touched), and a
  changed thing re-publishes the things linked to it (their relation names may change).

Names: the caption (else the first `name`) is primary; other `name`s and `alias` are a.k.a.s,
`previousName` former names, `weakAlias` and `abbreviation` weak; a text under several kinds
keeps the strongest. Each name's script is detected; for people, `Name.first`/`Name.last` are
the `firstName`/`lastName` values that occur in that name. Countries (`nationality`,
`citizenship`, `country`, `jurisdiction`, `mainCountry`, address countries) are FtM's
lowercase alpha-2 codes, upper-cased; other codes (`suhh`, `ge-ab`) stay in `properties`.
Identifier properties (`IDENTIFIER_PROPS`) become `Identifier`s. `notes` are the remarks.
Everything else, and `datasets`, `referents`, `first_seen`, `last_change` and `target`
(false for entities that are only related to a listed one), is kept in `properties`;
`last_seen` is dropped because it changes with every export while the entity does not.

Memory: a full export is read twice; the first pass keeps only the attached records and the
things' captions, the second builds the entries one at a time. A delta series is replayed in
memory whole, since a change to an attached record needs the things it touches.

`list_name` is the dataset folder name (`t1`, `zala`), or a `name`/`dataset` key of
`delta.json` when present. `published`: a delta version's date is the one in its id
(`20240527134702-zbn` -> 2024-05-27); a full export next to a `delta.json` takes the index's
`updated_at`; a lone export takes its newest `last_change`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from clearance.lists.base import (
    address_sort_key,
    check_field_size,
    parse_iso_date,
    sha256_of_files,
)
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
    Relation,
    canonical_json,
)
from clearance.names.scripts import detect_script

__all__ = ["IDENTIFIER_PROPS", "LINKS", "THING_TYPES", "parse", "parse_delta_series"]

FULL_EXPORT = "entities.ftm.json"
DELTA_INDEX = "delta.json"
DELTA_FILE = "entities.delta.json"

THING_TYPES = {
    "Person": EntryType.PERSON,
    "Organization": EntryType.ORGANIZATION,
    "Company": EntryType.ORGANIZATION,
    "LegalEntity": EntryType.ORGANIZATION,
    "PublicBody": EntryType.ORGANIZATION,
    "Vessel": EntryType.VESSEL,
    "Airplane": EntryType.AIRCRAFT,
}
# schema -> (from property, to property, relation kind on the from end, on the to end)
LINKS = {
    "Ownership": ("owner", "asset", "owns", "owned_by"),
    "Directorship": ("director", "organization", "director_of", "directed_by"),
    "Family": ("person", "relative", "family", "family"),
    "Associate": ("person", "associate", "associate", "associate"),
    "UnknownLink": ("subject", "object", "linked_to", "linked_to"),
    "Membership": ("member", "organization", "member_of", "has_member"),
    "Employment": ("employee", "employer", "employee_of", "employs"),
    "Representation": ("agent", "client", "agent_of", "represented_by"),
    "Succession": ("predecessor", "successor", "succeeded_by", "successor_of"),
}
_HELD = {"Passport", "Identification", "CryptoWallet"}  # linked by `holder`
ADJUNCT_SCHEMAS = {"Sanction", "Address", *_HELD, *LINKS}
IDENTIFIER_PROPS = {
    "idNumber": "ID Number",
    "passportNumber": "Passport",
    "registrationNumber": "Registration Number",
    "taxNumber": "Tax Number",
    "innCode": "INN",
    "ogrnCode": "OGRN",
    "okpoCode": "OKPO",
    "vatCode": "VAT",
    "leiCode": "LEI",
    "swiftBic": "SWIFT/BIC",
    "dunsCode": "DUNS",
    "uniqueEntityId": "Unique Entity ID",
    "permId": "PermID",
    "npiCode": "NPI",
    "socialSecurityNumber": "Social Security Number",
    "imoNumber": "IMO",
    "mmsi": "MMSI",
    "callSign": "Call Sign",
}
_NAME_KINDS = {
    "alias": NameKind.AKA,
    "previousName": NameKind.FKA,
    "weakAlias": NameKind.WEAK,
    "abbreviation": NameKind.WEAK,
}
_KIND_RANK = {NameKind.PRIMARY: 0, NameKind.AKA: 1, NameKind.FKA: 2, NameKind.WEAK: 3}
_COUNTRY_PROPS = ("nationality", "citizenship", "country", "jurisdiction", "mainCountry")
_MAPPED = {
    "name",
    *_NAME_KINDS,
    "birthDate",
    "birthPlace",
    "notes",
    "addressEntity",
    "address",
    *IDENTIFIER_PROPS,
}
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_VERSION = re.compile(r"^(\d{4})(\d{2})(\d{2})\d*(?:-.+)?$")
_OPS = {"ADD", "MOD", "DEL"}
# Top-level fields kept in `properties`; `last_seen` is not (it changes with every export).
_KEPT_META = ("datasets", "referents", "first_seen", "last_change", "target")


@dataclass(frozen=True, slots=True)
class _Raw:
    """One FtM entity as read, with where it was read (for error messages)."""

    id: str
    schema: str
    caption: str
    properties: dict[str, list[str]]
    meta: dict[str, Any]
    file: str
    line: int

    def values(self, prop: str) -> list[str]:
        return [v for v in self.properties.get(prop, ()) if v.strip()]

    def error(self, message: str) -> ListFormatError:
        return ListFormatError(self.file, message, line=self.line, record=self.id)

    def refs(self) -> set[str]:
        """The things this record attaches to (Address is referenced from the thing side)."""
        if self.schema == "Sanction":
            return set(self.values("entity"))
        if self.schema in _HELD:
            return set(self.values("holder"))
        if self.schema in LINKS:
            start, end, _, _ = LINKS[self.schema]
            return set(self.values(start)) | set(self.values(end))
        return set()


# --- reading ---------------------------------------------------------------------------------


# The JSON decoder recurses per nesting level: a line nested 100,000 deep exhausts the stack.
_TOO_DEEP = "JSON nested too deep (no FtM entity nests more than a few levels)"


def _why(exc: Exception) -> str:
    """What is wrong with JSON the json module refused (its messages, made short)."""
    if isinstance(exc, RecursionError):
        return _TOO_DEEP
    return str(exc).split(";")[0]


def _json_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if not raw.strip():
                continue
            try:
                data = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError as exc:
                raise ListFormatError(str(path), f"not UTF-8: {exc.reason}", line=number) from exc
            except json.JSONDecodeError as exc:
                raise ListFormatError(
                    str(path), f"malformed JSON line: {exc.msg} (column {exc.colno})", line=number
                ) from exc
            except RecursionError as exc:
                raise ListFormatError(str(path), _TOO_DEEP, line=number) from exc
            except ValueError as exc:  # a number of 4,300+ digits
                raise ListFormatError(
                    str(path), f"unreadable JSON line: {_why(exc)}", line=number
                ) from exc
            if not isinstance(data, dict):
                raise ListFormatError(str(path), "line is not a JSON object", line=number)
            yield number, data


def _entity(data: dict[str, Any], path: Path, line: int, need_schema: bool = True) -> _Raw:
    entity_id = data.get("id")
    if not isinstance(entity_id, str) or not entity_id.strip():
        raise ListFormatError(str(path), "entity without a string 'id'", line=line)
    schema = data.get("schema", "")
    if not isinstance(schema, str) or (need_schema and not schema):
        raise ListFormatError(str(path), "entity without a 'schema'", line=line, record=entity_id)
    properties = data.get("properties", {})
    if not isinstance(properties, dict):
        raise ListFormatError(
            str(path), "'properties' is not an object", line=line, record=entity_id
        )
    for prop, values in properties.items():
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ListFormatError(
                str(path),
                f"property {prop!r} is not a list of strings",
                line=line,
                record=entity_id,
            )
        for value in values:
            check_field_size(value, path, line, f"a value of property {prop!r}")
    caption = data.get("caption") or ""
    if not isinstance(caption, str):
        raise ListFormatError(str(path), "'caption' is not a string", line=line, record=entity_id)
    check_field_size(caption, path, line, "'caption'")
    meta: dict[str, Any] = {k: data[k] for k in _KEPT_META if k in data}
    return _Raw(entity_id, schema, caption.strip(), properties, meta, str(path), line)


def _delta_ops(path: Path) -> Iterator[tuple[str, _Raw]]:
    for line, data in _json_lines(path):
        op = data.get("op")
        if op not in _OPS:
            raise ListFormatError(str(path), f"unknown delta op {op!r}", line=line)
        entity = data.get("entity")
        if not isinstance(entity, dict):
            raise ListFormatError(str(path), "delta line without an 'entity' object", line=line)
        yield op, _entity(entity, path, line, need_schema=op != "DEL")


def _date_prefix(text: str, raw: _Raw, what: str) -> str:
    """An FtM date (`1961`, `1961-11`, `1961-11-30`, optionally with a time) as an ISO prefix."""
    head = text.strip()[:10]
    match = _DATE.match(head)
    if not match or (match.group(2) and not 1 <= int(match.group(2)) <= 12):
        raise raw.error(f"{what} is not an ISO date: {text!r}")
    if match.group(3):
        try:
            date.fromisoformat(head)
        except ValueError as exc:
            raise raw.error(f"{what} is not a valid date: {text!r}") from exc
    return head


# --- the entity graph ------------------------------------------------------------------------


@dataclass(slots=True)
class _Graph:
    """Things and the records attached to them, as far as read so far."""

    captions: dict[str, str] = field(default_factory=dict)
    adjuncts: dict[str, _Raw] = field(default_factory=dict)
    attached: dict[str, set[str]] = field(default_factory=dict)  # thing id -> adjunct ids

    def add_adjunct(self, raw: _Raw) -> None:
        self.drop_adjunct(raw.id)
        self.adjuncts[raw.id] = raw
        for thing_id in raw.refs():
            self.attached.setdefault(thing_id, set()).add(raw.id)

    def drop_adjunct(self, adjunct_id: str) -> set[str]:
        old = self.adjuncts.pop(adjunct_id, None)
        if old is None:
            return set()
        for thing_id in old.refs():
            self.attached.get(thing_id, set()).discard(adjunct_id)
        return old.refs()

    def name_of(self, entity_id: str) -> str:
        return self.captions.get(entity_id) or entity_id

    def records_of(self, thing_id: str) -> list[_Raw]:
        return sorted(
            (self.adjuncts[a] for a in self.attached.get(thing_id, ())), key=lambda r: r.id
        )


def _record_json(raw: _Raw) -> str:
    body: dict[str, Any] = {"id": raw.id, "schema": raw.schema}
    body.update({k: list(v) for k, v in sorted(raw.properties.items()) if v})
    return canonical_json(body)


def _build(raw: _Raw, graph: _Graph) -> Entry:
    """The `Entry` of one thing, with everything attached to it in `graph`."""
    props: dict[str, set[str]] = {}

    def keep(key: str, values: Iterable[str]) -> None:
        for value in values:
            if value.strip():
                props.setdefault(key, set()).add(value)

    for prop, values in raw.properties.items():
        if prop not in _MAPPED:
            keep(prop, values)
    for key, value in raw.meta.items():
        keep(key, _meta_texts(value))

    countries = {c.upper() for p in _COUNTRY_PROPS for c in raw.values(p) if _is_alpha2(c)}
    identifiers = {
        Identifier(kind=label, value=value.strip())
        for prop, label in IDENTIFIER_PROPS.items()
        for value in raw.values(prop)
    }
    addresses = _addresses(raw, graph)
    countries.update(a.country_code for a in addresses if a.country_code)
    programs: set[str] = set(raw.values("programId"))
    listed: list[str] = []
    relations: set[Relation] = set()
    for record in graph.records_of(raw.id):
        if record.schema == "Sanction":
            programs.update(record.values("program"))
            programs.update(record.values("programId"))
            listed += _listing_days(record)
            keep("sanction", [_record_json(record)])
        elif record.schema in _HELD:
            identifiers.update(_held_identifiers(record))
        elif record.schema in LINKS:
            relations.update(_relations(raw.id, record, graph))
            keep(record.schema.lower(), [_record_json(record)])
    return Entry(
        source=ListSource.FTM,
        source_id=raw.id,
        type=THING_TYPES[raw.schema],
        names=_names(raw),
        programs=tuple(sorted(p.strip() for p in programs)),
        addresses=tuple(sorted(addresses, key=address_sort_key)),
        countries=tuple(sorted(countries)),
        birth_dates=tuple(
            sorted({_date_prefix(d, raw, "birthDate") for d in raw.values("birthDate")})
        ),
        birth_places=tuple(sorted(set(raw.values("birthPlace")))),
        identifiers=tuple(sorted(identifiers, key=lambda i: (i.kind, i.value, i.country or ""))),
        relations=tuple(
            sorted(relations, key=lambda r: (r.kind, r.target_id or "", r.target_name))
        ),
        remarks="\n".join(sorted(set(raw.values("notes")))) or None,
        listed_on=date.fromisoformat(min(listed)) if listed else None,
        properties={k: tuple(sorted(v)) for k, v in sorted(props.items())},
    )


def _listing_days(sanction: _Raw) -> list[str]:
    """The day a sanction record listed its entity: its `listingDate`, else its `startDate`."""
    for prop in ("listingDate", "startDate"):
        days = [_date_prefix(d, sanction, prop) for d in sanction.values(prop)]
        full_days = [d for d in days if len(d) == 10]
        if full_days:
            return [min(full_days)]
    return []


def _meta_texts(value: object) -> list[str]:
    """`datasets: [...]`, `target: true`, `first_seen: "..."` as property strings."""
    if isinstance(value, bool):
        return [str(value).lower()]
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def _is_alpha2(code: str) -> bool:
    return len(code) == 2 and code.isascii() and code.isalpha() and code.lower() != "zz"


def _names(raw: _Raw) -> tuple[Name, ...]:
    kinds: dict[str, NameKind] = {}
    names = raw.values("name")
    primary = " ".join((raw.caption if raw.caption in names or not names else names[0]).split())
    if not primary:
        raise raw.error("entity has neither a name nor a caption")
    kinds[primary] = NameKind.PRIMARY
    candidates = [(n, NameKind.AKA) for n in names]
    candidates += [(n, kind) for prop, kind in _NAME_KINDS.items() for n in raw.values(prop)]
    for text, kind in candidates:
        text = " ".join(text.split())
        if text and (text not in kinds or _KIND_RANK[kind] < _KIND_RANK[kinds[text]]):
            kinds[text] = kind
    person = THING_TYPES[raw.schema] is EntryType.PERSON
    ordered = sorted(kinds.items(), key=lambda item: (_KIND_RANK[item[1]], item[0]))
    return tuple(_name(text, kind, raw, person) for text, kind in ordered)


def _name(text: str, kind: NameKind, raw: _Raw, person: bool) -> Name:
    first = _part_in(text, raw.values("firstName")) if person else None
    last = _part_in(text, raw.values("lastName")) if person else None
    return Name(text, kind, detect_script(text), first, last)


def _part_in(name: str, parts: list[str]) -> str | None:
    """The longest of `parts` (spellings in several scripts) written in `name` as whole words,
    spelled as `name` writes it (`Alexander Vyacheslavovich` over `Alexander`)."""
    best: str | None = None
    for part in parts:
        words = part.split()
        if not words:
            continue
        pattern = r"(?<!\w)" + r"\s+".join(re.escape(w) for w in words) + r"(?!\w)"
        found = re.search(pattern, name, re.IGNORECASE)
        if found and len(found.group(0)) > len(best or ""):
            best = found.group(0)
    return best


def _addresses(raw: _Raw, graph: _Graph) -> set[Address]:
    found: set[Address] = set()
    full_texts: set[str] = set()
    for address_id in raw.values("addressEntity"):
        record = graph.adjuncts.get(address_id)
        if record is None or record.schema != "Address":
            continue
        full_texts.update(v.casefold() for v in record.values("full"))
        found.add(_address(record))
    for text in raw.values("address"):
        if text.casefold() not in full_texts:
            found.add(Address(street=" ".join(text.split())))
    return found


def _address(record: _Raw) -> Address:
    def first(prop: str) -> str | None:
        values = record.values(prop)
        return " ".join(values[0].split()) if values else None

    street = ", ".join(p for p in (first("street"), first("postOfficeBox")) if p) or None
    structured = street or first("city") or first("postalCode") or first("region")
    country = first("country")
    return Address(
        street=street if structured else first("full"),
        city=first("city"),
        region=first("region"),
        postal_code=first("postalCode"),
        country_code=country.upper() if country and _is_alpha2(country) else None,
        remarks=first("remarks"),
    )


def _held_identifiers(record: _Raw) -> list[Identifier]:
    if record.schema == "CryptoWallet":
        currency = ", ".join(record.values("currency"))
        kind = f"Crypto Wallet ({currency})" if currency else "Crypto Wallet"
        return [Identifier(kind=kind, value=v.strip()) for v in record.values("publicKey")]
    kind = ", ".join(record.values("type")) or record.schema
    countries = [c.upper() for c in record.values("country") if _is_alpha2(c)]
    numbers = record.values("number") or record.values("passportNumber")
    return [
        Identifier(kind=kind, value=v.strip(), country=countries[0] if countries else None)
        for v in numbers
    ]


def _relations(thing_id: str, record: _Raw, graph: _Graph) -> list[Relation]:
    start, end, kind_from, kind_to = LINKS[record.schema]
    found: list[Relation] = []
    # Ownership stakes and their dates travel with the relation: the 50 Percent Rule needs them.
    percentage = _first_float(record.values("percentage"))
    dates = {
        "start_date": next(iter(record.values("startDate")), None),
        "end_date": next(iter(record.values("endDate")), None),
    }
    if thing_id in record.values(start):
        found += [
            Relation(kind_from, graph.name_of(t), t, percentage, **dates)
            for t in record.values(end)
        ]
    if thing_id in record.values(end):
        found += [
            Relation(kind_to, graph.name_of(t), t, percentage, **dates)
            for t in record.values(start)
        ]
    return [r for r in found if r.target_id != thing_id]


def _first_float(values: list[str]) -> float | None:
    for value in values:
        try:
            return float(value.strip().rstrip("%"))
        except ValueError:
            continue
    return None


# --- full exports ----------------------------------------------------------------------------


def parse(path: Path) -> ParsedList:
    """A full version: an export file, a folder holding one, or a delta series replayed."""
    export, index = _locate(path)
    if export is None:
        if index is None:
            raise ListFormatError(str(path), f"no {FULL_EXPORT} or {DELTA_INDEX} here")
        return _replayed(index)
    graph, newest_change = _first_pass(export)
    published = newest_change
    files = [export]
    if index is not None:
        published = _read_index(index).updated_at or newest_change
        files.append(index)
    return ParsedList(
        source=ListSource.FTM,
        published=published,
        files=tuple(str(f) for f in files),
        sha256=sha256_of_files(files),
        entries=_second_pass(export, graph),
        list_name=_list_name(export.parent, index),
    )


def _locate(path: Path) -> tuple[Path | None, Path | None]:
    """(full export, delta index) for a file or folder path."""
    if path.is_dir():
        export, index = path / FULL_EXPORT, path / DELTA_INDEX
        return (export if export.is_file() else None, index if index.is_file() else None)
    if path.name == DELTA_INDEX:
        return None, path
    if path.name == DELTA_FILE:
        raise ListFormatError(
            str(path), f"a single delta needs its series: give the folder holding {DELTA_INDEX}"
        )
    index = path.parent / DELTA_INDEX
    return path, index if index.is_file() else None


def _first_pass(export: Path) -> tuple[_Graph, date | None]:
    """Validate every line; keep attached records and captions, not the things themselves."""
    graph = _Graph()
    newest: str | None = None
    for line, data in _json_lines(export):
        if "op" in data and "entity" in data:
            raise ListFormatError(
                str(export),
                f"this is a delta file: give the folder holding {DELTA_INDEX}",
                line=line,
            )
        raw = _entity(data, export, line)
        if raw.id in graph.captions or raw.id in graph.adjuncts:
            raise raw.error("entity id occurs twice in the export")
        if raw.schema in THING_TYPES:
            graph.captions[raw.id] = raw.caption
        elif raw.schema in ADJUNCT_SCHEMAS:
            graph.add_adjunct(raw)
        changed = raw.meta.get("last_change")
        if isinstance(changed, str) and changed:
            stamp = _date_prefix(changed, raw, "last_change")
            if len(stamp) == 10:
                newest = max(newest or stamp, stamp)
    return graph, date.fromisoformat(newest) if newest else None


def _second_pass(export: Path, graph: _Graph) -> Iterator[Entry]:
    for line, data in _json_lines(export):
        raw = _entity(data, export, line)
        if raw.schema in THING_TYPES:
            yield _build(raw, graph)


def _list_name(folder: Path, index: Path | None) -> str:
    if index is not None:
        name = _read_index(index).name
        if name:
            return name
    return folder.resolve().name


# --- delta series ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Index:
    path: Path
    versions: tuple[tuple[str, date], ...]  # oldest first
    updated_at: date | None
    name: str | None


def _read_index(path: Path) -> _Index:
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # also 4,300+ digit numbers, deep nesting
        raise ListFormatError(str(path), f"malformed delta index: {_why(exc)}") from exc
    versions = data.get("versions") if isinstance(data, dict) else None
    if not isinstance(versions, dict):
        raise ListFormatError(str(path), "delta index without a 'versions' object")
    dated = []
    for version in sorted(versions):
        match = _VERSION.match(version)
        if not match:
            raise ListFormatError(str(path), f"version id {version!r} does not start with a date")
        dated.append((version, parse_iso_date("-".join(match.groups()), str(path))))
    updated = data.get("updated_at")
    name = data.get("name") or data.get("dataset")
    return _Index(
        path=path,
        versions=tuple(dated),
        updated_at=parse_iso_date(updated, str(path)) if isinstance(updated, str) else None,
        name=name if isinstance(name, str) else None,
    )


@dataclass(slots=True)
class _State:
    """The whole dataset as the delta series has built it so far."""

    graph: _Graph = field(default_factory=_Graph)
    things: dict[str, _Raw] = field(default_factory=dict)
    address_users: dict[str, set[str]] = field(default_factory=dict)

    def linked(self, thing_id: str) -> set[str]:
        return {t for r in self.graph.records_of(thing_id) if r.schema in LINKS for t in r.refs()}

    def drop_thing(self, thing_id: str) -> set[str]:
        old = self.things.pop(thing_id, None)
        if old is None:
            return set()
        for address_id in old.values("addressEntity"):
            self.address_users.get(address_id, set()).discard(thing_id)
        self.graph.captions.pop(thing_id, None)
        return {thing_id} | self.linked(thing_id)

    def put_thing(self, raw: _Raw) -> set[str]:
        touched = self.drop_thing(raw.id) | {raw.id}
        self.things[raw.id] = raw
        self.graph.captions[raw.id] = raw.caption
        for address_id in raw.values("addressEntity"):
            self.address_users.setdefault(address_id, set()).add(raw.id)
        return touched | self.linked(raw.id)

    def drop_adjunct(self, adjunct_id: str) -> set[str]:
        return self.graph.drop_adjunct(adjunct_id) | self.address_users.get(adjunct_id, set())

    def put_adjunct(self, raw: _Raw) -> set[str]:
        touched = self.drop_adjunct(raw.id)
        self.graph.add_adjunct(raw)
        return touched | raw.refs() | self.address_users.get(raw.id, set())

    def apply(self, op: str, raw: _Raw) -> tuple[set[str], bool]:
        """Apply one change: (things to re-publish, whether the store should delete the id).

        A DEL of an id the series never saw is passed on as a deletion: the store ignores
        ids it does not hold either. An entity whose new schema clearance does not use
        (Position, Security, ...) leaves the list like a deleted one.
        """
        if raw.schema in THING_TYPES and op != "DEL":
            return self.drop_adjunct(raw.id) | self.put_thing(raw), False
        if raw.schema in ADJUNCT_SCHEMAS and op != "DEL":
            return self.drop_thing(raw.id) | self.put_adjunct(raw), False
        was_thing, was_adjunct = raw.id in self.things, raw.id in self.graph.adjuncts
        touched = self.drop_thing(raw.id) | self.drop_adjunct(raw.id)
        return touched, was_thing or (op == "DEL" and not was_adjunct)


def parse_delta_series(path: Path) -> list[ParsedList]:
    """One delta `ParsedList` per non-empty version of the series at `path`, oldest first."""
    index_path = path / DELTA_INDEX if path.is_dir() else path
    if not index_path.is_file():
        raise ListFormatError(str(path), f"no {DELTA_INDEX} here")
    index = _read_index(index_path)
    name = _list_name(index_path.parent, index_path)
    state = _State()
    series: list[ParsedList] = []
    for delta_file, published, touched, deleted in _replay(index, state):
        if not touched and not deleted:
            continue
        series.append(
            ParsedList(
                source=ListSource.FTM,
                published=published,
                files=(str(delta_file),),
                sha256=sha256_of_files([delta_file]),
                entries=iter([_build(state.things[t], state.graph) for t in sorted(touched)]),
                is_delta=True,
                deleted=tuple(sorted(deleted)),
                list_name=name,
            )
        )
    return series


def _replay(index: _Index, state: _State) -> Iterator[tuple[Path, date, set[str], set[str]]]:
    """Apply each version to `state`; yield (file, date, live things touched, things deleted).

    The caller must read `state` before asking for the next version.
    """
    for version, published in index.versions:
        delta_file = index.path.parent / version / DELTA_FILE
        if not delta_file.is_file():
            raise ListFormatError(
                str(index.path), f"version {version}: {delta_file} is missing (download it)"
            )
        touched: set[str] = set()
        deleted: set[str] = set()
        for op, raw in _delta_ops(delta_file):
            changed, delete = state.apply(op, raw)
            touched |= changed
            if delete:
                deleted.add(raw.id)
            else:
                deleted.discard(raw.id)
        live = {t for t in touched if t in state.things}
        yield delta_file, published, live, deleted - set(state.things)


def _replayed(index_path: Path) -> ParsedList:
    """The state after every version of a delta series, as one full version."""
    index = _read_index(index_path)
    if not index.versions:
        raise ListFormatError(str(index_path), "delta index lists no versions")
    state = _State()
    files: list[Path] = []
    for delta_file, _published, _touched, _deleted in _replay(index, state):
        files.append(delta_file)
    entries = [_build(state.things[t], state.graph) for t in sorted(state.things)]
    return ParsedList(
        source=ListSource.FTM,
        published=index.versions[-1][1],
        files=tuple(str(f) for f in files),
        sha256=sha256_of_files(files),
        entries=iter(entries),
        list_name=_list_name(index_path.parent, index_path),
    )


def parse_versions(path: Path) -> list[ParsedList]:
    """Every version `path` holds: a delta series version by version, else the one export."""
    export, index = _locate(path)
    if export is None and index is not None:
        return parse_delta_series(index)
    return [parse(path)]
