"""yente compatibility: `/match/{dataset}` and `/entities/{id}` in yente 5.5's shapes.

The request and response models follow yente 5.5's `yente.data.common` (`EntityMatchQuery`,
`EntityMatchResponse`, `EntityResponse`, `ScoredEntityResponse`); the tests validate our
responses with yente's own models. The functions here are pure conversions between those
shapes and clearance's core types:

- a yente query example -> `Party` values to screen (one per name),
- a `Hit` and its list version -> a scored yente result,
- an `Entry` -> a FollowTheMoney-style entity (FtM property names, lower-case country codes).

Entity ids and FtM property names are `ftm.py`'s.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from clearance.api.ftm import (
    FtmEntity,
    entity_id,
    entry_properties,
    links_of,
    sanction_of,
    schema_of,
)
from clearance.lists.countries import country_code
from clearance.model import (
    Entry,
    EntryType,
    Hit,
    Identifier,
    ListVersion,
    Party,
)

MAX_VALUE_CHARS = 1000  # a value longer than any listed name or identifier
MAX_VALUES = 50  # per property
MAX_PROPERTIES = 100  # per query
MAX_QUERIES = 100  # per request (yente's YENTE_MAX_BATCH default)
MAX_NAMES = 10  # names screened per query (each is one audited screening)


def _no_control(value: str) -> str:
    # PostgreSQL text cannot hold NUL, and no name or identifier contains a control character.
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in value):
        raise ValueError("control characters (such as NUL) are not allowed")
    return value


SafeStr = Annotated[str, StringConstraints(max_length=MAX_VALUE_CHARS), AfterValidator(_no_control)]
Key = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(_no_control)]
PropertyName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,99}$")]

# The schemata a query may use (FtM names); what each tells the screening about the party.
QUERY_SCHEMATA: Mapping[str, EntryType] = {
    "Thing": EntryType.UNKNOWN,
    "LegalEntity": EntryType.UNKNOWN,
    "Person": EntryType.PERSON,
    "Organization": EntryType.ORGANIZATION,
    "Company": EntryType.ORGANIZATION,
    "PublicBody": EntryType.ORGANIZATION,
    "Vessel": EntryType.VESSEL,
    "Airplane": EntryType.AIRCRAFT,
}
SchemaName = Literal[
    "Thing", "LegalEntity", "Person", "Organization", "Company", "PublicBody", "Vessel", "Airplane"
]


# --- request models --------------------------------------------------------------------------


class EntityExample(BaseModel):
    """One query example: an FtM-shaped entity (yente's `EntityExample`)."""

    model_config = ConfigDict(populate_by_name=True)

    id: Key | None = None
    schema_: SchemaName = Field(alias="schema")
    properties: dict[PropertyName, SafeStr | list[SafeStr]] = Field(max_length=MAX_PROPERTIES)

    @field_validator("properties")
    @classmethod
    def _few_values(cls, value: dict[str, str | list[str]]) -> dict[str, str | list[str]]:
        for name, values in value.items():
            if isinstance(values, list) and len(values) > MAX_VALUES:
                raise ValueError(f"{name}: at most {MAX_VALUES} values")
        return value

    def values(self, name: str) -> list[str]:
        raw = self.properties.get(name, [])
        items = [raw] if isinstance(raw, str) else raw
        return [v.strip() for v in items if v.strip()]


class EntityMatchQuery(BaseModel):
    """The body of `POST /match/{dataset}` (yente's `EntityMatchQuery`)."""

    weights: dict[Key, float] = Field(default_factory=dict, max_length=0)
    config: dict[Key, str | int | float | bool | None] = Field(default_factory=dict, max_length=0)
    queries: dict[Key, EntityExample] = Field(min_length=1, max_length=MAX_QUERIES)

    @field_validator("weights", "config", mode="before")
    @classmethod
    def _not_supported(cls, value: Any) -> Any:
        if isinstance(value, dict) and value:
            raise ValueError(
                "clearance's scorers are frozen, named versions: per-request weights and "
                "config are not supported (choose an `algorithm` instead)"
            )
        return value


# --- response models -------------------------------------------------------------------------


class FeatureExplanation(BaseModel):
    """yente 5.5's `FeatureResult`: a feature's score and the text that explains it."""

    detail: str | None
    score: float


class EntityResponse(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: str
    caption: str
    schema_: str = Field(alias="schema")
    properties: dict[str, list[str | EntityResponse]]
    datasets: list[str] = Field(default_factory=list)
    referents: list[str] = Field(default_factory=list)
    target: bool = False
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    last_change: datetime | None = None


class ScoredEntityResponse(EntityResponse):
    score: float
    # yente <= 4 sent `features` (name -> score); 5.x sends `explanations`. Both are here.
    features: dict[str, float]
    explanations: dict[str, FeatureExplanation]
    match: bool


class TotalSpec(BaseModel):
    value: int
    relation: str = "eq"


class EntityMatches(BaseModel):
    status: int = 200
    results: list[ScoredEntityResponse]
    total: TotalSpec
    query: EntityExample


class EntityMatchResponse(BaseModel):
    responses: dict[str, EntityMatches]
    limit: int


# --- query -> parties ------------------------------------------------------------------------

_NAME_PROPERTIES = ("name", "alias", "previousName", "weakAlias")
_COUNTRY_PROPERTIES = ("nationality", "citizenship", "country", "jurisdiction", "mainCountry")
_IDENTIFIER_PROPERTIES = (
    "idNumber",
    "passportNumber",
    "registrationNumber",
    "taxNumber",
    "innCode",
    "ogrnCode",
    "leiCode",
    "swiftBic",
    "vatCode",
    "imoNumber",
    "mmsi",
    "serialNumber",
)
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


@dataclass(frozen=True, slots=True)
class PartyQuery:
    """What a query example screens: one party per name, and the properties it used."""

    parties: tuple[Party, ...]
    used: dict[str, list[str]]


def _first_date(values: Sequence[str]) -> str | None:
    """The first value that is a valid date or date prefix (`1952`, `1952-10`, `1952-10-07`)."""
    for value in values:
        text = value[:10]
        if not _DATE.match(text):
            continue
        parts = [int(p) for p in text.split("-")]
        try:
            date(parts[0], *[*parts[1:], 1, 1][:2])
        except ValueError:
            continue
        return text
    return None


def _first_country(values: Sequence[str]) -> str | None:
    for value in values:
        if len(value) == 2 and value.isalpha():
            return value.upper()
        code = country_code(value)
        if code:
            return code
    return None


def _names(example: EntityExample) -> list[str]:
    names: list[str] = []
    for prop in _NAME_PROPERTIES:
        names.extend(example.values(prop))
    if not names:  # a person given by parts only
        parts = [*example.values("firstName"), *example.values("lastName")]
        if parts:
            names.append(" ".join(parts))
    return list(dict.fromkeys(names))


def query_to_parties(example: EntityExample) -> PartyQuery:
    """The parties a yente query example stands for; raises ValueError without a name.

    `Party` holds one name, one date of birth and one country: each name becomes a party,
    the first valid date and country go with all of them, and `used` says exactly which
    values were screened (it is echoed back as the response's `query`).
    """
    names = _names(example)
    if not names:
        raise ValueError("a query needs a `name` (or `firstName`/`lastName`) property")
    if len(names) > MAX_NAMES:
        raise ValueError(f"at most {MAX_NAMES} names per query")
    entry_type = QUERY_SCHEMATA[example.schema_]
    dob = _first_date(example.values("birthDate"))
    country: str | None = None
    for prop in _COUNTRY_PROPERTIES:
        country = _first_country(example.values(prop))
        if country:
            break
    identifiers = tuple(
        Identifier(kind=prop, value=value)
        for prop in _IDENTIFIER_PROPERTIES
        for value in example.values(prop)
    )
    parties = tuple(
        Party(name=name, type=entry_type, country=country, dob=dob, identifiers=identifiers)
        for name in names
    )
    used: dict[str, list[str]] = {"name": names}
    if dob:
        used["birthDate"] = [dob]
    if country:
        used["country"] = [country.lower()]
    for identifier in identifiers:
        used.setdefault(identifier.kind, []).append(identifier.value)
    return PartyQuery(parties, used)


# --- entries and hits -> yente entities ------------------------------------------------------


def _midnight(day: date | None) -> datetime | None:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None


@dataclass(frozen=True, slots=True)
class Seen:
    """When the store saw an entry: first version with it, version in force, last change."""

    first: date | None = None
    last: date | None = None
    changed: date | None = None


def _nested(entity: FtmEntity, list_name: str) -> EntityResponse:
    return EntityResponse(
        id=entity.id,
        caption=entity.caption,
        schema_=entity.schema,
        properties={k: list(v) for k, v in entity.properties.items()},
        datasets=[list_name],
    )


def entry_to_entity(
    entry: Entry, version: ListVersion, *, seen: Seen | None = None, nested: bool = False
) -> EntityResponse:
    """An entry as an FtM entity; `nested` adds its sanction and its links to other entries
    as nested entities (as yente's `/entities/{id}` does with adjacent entities)."""
    eid = entity_id(version.list_name, entry.source_id)
    seen = seen or Seen(last=version.published)
    props: dict[str, list[str | EntityResponse]] = {
        k: list(v) for k, v in entry_properties(entry).items()
    }
    if nested:
        props["sanctions"] = [
            _nested(sanction_of(entry, eid, version.list_name), version.list_name)
        ]
        links = links_of(entry, eid, version.list_name)
        if links:
            props["unknownLinkTo"] = [_nested(link, version.list_name) for link in links]
    return EntityResponse(
        id=eid,
        caption=entry.primary_name,
        schema_=schema_of(entry),
        properties=props,
        datasets=[version.list_name],
        referents=[],
        target=True,
        first_seen=_midnight(seen.first),
        last_seen=_midnight(seen.last),
        last_change=_midnight(seen.changed),
    )


def _feature_keys(hit: Hit) -> list[str]:
    keys: list[str] = []
    for feature in hit.features:
        key, n = feature.name, 2
        while key in keys:
            key, n = f"{feature.name}_{n}", n + 1
        keys.append(key)
    return keys


def hit_to_result(hit: Hit, version: ListVersion) -> ScoredEntityResponse:
    """A hit as a yente result: the entity, its score, per-feature explanations, `match`."""
    entity = entry_to_entity(hit.entry, version)
    keys = _feature_keys(hit)
    return ScoredEntityResponse(
        **entity.model_dump(),
        score=hit.score,
        features={k: f.score for k, f in zip(keys, hit.features, strict=True)},
        explanations={
            k: FeatureExplanation(detail=f.detail, score=f.score)
            for k, f in zip(keys, hit.features, strict=True)
        },
        match=hit.match,
    )


def matches_response(
    example: EntityExample,
    used: Mapping[str, list[str]],
    results: Sequence[ScoredEntityResponse],
) -> EntityMatches:
    """One query's answer; `total` counts matches, as yente's does."""
    query = EntityExample(id=example.id, schema_=example.schema_, properties=dict(used))
    return EntityMatches(
        results=list(results),
        total=TotalSpec(value=sum(1 for r in results if r.match)),
        query=query,
    )
