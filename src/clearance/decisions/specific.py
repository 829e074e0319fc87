"""Specific licenses (issued to one holder) and the one view the evaluator has of any license.

A specific license is registered by the user from a YAML file (`clearance licenses
add-specific FILE.yaml`) and stored in the database. It names its holder, parties (list
entries), authorities or program tags, purposes, validity, and a value limit (optionally a
quantity limit) with an allowed overrun in percent; each transaction it authorizes draws the
limit down in the ledger, over the license's whole validity.

Example::

    number: RUSSIA-EO14024-2022-123456
    holder: ACME Corp
    issued: 2022-07-01
    valid_from: 2022-07-01
    valid_until: 2023-06-30
    parties: [{list: ofac-sdn, id: "21344"}]
    authorities: [EO14024]         # or programs: [RUSSIA-EO14024]
    purposes: [import-authorization-fee]
    value_limit: {amount: 20000, currency: USD}
    overrun_percent: 10
    reference: "OFAC license RUSSIA-EO14024-2022-123456 of 1 Jul 2022"
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from sqlalchemy import Connection, Engine, insert, select

from clearance.decisions.caps import CapKey
from clearance.decisions.rules import RuleError, RuleSet, json_ready
from clearance.decisions.rules_check import RuleChecker
from clearance.decisions.rules_schema import (
    AuthorityRef,
    GeneralLicense,
    LicenseTerms,
    RuleModel,
    check_currency,
    check_money_amount,
)
from clearance.decisions.rules_yaml import format_validation_error, parse_yaml, read_rule_text
from clearance.decisions.tables import specific_license
from clearance.model import canonical_json, content_hash
from clearance.store.db import within


class ValueLimit(RuleModel):
    amount: Decimal
    currency: str

    _check_amount = field_validator("amount")(check_money_amount)
    _check_currency = field_validator("currency")(check_currency)


class SpecificLicense(LicenseTerms):
    number: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$", max_length=100)
    kind: Literal["specific"] = "specific"
    holder: str = Field(min_length=1, max_length=200)
    issuer: str = "OFAC"
    title: str | None = None
    issued: date | None = None
    valid_from: date
    valid_until: date | None = None
    authorities: tuple[AuthorityRef, ...] = ()
    programs: tuple[str, ...] = ()  # tags, mapped to authorities through programs.yaml
    value_limit: ValueLimit
    quantity_limit: int | None = Field(default=None, gt=0)
    overrun_percent: Decimal = Field(default=Decimal(0), ge=0, le=100)

    @model_validator(mode="after")
    def _check(self) -> SpecificLicense:
        if not self.authorities and not self.programs:
            raise ValueError("give the authorities or the programs the license is issued under")
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise ValueError("valid_until is before valid_from")
        return self

    def in_force(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_until is None or on <= self.valid_until)


# --- the evaluator's view of a license -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CapSpec:
    limit: Decimal  # including any allowed overrun
    currency: str
    period: str  # calendar_year | license
    applies_to_purposes: tuple[str, ...] | None
    quantity_limit: int | None = None
    reference: str | None = None
    verified: bool = True

    def applies(self, purpose: str) -> bool:
        return self.applies_to_purposes is None or purpose in self.applies_to_purposes


@dataclass(frozen=True, slots=True)
class LicenseView:
    id: str
    kind: str  # general | specific
    family: str  # caps run per family; a specific license is its own family
    title: str
    holder: str | None
    valid_from: date
    valid_until: date | None
    authorities: tuple[AuthorityRef, ...]
    terms: LicenseTerms
    caps: tuple[CapSpec, ...]

    def cap_key(self, cap: CapSpec, holder: str, on: date) -> CapKey:
        if cap.period == "calendar_year":
            return CapKey(self.family, holder, str(on.year))
        until = self.valid_until.isoformat() if self.valid_until else "open"
        return CapKey(self.family, self.holder or holder, f"{self.valid_from}/{until}")

    @property
    def citation(self) -> str:
        return self.terms.reference


def general_view(rules: RuleSet, lic: GeneralLicense) -> LicenseView:
    return LicenseView(
        id=lic.id,
        kind="general",
        family=lic.family,
        title=lic.title,
        holder=None,
        valid_from=lic.valid_from,
        valid_until=rules.valid_until(lic),
        authorities=lic.authorities,
        terms=lic,
        caps=tuple(
            CapSpec(
                c.amount,
                c.currency,
                c.period,
                c.applies_to_purposes,
                None,
                c.reference,
                c.verified,
            )
            for c in lic.caps
        ),
    )


def specific_view(rules: RuleSet, lic: SpecificLicense) -> LicenseView:
    authorities = list(lic.authorities)
    for tag in lic.programs:
        program = rules.programs_file.programs.get(tag)
        for authority in program.authorities if program is not None else ():
            if all(a.id != authority for a in authorities):
                authorities.append(
                    AuthorityRef(id=authority, reference=f"program {tag}: {lic.reference}")
                )
    factor = 1 + lic.overrun_percent / 100
    quantity = int(lic.quantity_limit * factor) if lic.quantity_limit is not None else None
    cap = CapSpec(
        limit=(lic.value_limit.amount * factor).quantize(Decimal("0.01")),
        currency=lic.value_limit.currency,
        period="license",
        applies_to_purposes=None,
        quantity_limit=quantity,
        reference=f"{lic.reference} (value limit {lic.value_limit.currency} "
        f"{lic.value_limit.amount:,.2f}, overrun allowed {lic.overrun_percent}%)",
        verified=lic.verified,
    )
    return LicenseView(
        id=lic.number,
        kind="specific",
        family=f"specific:{lic.number}",
        title=lic.title or f"Specific license {lic.number}",
        holder=lic.holder,
        valid_from=lic.valid_from,
        valid_until=lic.valid_until,
        authorities=tuple(authorities),
        terms=lic,
        caps=(cap,),
    )


def views_in_force(
    rules: RuleSet, specifics: Sequence[SpecificLicense], on: date
) -> list[LicenseView]:
    """General licenses first (in rule order), then specific licenses by number."""
    views = [general_view(rules, lic) for lic in rules.in_force(on)]
    views += [
        specific_view(rules, lic)
        for lic in sorted(specifics, key=lambda s: s.number)
        if lic.in_force(on)
    ]
    return views


# --- validation against the rules, registration ----------------------------------------------


def validate_specific(
    data: Any, rules: RuleSet, where: str, text: str | None = None
) -> SpecificLicense:
    if not isinstance(data, dict):
        raise RuleError(f"{where}: expected a mapping at the top level")
    try:
        lic = SpecificLicense.model_validate(data)
    except ValidationError as exc:
        raise format_validation_error(where, exc, text) from exc
    checker = RuleChecker(
        rules.programs_file,
        rules.purposes_file,
        {},
        lambda _rel: where,
        {where: text} if text is not None else {},
    )
    checker.terms(where, lic)
    for i, a in enumerate(lic.authorities):
        checker.authority(where, ["authorities", i, "id"], a.id)
    for i, tag in enumerate(lic.programs):
        if tag not in rules.programs_file.programs:
            raise checker.fail(where, ["programs", i], f"unknown program tag {tag!r}")
    return lic


@dataclass(frozen=True, slots=True)
class Registered:
    license: SpecificLicense
    created: bool
    registered_at: datetime


def register_specific(engine: Engine | Connection, path: Path, rules: RuleSet) -> Registered:
    """Validate a specific license file and store it; the same content again is a no-op."""
    return register_specific_text(engine, read_rule_text(path), str(path), rules)


def register_specific_text(
    engine: Engine | Connection, text: str, origin: str, rules: RuleSet
) -> Registered:
    """`register_specific` for YAML (or JSON) text that came from `origin` (a path, a request)."""
    data = parse_yaml(text, origin)
    lic = validate_specific(data, rules, origin, text)
    body = json_ready(data)
    digest = content_hash(body)
    with within(engine) as conn:
        row = conn.execute(
            select(specific_license).where(specific_license.c.number == lic.number)
        ).first()
        if row is not None:
            if row.sha256 == digest:
                return Registered(lic, False, row.registered_at)
            raise RuleError(
                f"{origin}: number: specific license {lic.number!r} is already registered with "
                "other content; register an amendment under its own number"
            )
        now = datetime.now(UTC)
        conn.execute(
            insert(specific_license).values(
                number=lic.number,
                holder=lic.holder,
                body=canonical_json(body),
                sha256=digest,
                origin=origin,
                registered_at=now,
            )
        )
    return Registered(lic, True, now)


def load_specific(engine: Engine) -> list[SpecificLicense]:
    with engine.connect() as conn:
        rows = conn.execute(select(specific_license.c.body).order_by(specific_license.c.number))
        return [SpecificLicense.model_validate(json.loads(r.body)) for r in rows]


def get_specific(engine: Engine, number: str) -> SpecificLicense | None:
    with engine.connect() as conn:
        body = conn.scalar(
            select(specific_license.c.body).where(specific_license.c.number == number)
        )
    return SpecificLicense.model_validate(json.loads(body)) if body is not None else None
