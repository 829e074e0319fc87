"""Validation at the edges: the one set of rules for a party, whichever door it comes through.

`clearance screen NAME --dob ...`, a row of a batch file, a party of a transaction and a body of
the HTTP API all become a `Party` through `PartyIn`, so the same value is accepted or refused
the same way everywhere, with a message naming the field. Inside, the core works on the frozen
dataclasses of `clearance.model`; `docs/wire.md` describes the JSON forms.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from functools import cache
from typing import Any, Self

import pycountry
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from clearance.model import EntryType, Identifier, Party
from clearance.text import strip_ignorables

__all__ = ["MAX_NAME_LENGTH", "PartyError", "PartyIn", "parse_party", "validation_message"]

# Longer than any listed name (the longest SDN name has under 200 characters); a bound keeps a
# 10,000-character "name" from costing seconds of scoring.
MAX_NAME_LENGTH = 500
_DOB = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


class PartyError(ValueError):
    """A party that cannot be screened; the message names the input and the field."""


@cache
def is_country_code(code: str) -> bool:
    return len(code) == 2 and pycountry.countries.get(alpha_2=code) is not None


def check_dob(value: str) -> str:
    """An ISO date or prefix, as lists publish birth dates: `1952`, `1952-10`, `1952-10-07`."""
    found = _DOB.match(value)
    if found is None:
        raise ValueError(f"dob must be YYYY, YYYY-MM or YYYY-MM-DD, got {value!r}")
    year, month, day = found.groups()
    try:
        date(int(year), int(month or 1), int(day or 1))
    except ValueError as exc:
        raise ValueError(f"dob {value!r} is not a real date ({exc})") from None
    return value


# C0 controls but tab, LF and CR, and DEL. A regex, not a loop over characters: `make fuzz`
# found a 364 MB decide document whose check took over 10 CPU seconds character by character.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control(text: str) -> bool:
    """A control character other than tab and line breaks (NUL, ESC, DEL, ...)."""
    return _CONTROL.search(text) is not None


class _In(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="after")
    def _no_control_characters(self) -> Self:
        # No name, identifier or role holds one, and PostgreSQL text cannot hold NUL.
        for field, value in self:
            if isinstance(value, str) and has_control(value):
                raise ValueError(f"{field}: control characters (such as NUL) are not allowed")
        return self


class IdentifierIn(_In):
    kind: str = Field(min_length=1, max_length=100)
    value: str = Field(min_length=1, max_length=200)
    country: str | None = Field(default=None, max_length=2)

    def to_identifier(self) -> Identifier:
        return Identifier(kind=self.kind, value=self.value, country=self.country)


class PartyIn(_In):
    """A counterparty as people and machines send it."""

    name: str = Field(max_length=MAX_NAME_LENGTH)
    type: EntryType = EntryType.UNKNOWN
    country: str | None = None
    dob: str | None = None
    identifiers: list[IdentifierIn] = []
    role: str | None = Field(default=None, max_length=100)
    address: str | None = Field(default=None, max_length=500)
    city: str | None = Field(default=None, max_length=200)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        # Invisible characters (soft hyphens, zero-width spaces, ...) go first, for every
        # version; bidi controls stay for screening to flag (clearance.text).
        value = strip_ignorables(value, keep_bidi=True).strip()
        if not value:
            raise ValueError("empty name")
        if "\x00" in value:
            raise ValueError("name must not contain NUL characters")
        if not any(ch.isalnum() for ch in value):
            raise ValueError(f"name {value!r} has no letters or digits to screen")
        return value

    @field_validator("country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not is_country_code(value.upper()):
            raise ValueError(f"country must be an ISO 3166-1 alpha-2 code, got {value!r}")
        return value.upper()

    @field_validator("dob")
    @classmethod
    def _dob(cls, value: str | None) -> str | None:
        return check_dob(value) if value else None

    @field_validator("type", mode="before")
    @classmethod
    def _type(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        text = value.strip().lower() or EntryType.UNKNOWN.value
        if text not in EntryType._value2member_map_:
            choices = ", ".join(t.value for t in EntryType)
            raise ValueError(f"unknown type {value!r} (one of: {choices})")
        return text

    def to_party(self) -> Party:
        return Party(
            name=self.name,
            type=self.type,
            country=self.country,
            dob=self.dob,
            identifiers=tuple(i.to_identifier() for i in self.identifiers),
            role=self.role,
            address=self.address or None,
            city=self.city or None,
        )


def validation_message(exc: ValidationError) -> str:
    """`where: problem; ...` — short enough for one CLI line or one API message.

    Our own validators name their field in the message ("unknown type 'x'"), so only the path
    to it is prefixed; pydantic's own messages get the full path.
    """
    problems = []
    for err in exc.errors():
        ours = err["type"] == "value_error"
        path = [str(p) for p in (err["loc"][:-1] if ours else err["loc"])]
        message = err["msg"].removeprefix("Value error, ")
        problems.append(f"{'.'.join(path)}: {message}" if path else message)
    return "; ".join(problems)


def parse_party(data: Mapping[str, Any], where: str = "party") -> Party:
    """Validate one party (a mapping of the `PartyIn` fields); `PartyError` names `where`."""
    try:
        return PartyIn.model_validate(dict(data)).to_party()
    except ValidationError as exc:
        raise PartyError(f"{where}: {validation_message(exc)}") from exc
