"""Secondary attributes: date of birth, country, identifiers and entry type.

Each returns a `Feature` whose score is the adjustment it applies to the name score (positive
raises, negative lowers), or None when there is nothing to compare. They never create a hit
on their own: retrieval is by name, attributes only move a name's score.
"""

from __future__ import annotations

import re

from clearance.model import Entry, EntryType, Feature, Party
from clearance.screening.config import AlgorithmConfig

__all__ = ["attribute_features", "normalize_identifier"]

_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]+")
# Shorter identifier values (`1`, `A2`) collide by chance.
_MIN_IDENTIFIER_LENGTH = 4


def normalize_identifier(value: str, kind: str = "") -> str:
    """Upper-case letters and digits only: `AB 12-34/5` and `ab12345` are the same number.

    A value that starts with its own kind (`IMO 1011551` of kind `IMO`) loses that prefix, so
    that it equals the bare number a list publishes under that kind.
    """
    normalized = _NOT_ALNUM.sub("", value).upper()
    prefix = _NOT_ALNUM.sub("", kind).upper()
    if prefix and normalized.startswith(prefix) and len(normalized) > len(prefix):
        normalized = normalized[len(prefix) :]
    return normalized


def _dob_feature(party: Party, entry: Entry, config: AlgorithmConfig) -> Feature | None:
    if not party.dob or not entry.birth_dates:
        return None
    query = party.dob.strip()
    listed = sorted(set(entry.birth_dates))
    shown = ", ".join(listed)
    for date in listed:
        common = min(len(query), len(date))
        if query[:common] == date[:common]:
            return Feature(
                "dob",
                config.dob_agree_bonus,
                f"query {query} agrees with listed {date} (+{config.dob_agree_bonus:.2f})",
            )
    if any(query[:4] == date[:4] for date in listed):
        return Feature("dob", 0.0, f"query {query}: same year as listed {shown}, other day")
    near = config.dob_near_years
    if near and any(_years_apart(query, date) <= near for date in listed):
        return Feature(
            "dob", 0.0, f"query {query}: within {near} year of listed {shown} (compatible)"
        )
    return Feature(
        "dob",
        -config.dob_conflict_penalty,
        f"query {query} conflicts with listed {shown} (-{config.dob_conflict_penalty:.2f})",
    )


def _years_apart(a: str, b: str) -> int:
    try:
        return abs(int(a[:4]) - int(b[:4]))
    except ValueError:
        return 9999


def _listed_countries(entry: Entry) -> set[str]:
    codes = {c.upper() for c in entry.countries if c}
    codes.update(a.country_code.upper() for a in entry.addresses if a.country_code)
    return codes


def _country_feature(party: Party, entry: Entry, config: AlgorithmConfig) -> Feature | None:
    if not party.country:
        return None
    listed = _listed_countries(entry)
    if not listed:
        return None
    query = party.country.strip().upper()
    shown = ", ".join(sorted(listed))
    if query in listed:
        bonus = config.country_agree_bonus
        return Feature("country", bonus, f"query {query} among listed {shown} (+{bonus:.2f})")
    penalty = config.country_conflict_penalty
    both_persons = party.type is EntryType.PERSON and entry.type is EntryType.PERSON
    if both_persons and config.person_country_conflict_penalty >= 0:
        penalty = config.person_country_conflict_penalty
    return Feature("country", -penalty, f"query {query} not among listed {shown} (-{penalty:.2f})")


def _identifier_feature(party: Party, entry: Entry, config: AlgorithmConfig) -> Feature | None:
    if not party.identifiers or not entry.identifiers:
        return None
    listed = {normalize_identifier(i.value, i.kind): i for i in entry.identifiers}
    for identifier in party.identifiers:
        value = normalize_identifier(identifier.value, identifier.kind)
        if len(value) >= _MIN_IDENTIFIER_LENGTH and value in listed:
            hit = listed[value]
            bonus = config.identifier_bonus
            return Feature(
                "identifier",
                bonus,
                f"query {identifier.kind} {identifier.value} equals listed {hit.kind} "
                f"{hit.value} (+{bonus:.2f})",
            )
    return Feature("identifier", 0.0, "no query identifier equals a listed one")


def _type_feature(party: Party, entry: Entry, config: AlgorithmConfig) -> Feature | None:
    if EntryType.UNKNOWN in (party.type, entry.type):
        return None
    penalty = config.type_penalty(party.type, entry.type)
    if penalty == 0.0:
        return Feature("type", 0.0, f"query {party.type.value} and listed {entry.type.value}")
    return Feature(
        "type",
        -penalty,
        f"query {party.type.value} vs listed {entry.type.value} (-{penalty:.2f})",
    )


def attribute_features(party: Party, entry: Entry, config: AlgorithmConfig) -> list[Feature]:
    found = (
        _type_feature(party, entry, config),
        _dob_feature(party, entry, config),
        _country_feature(party, entry, config),
        _identifier_feature(party, entry, config),
    )
    return [f for f in found if f is not None]


def max_attribute_bonus(party: Party, config: AlgorithmConfig) -> float:
    """The most the party's attributes could add to a name score (for candidate cut-offs)."""
    bonus = 0.0
    if party.dob:
        bonus += config.dob_agree_bonus
    if party.country:
        bonus += config.country_agree_bonus
    if party.identifiers:
        bonus += config.identifier_bonus
    return bonus
