"""The decision engine's plain types: a transaction in, a decision with its trace out.

`Transaction.from_dict` validates the JSON input (pydantic at the edge) and raises
`TransactionError` naming the record and the field; inside, everything is frozen dataclasses.
Money is `Decimal` throughout and rendered as a string in JSON, so no cent is lost to floats.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from clearance.decisions.codes import is_currency_code, is_region_code
from clearance.model import EntryType, Hit, Identifier, ListVersion, Party, content_hash


class TransactionError(ValueError):
    """A transaction record is malformed: names the record and the field."""


class Outcome(StrEnum):
    CLEAR = "CLEAR"
    AUTHORIZED = "AUTHORIZED"
    PROHIBITED = "PROHIBITED"
    REVIEW = "REVIEW"


def money_text(value: Decimal) -> str:
    return f"{value:.2f}"


@dataclass(frozen=True, slots=True)
class Money:
    value: Decimal
    currency: str

    def to_dict(self) -> dict[str, str]:
        return {"value": money_text(self.value), "currency": self.currency}

    def __str__(self) -> str:
        return f"{self.currency} {self.value:,.2f}"


@dataclass(frozen=True, slots=True)
class GoodsLine:
    description: str
    eccn: str | None = None
    # `NLR`, a Commerce license number, or a License Exception code: the engine checks that
    # one is present where a license requires Commerce authorization, not that it is right.
    export_authorization: str | None = None
    quantity: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            k: v
            for k, v in (
                ("description", self.description),
                ("eccn", self.eccn),
                ("export_authorization", self.export_authorization),
                ("quantity", self.quantity),
            )
            if v is not None
        }


# --- input validation ------------------------------------------------------------------------


class _In(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _IdentifierIn(_In):
    kind: str
    value: str
    country: str | None = None


class _PartyIn(_In):
    name: str = Field(min_length=1)
    type: EntryType = EntryType.UNKNOWN
    country: str | None = None
    dob: str | None = None
    identifiers: list[_IdentifierIn] = []
    role: str | None = None

    @field_validator("country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        if value is not None and (len(value) != 2 or not is_region_code(value.upper())):
            raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code")
        return value.upper() if value else value


class _GoodsIn(_In):
    description: str = Field(min_length=1)
    eccn: str | None = None
    export_authorization: str | None = None
    quantity: int | None = Field(default=None, ge=0)


class _AmountIn(_In):
    value: Decimal = Field(ge=0)
    currency: str

    @field_validator("value")
    @classmethod
    def _cents(cls, value: Decimal) -> Decimal:
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -2:
            raise ValueError("at most two decimal places")
        return value

    @field_validator("currency")
    @classmethod
    def _iso(cls, value: str) -> str:
        if not is_currency_code(value.upper()):
            raise ValueError(f"{value!r} is not an ISO 4217 currency code")
        return value.upper()


class _TransactionIn(_In):
    id: str = Field(min_length=1, max_length=200)
    date: dt.date
    parties: list[_PartyIn] = Field(min_length=1)
    purpose: str = Field(min_length=1)
    goods: list[_GoodsIn] = []
    regions: list[str] = []
    amount: _AmountIn | None = None
    cap_holder: str | None = Field(default=None, min_length=1, max_length=200)

    @field_validator("regions")
    @classmethod
    def _regions(cls, values: list[str]) -> list[str]:
        for value in values:
            if not is_region_code(value.upper()):
                raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 or 3166-2 code")
        return [v.upper() for v in values]


@dataclass(frozen=True, slots=True)
class Transaction:
    id: str
    date: date
    parties: tuple[Party, ...]
    purpose: str
    goods: tuple[GoodsLine, ...] = ()
    regions: tuple[str, ...] = ()  # ISO 3166-1 alpha-2 or ISO 3166-2 (UA-43)
    amount: Money | None = None
    cap_holder: str | None = None

    @classmethod
    def from_dict(cls, data: Any, where: str = "transaction") -> Transaction:
        if not isinstance(data, Mapping):
            raise TransactionError(f"{where}: expected a JSON object")
        try:
            parsed = _TransactionIn.model_validate(dict(data))
        except ValidationError as exc:
            problems = "; ".join(
                ".".join(str(p) for p in err["loc"])
                + ": "
                + err["msg"].removeprefix("Value error, ")
                for err in exc.errors()
            )
            record = f" (id {data['id']})" if isinstance(data.get("id"), str) else ""
            raise TransactionError(f"{where}{record}: {problems}") from exc
        return cls(
            id=parsed.id,
            date=parsed.date,
            parties=tuple(
                Party(
                    name=p.name,
                    type=p.type,
                    country=p.country,
                    dob=p.dob,
                    identifiers=tuple(
                        Identifier(kind=i.kind, value=i.value, country=i.country)
                        for i in p.identifiers
                    ),
                    role=p.role,
                )
                for p in parsed.parties
            ),
            purpose=parsed.purpose,
            goods=tuple(
                GoodsLine(g.description, g.eccn, g.export_authorization, g.quantity)
                for g in parsed.goods
            ),
            regions=tuple(parsed.regions),
            amount=Money(parsed.amount.value, parsed.amount.currency) if parsed.amount else None,
            cap_holder=parsed.cap_holder,
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "date": self.date.isoformat(),
            "parties": [party_to_dict(p) for p in self.parties],
            "purpose": self.purpose,
            "goods": [g.to_dict() for g in self.goods],
            "regions": list(self.regions),
        }
        if self.amount is not None:
            out["amount"] = self.amount.to_dict()
        if self.cap_holder is not None:
            out["cap_holder"] = self.cap_holder
        return out

    def content_hash(self) -> str:
        return content_hash(self.to_dict())


def party_to_dict(party: Party) -> dict[str, Any]:
    out: dict[str, Any] = {"name": party.name}
    if party.type is not EntryType.UNKNOWN:
        out["type"] = party.type.value
    for key in ("country", "dob", "role"):
        if getattr(party, key) is not None:
            out[key] = getattr(party, key)
    if party.identifiers:
        out["identifiers"] = [
            {k: v for k, v in (("kind", i.kind), ("value", i.value), ("country", i.country)) if v}
            for i in party.identifiers
        ]
    return out


# --- screening input -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScreenedParty:
    """One party with the hits screening found for it, and how they were found."""

    party: Party
    hits: tuple[Hit, ...]
    list_versions: tuple[ListVersion, ...]
    algorithm: str
    match_threshold: float
    review_threshold: float

    @classmethod
    def from_result(cls, result: Any) -> ScreenedParty:
        """From a `clearance.screening.ScreeningResult`."""
        return cls(
            party=result.party,
            hits=tuple(result.hits),
            list_versions=tuple(result.list_versions),
            algorithm=result.algorithm,
            match_threshold=float(result.match_threshold),
            review_threshold=float(result.review_threshold),
        )


def version_ref(version: ListVersion) -> dict[str, Any]:
    return {
        "id": version.id,
        "list": version.list_name,
        "published": version.published.isoformat(),
        "sha256": version.sha256,
    }


# --- the decision ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reason:
    """One step of the trace: what was looked at, what was found, on what authority."""

    step: str  # rules | screening | ownership | programs | license | condition | cap | decision
    finding: str  # a short code: match, possible-match, covered, not-covered, cap-exceeded ...
    text: str  # one sentence a person can read
    party: str | None = None
    authority: str | None = None
    rule: str | None = None  # a license version id, `programs.yaml:CYBER2`, `50-percent-rule`
    list_version: Mapping[str, Any] | None = None
    entry: Mapping[str, Any] | None = None  # {"list", "id", "name"}
    citation: str | None = None
    verified: bool = True

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"step": self.step, "finding": self.finding, "text": self.text}
        for key in ("party", "authority", "rule", "list_version", "entry", "citation"):
            value = getattr(self, key)
            if value is not None:
                out[key] = dict(value) if isinstance(value, Mapping) else value
        out["verified"] = self.verified
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Reason:
        return cls(
            step=data["step"],
            finding=data["finding"],
            text=data["text"],
            party=data.get("party"),
            authority=data.get("authority"),
            rule=data.get("rule"),
            list_version=data.get("list_version"),
            entry=data.get("entry"),
            citation=data.get("citation"),
            verified=bool(data.get("verified", True)),
        )


@dataclass(frozen=True, slots=True)
class Authorization:
    party: str
    authority: str
    license: str  # general license version id or specific license number
    kind: str  # general | specific
    family: str
    citation: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "party": self.party,
            "authority": self.authority,
            "license": self.license,
            "kind": self.kind,
            "family": self.family,
            "citation": self.citation,
        }


@dataclass(frozen=True, slots=True)
class Uncovered:
    party: str
    authority: str
    programs: tuple[str, ...]
    title: str
    why: str
    specific_license_possible: bool
    citation: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "party": self.party,
            "authority": self.authority,
            "programs": list(self.programs),
            "title": self.title,
            "why": self.why,
            "specific_license_possible": self.specific_license_possible,
            "citation": self.citation,
        }


@dataclass(frozen=True, slots=True)
class CapKey:
    """Whose cap, under which license family, for which period."""

    family: str
    holder: str
    period: str  # `2019` for a calendar year; `2022-07-01/2023-06-30` for a specific license


@dataclass(frozen=True, slots=True)
class Usage:
    amount: Decimal = Decimal(0)
    quantity: int = 0


@dataclass(frozen=True, slots=True)
class CapUse:
    """One cap a decision relied on: what had been used, this transaction, the limit."""

    key: CapKey
    license: str
    currency: str
    limit: Decimal
    used_before: Decimal
    this: Decimal
    quantity_limit: int | None = None
    quantity_used_before: int = 0
    quantity_this: int = 0
    citation: str | None = None
    drawn: bool = False  # this decision draws on it (AUTHORIZED); else it was only read

    @property
    def after(self) -> Decimal:
        return self.used_before + self.this

    @property
    def exceeded(self) -> bool:
        over_quantity = (
            self.quantity_limit is not None
            and self.quantity_used_before + self.quantity_this > self.quantity_limit
        )
        return self.after > self.limit or over_quantity

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "family": self.key.family,
            "holder": self.key.holder,
            "period": self.key.period,
            "license": self.license,
            "currency": self.currency,
            "limit": money_text(self.limit),
            "used_before": money_text(self.used_before),
            "this": money_text(self.this),
            "after": money_text(self.after),
            "drawn": self.drawn,
            "exceeded": self.exceeded,
            "citation": self.citation,
        }
        if self.quantity_limit is not None:
            out |= {
                "quantity_limit": self.quantity_limit,
                "quantity_used_before": self.quantity_used_before,
                "quantity_this": self.quantity_this,
            }
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CapUse:
        return cls(
            key=CapKey(data["family"], data["holder"], data["period"]),
            license=data["license"],
            currency=data["currency"],
            limit=Decimal(data["limit"]),
            used_before=Decimal(data["used_before"]),
            this=Decimal(data["this"]),
            quantity_limit=data.get("quantity_limit"),
            quantity_used_before=int(data.get("quantity_used_before", 0)),
            quantity_this=int(data.get("quantity_this", 0)),
            citation=data.get("citation"),
            drawn=bool(data.get("drawn", False)),
        )


@dataclass(frozen=True, slots=True)
class Decision:
    transaction_id: str
    date: date
    decision: Outcome
    reasons: tuple[Reason, ...]
    authorizations: tuple[Authorization, ...] = ()
    uncovered_authorities: tuple[Uncovered, ...] = ()
    missing: tuple[str, ...] = ()  # what a person must supply or judge (REVIEW)
    # Every cap the evaluation read: those it draws on first (`drawn`), then any it broke
    # (`exceeded`), then those read for a license it did not end up using.
    caps: tuple[CapUse, ...] = ()
    list_versions: tuple[Mapping[str, Any], ...] = ()
    rules_version: str = ""
    screening_algorithm: str = ""
    screening: Mapping[str, Any] = field(default_factory=dict)  # thresholds
    cap_holder: str = ""
    transaction: Mapping[str, Any] = field(default_factory=dict)
    ownership_import: int | None = None  # the ownership data set the 50% rule used
    recorded: bool = False  # its drawdowns were written to the ledger
    replayed: bool = False  # returned from the ledger for a repeated transaction id

    @property
    def drawdowns(self) -> tuple[CapUse, ...]:
        return tuple(c for c in self.caps if c.drawn)

    @property
    def cap(self) -> CapUse | None:
        """The cap to show: the first drawn on, else the first broken."""
        return next((c for c in self.caps if c.drawn or c.exceeded), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "transaction_id": self.transaction_id,
            "date": self.date.isoformat(),
            "decision": self.decision.value,
            "reasons": [r.to_dict() for r in self.reasons],
            "authorizations": [a.to_dict() for a in self.authorizations],
            "uncovered_authorities": [u.to_dict() for u in self.uncovered_authorities],
            "missing": list(self.missing),
            "cap": self.cap.to_dict() if self.cap is not None else None,
            "caps": [c.to_dict() for c in self.caps],
            "cap_holder": self.cap_holder,
            "list_versions": [dict(v) for v in self.list_versions],
            "rules_version": self.rules_version,
            "screening_algorithm": self.screening_algorithm,
            "screening": dict(self.screening),
            "transaction": dict(self.transaction),
            "ownership_import": self.ownership_import,
            "recorded": self.recorded,
            "replayed": self.replayed,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Decision:
        return cls(
            transaction_id=data["transaction_id"],
            date=date.fromisoformat(data["date"]),
            decision=Outcome(data["decision"]),
            reasons=tuple(Reason.from_dict(r) for r in data.get("reasons", ())),
            authorizations=tuple(Authorization(**a) for a in data.get("authorizations", ())),
            uncovered_authorities=tuple(
                Uncovered(**(u | {"programs": tuple(u["programs"])}))
                for u in data.get("uncovered_authorities", ())
            ),
            missing=tuple(data.get("missing", ())),
            caps=tuple(CapUse.from_dict(c) for c in data.get("caps", ())),
            list_versions=tuple(data.get("list_versions", ())),
            rules_version=data.get("rules_version", ""),
            screening_algorithm=data.get("screening_algorithm", ""),
            screening=data.get("screening", {}),
            cap_holder=data.get("cap_holder", ""),
            transaction=data.get("transaction", {}),
            ownership_import=data.get("ownership_import"),
            recorded=bool(data.get("recorded", False)),
            replayed=bool(data.get("replayed", False)),
        )


def distinct_versions(screened: Sequence[ScreenedParty]) -> tuple[Mapping[str, Any], ...]:
    seen: dict[int, Mapping[str, Any]] = {}
    for party in screened:
        for version in party.list_versions:
            seen.setdefault(version.id, version_ref(version))
    return tuple(seen[k] for k in sorted(seen))
