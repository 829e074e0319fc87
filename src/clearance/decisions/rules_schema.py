"""The schema of the rule files (pydantic models): programs.yaml, purposes.yaml and one
general license version per file in general_licenses/; the license terms specific licenses
share with general ones.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from clearance.decisions.codes import is_currency_code, is_region_code

PROGRAMS_FILE = "programs.yaml"
PURPOSES_FILE = "purposes.yaml"
GOODS_FILE = "goods.yaml"  # optional: needed by licenses with goods conditions
PLACES_FILE = "places.yaml"  # optional: places that lie in the regions licenses exclude
LICENSES_DIR = "general_licenses"


class RuleModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


def _bare(key: str, data: Any) -> Any:
    """Allow `X` as shorthand for `{key: X}` (an item without its own reference)."""
    return {key: data} if isinstance(data, str | int | bool | list) else data


class Note(RuleModel):
    text: str
    reference: str | None = None
    verified: bool = True


class Inclusion(RuleModel):
    authority: str
    since: date | None = None
    reference: str | None = None
    verified: bool = True


class SpecificLicensePolicy(RuleModel):
    possible: bool = True
    reference: str = "31 CFR 501.801 (specific licenses: application procedures)"


class Authority(RuleModel):
    id: str
    title: str
    instrument: Literal["executive-order", "regulation", "statute", "other"]
    citation: str
    reference: str | None = None
    verified: bool = True
    includes: tuple[Inclusion, ...] = ()
    notes: tuple[Note, ...] = ()
    specific_license: SpecificLicensePolicy = SpecificLicensePolicy()


class Program(RuleModel):
    tag: str
    authorities: tuple[str, ...] = Field(min_length=1)
    reference: str | None = None
    verified: bool = True
    notes: tuple[Note, ...] = ()


class Designation(RuleModel):
    list_name: str = Field(alias="list")
    id: str
    name: str | None = None
    program: str
    authorities: tuple[str, ...] = Field(min_length=1)
    reference: str | None = None
    verified: bool = True

    @field_validator("id", mode="before")
    @classmethod
    def _id_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value


class ListEffect(RuleModel):
    effect: Literal["blocking", "review"]
    title: str | None = None
    reference: str | None = None


def _keyed(data: Any, key: str) -> Any:
    """`{K: {...}}` -> the same with `key: K` inside each value (ids live in the map keys)."""
    if not isinstance(data, dict):
        return data
    return {k: ({key: k} | v if isinstance(v, dict) else v) for k, v in data.items()}


class ProgramsFile(RuleModel):
    lists: dict[str, ListEffect] = {}
    authorities: dict[str, Authority]
    programs: dict[str, Program]
    designations: tuple[Designation, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _ids_from_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = dict(data)
            data["authorities"] = _keyed(data.get("authorities"), "id")
            data["programs"] = _keyed(data.get("programs"), "tag")
        return data


class CapStatement(RuleModel):
    """Whether the licenses authorizing a purpose cap it, why, and on what source."""

    value: bool
    why: str
    reference: str | None = None
    verified: bool = True


class PurposeReview(RuleModel):
    """What a person must confirm before a transaction under a purpose is authorized."""

    when: Literal["payment", "goods"]  # an amount above zero | goods lines
    text: str
    reference: str | None = None
    verified: bool = True


class Purpose(RuleModel):
    label: str
    description: str
    reference: str | None = None
    capped: CapStatement
    review: tuple[PurposeReview, ...] = ()


class PurposesFile(RuleModel):
    purposes: dict[str, Purpose] = Field(min_length=1)


class AuthorityRef(RuleModel):
    id: str
    reference: str | None = None
    verified: bool = True

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return _bare("id", data)


class PurposeRef(RuleModel):
    code: str
    reference: str | None = None
    verified: bool = True

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return _bare("code", data)


class RegionRef(RuleModel):
    code: str
    reference: str | None = None
    verified: bool = True

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return _bare("code", data)

    @field_validator("code")
    @classmethod
    def _iso(cls, value: str) -> str:
        if not is_region_code(value):
            raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 or ISO 3166-2 code")
        return value


class PartyRef(RuleModel):
    """A party named by a license: always a list entry, never a name string."""

    list_name: str = Field(alias="list")
    id: str
    name: str | None = None  # informative only
    reference: str | None = None
    verified: bool = True

    @field_validator("id", mode="before")
    @classmethod
    def _id_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value

    @property
    def ref(self) -> str:
        return f"{self.list_name}:{self.id}"


class ExportAuthorizationCondition(RuleModel):
    value: bool
    applies_to_purposes: tuple[str, ...] | None = None  # None: every purpose
    reference: str | None = None
    verified: bool = True

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return {"value": data} if isinstance(data, bool) else data


class _ListCondition(RuleModel):
    """A condition whose value is a list; a bare YAML list is shorthand for `{value: [...]}`."""

    reference: str | None = None
    verified: bool = True

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return {"value": data} if isinstance(data, list) else data


class ExcludedRegions(_ListCondition):
    value: tuple[RegionRef, ...] = Field(min_length=1)


class ExcludedPurposes(_ListCondition):
    value: tuple[str, ...] = Field(min_length=1)


class GoodsCategoryCondition(RuleModel):
    """Every goods line must be of a category of goods.yaml (`information-technology`)."""

    value: str
    applies_to_purposes: tuple[str, ...] | None = None  # None: every purpose
    reference: str | None = None
    verified: bool = True


class Conditions(RuleModel):
    goods_category: GoodsCategoryCondition | None = None
    export_authorization_required: ExportAuthorizationCondition | None = None
    excluded_regions: ExcludedRegions | None = None
    excluded_purposes: ExcludedPurposes | None = None


def check_money_amount(value: Decimal) -> Decimal:
    if value <= 0:
        raise ValueError("must be greater than 0")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise ValueError("at most two decimal places")
    return value


def check_currency(value: str) -> str:
    if not is_currency_code(value):
        raise ValueError(f"{value!r} is not an ISO 4217 currency code")
    return value


class CapRule(RuleModel):
    amount: Decimal
    currency: str
    period: Literal["calendar_year"]
    applies_to_purposes: tuple[str, ...] | None = None  # None: every purpose
    reference: str | None = None
    verified: bool = True

    _check_amount = field_validator("amount")(check_money_amount)
    _check_currency = field_validator("currency")(check_currency)


class LicenseTerms(RuleModel):
    """What general and specific licenses share: whom, under what, for what, on what terms."""

    parties: tuple[PartyRef, ...] | Literal["any"]
    # An entity blocked only by the 50% rule is covered only where the license says so.
    includes_owned_entities: bool = False
    purposes: tuple[PurposeRef, ...] = Field(min_length=1)
    conditions: Conditions = Conditions()
    reference: str
    url: str | None = None
    verified: bool = True
    notes: tuple[Note, ...] = ()


class GeneralLicense(LicenseTerms):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    family: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    kind: Literal["general"] = "general"
    title: str
    issuer: str = "OFAC"
    issued: date
    valid_from: date
    valid_until: date | None = None
    supersedes: str | None = None
    authorities: tuple[AuthorityRef, ...] = Field(min_length=1)
    caps: tuple[CapRule, ...] = ()

    @model_validator(mode="after")
    def _dates(self) -> GeneralLicense:
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise ValueError("valid_until is before valid_from")
        return self


# --- goods.yaml: what goods are, how their export is authorized ------------------------------


def _compiles(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a regular expression: {exc}") from None
    return value


class _Sourced(RuleModel):
    title: str
    reference: str | None = None
    verified: bool = True


class EccnClass(_Sourced):
    """ECCNs matching `pattern` (from the start, upper-cased): IT products (`it: true`), not
    (`false`), or evidence that decides nothing (`null`)."""

    pattern: str
    it: bool | None

    _check_pattern = field_validator("pattern")(_compiles)


class HsClass(_Sourced):
    """HS codes (digits only) matching `pattern` from the start."""

    pattern: str
    it: bool | None

    _check_pattern = field_validator("pattern")(_compiles)


class DescriptionClass(_Sourced):
    """Descriptions holding one of `words` (compared as folded whole words or phrases)."""

    words: tuple[str, ...] = Field(min_length=1)
    it: bool


class GoodsCategory(_Sourced):
    # Evidence, strongest first; the first class that decides (it true or false) wins.
    eccn: tuple[EccnClass, ...] = ()
    hs: tuple[HsClass, ...] = ()
    descriptions: tuple[DescriptionClass, ...] = ()


class AuthorizationCode(_Sourced):
    code: str


class LicenseNumberForm(_Sourced):
    pattern: str

    _check_pattern = field_validator("pattern")(_compiles)


class ExportAuthorizationForms(RuleModel):
    """What an export authorization can be: NLR, a License Exception, a license number."""

    nlr: AuthorizationCode
    license_exceptions: tuple[AuthorizationCode, ...] = Field(min_length=1)
    license_number: LicenseNumberForm
    reference: str | None = None


class ItemsException(RuleModel):
    pattern: str
    reference: str | None = None
    verified: bool = True

    _check_pattern = field_validator("pattern")(_compiles)


class ExportRule(_Sourced):
    """From `valid_from`, exports to `country` of items whose ECCN matches `eccn` (and none of
    `except`) need a license: NLR no longer suffices; only the License Exceptions named in
    `exceptions_available` remain."""

    id: str
    country: str
    valid_from: date
    eccn: str
    except_: tuple[ItemsException, ...] = Field(default=(), alias="except")
    exceptions_available: tuple[str, ...] = ()
    exceptions_reference: str | None = None
    exceptions_verified: bool = True

    _check_pattern = field_validator("eccn")(_compiles)


class GoodsFile(RuleModel):
    categories: dict[str, GoodsCategory] = Field(min_length=1)
    export_authorizations: ExportAuthorizationForms
    export_rules: tuple[ExportRule, ...] = ()


# --- places.yaml: places that lie in the regions licenses name -------------------------------


class Place(RuleModel):
    names: tuple[str, ...] = Field(min_length=1)  # as written in any script; compared folded
    reference: str | None = None
    verified: bool = True


class PlacesFile(RuleModel):
    regions: dict[str, tuple[Place, ...]]

    @field_validator("regions")
    @classmethod
    def _codes(cls, value: dict[str, tuple[Place, ...]]) -> dict[str, tuple[Place, ...]]:
        for code in value:
            if not is_region_code(code):
                raise ValueError(f"{code!r} is not an ISO 3166-1 alpha-2 or ISO 3166-2 code")
        return value
