"""The HTTP answers' schemas: the wire form (docs/wire.md) as pydantic models, for the OpenAPI
document and for checking what the routes answer.

The JSON itself is still written by the one function of each type (`model.version_to_dict`,
`hit_to_dict`, the result types' `to_dict()`); these models only describe it. Routes name
them as `response_model` with `response_model_exclude_unset` (see `returns`), so FastAPI checks
each answer against its model and writes exactly the keys the dict had — or, on the hot
`/screen` route and for answers whose status varies, as `responses=` only, where the dict is
sent as it is and the tests check it against the document.

Every model refuses keys it does not name (`additionalProperties: false`), so a field added to
a `to_dict()` without being added here fails the API tests instead of going undocumented.
What is open on purpose (`dict[str, Any]`) is said at each place: audit payloads, settings,
scorer configurations and other values whose shape is another document's.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pydantic_core
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from clearance.access import Role
from clearance.audit.review import AlertState, HitStatus
from clearance.decisions.rules_schema import GeneralLicense
from clearance.decisions.specific import SpecificLicense
from clearance.decisions.trace import Outcome as DecisionOutcome
from clearance.jobs.store import JobState
from clearance.model import EntryType, ListSource, NameKind
from clearance.monitoring.runs import RunKind

# A JSON number: an int stays an int and a float a float (pydantic's `float` would turn 1
# into 1.0, changing the bytes of what the use case wrote).
Number = Annotated[int | float, WithJsonSchema({"type": "number"})]
Day = Annotated[str, WithJsonSchema({"type": "string", "format": "date"})]
# Fields named `list` on the wire are `list_name` here (`list` would hide the type in the class
# body); FastAPI reads and writes them by alias.
# ISO 8601 timestamps as the store gives them back (with or without an offset): no `format`,
# which would call one without an offset invalid.
Timestamp = Annotated[str, Field(description="ISO 8601 date and time")]
OpenObject = dict[str, Any]


class Wire(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def returns(model: Any) -> dict[str, Any]:
    """A route's `response_model` arguments: check the answer, keep exactly its keys."""
    return {"response_model": model, "response_model_exclude_unset": True}


def documented(model: Any, status: int = 200, description: str = "OK") -> dict[int | str, Any]:
    """A `responses=` entry: the schema of an answer the route sends as it is."""
    return {status: {"model": model, "description": description}}


class WireJSON(JSONResponse):
    """A use case's dict sent as it is, written by pydantic-core (several times faster than
    `json.dumps` for a screening's answer, and as fast as FastAPI's own path)."""

    def render(self, content: Any) -> bytes:
        return pydantic_core.to_json(content)


# --- lists -----------------------------------------------------------------------------------


class ListVersionOut(Wire):
    """`model.version_to_dict`."""

    id: int
    list_name: str = Field(alias="list")
    source: ListSource
    published: Day
    imported_at: Timestamp
    sha256: str
    entries: int
    counts: dict[str, int] = Field(description="Entries per type")
    origin: str


class ImportedOut(ListVersionOut):
    """`service.lists.Imported.to_dict`: the version and whether this import stored it."""

    created: bool = Field(description="false: identical content was stored already")


class ListSummaryOut(Wire):
    list_name: str = Field(alias="list")
    versions: int
    in_force: ListVersionOut | None


class NameOut(Wire):
    name: str
    kind: NameKind
    script: str | None = None
    first: str | None = None
    last: str | None = None


class AddressOut(Wire):
    street: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None
    country_code: str | None = None
    remarks: str | None = None


class IdentifierOut(Wire):
    kind: str
    value: str
    country: str | None = None
    remarks: str | None = None


class RelationOut(Wire):
    kind: str
    target_name: str
    target_id: str | None = None
    percentage: Number | None = None
    start_date: str | None = None
    end_date: str | None = None


class EntryOut(Wire):
    """`model.entry_to_dict`: the canonical form of a listed party."""

    source: ListSource
    id: str
    type: EntryType
    names: list[NameOut]
    programs: list[str]
    addresses: list[AddressOut]
    countries: list[str]
    birth_dates: list[str]
    birth_places: list[str]
    identifiers: list[IdentifierOut]
    relations: list[RelationOut]
    remarks: str | None
    listed_on: Day | None
    properties: dict[str, list[str]]


class EntryViewOut(EntryOut):
    list_version: ListVersionOut


class FieldChangeOut(Wire):
    field: str
    before: Any
    after: Any


class HistoryStepOut(Wire):
    version: int
    published: Day
    status: Literal["added", "changed", "unchanged", "removed", "absent"]
    changes: list[FieldChangeOut]


class DiffSideOut(Wire):
    version: int
    published: Day


class DiffCountsOut(Wire):
    added: int
    removed: int
    changed: int


class DiffEntryOut(Wire):
    id: str
    name: str


class DiffChangedOut(DiffEntryOut):
    fields: list[FieldChangeOut]


class DiffOut(Wire):
    list_name: str = Field(alias="list")
    from_: DiffSideOut = Field(alias="from")
    to: DiffSideOut
    counts: DiffCountsOut
    added: list[DiffEntryOut]
    removed: list[DiffEntryOut]
    changed: list[DiffChangedOut]


# --- screening -------------------------------------------------------------------------------


class PartyOut(Wire):
    """`model.party_to_dict`: a party as screened, `null` for what was not given."""

    name: str
    type: EntryType
    country: str | None
    dob: str | None
    identifiers: list[IdentifierOut]
    role: str | None
    address: str | None
    city: str | None


class MatchedNameOut(Wire):
    name: str
    kind: NameKind


class FeatureOut(Wire):
    name: str
    score: Number
    detail: str


class HitReviewOut(Wire):
    status: HitStatus
    alert: int | None
    new_alert: bool
    cites: OpenObject | None = Field(description="The earlier review relied on or reopened")
    reason: str


class HitOut(Wire):
    """`model.hit_to_dict`; screening answers add `entry` and `review`."""

    list_name: str = Field(alias="list")
    list_version_id: int
    source_id: str
    entry_name: str
    entry_hash: str
    entry_type: EntryType
    programs: list[str]
    score: Number
    match: bool
    query_name: str
    matched_name: MatchedNameOut
    algorithm: str
    features: list[FeatureOut]
    explanation: str
    entry: EntryOut | None = None
    review: HitReviewOut | None = None


class WarningOut(Wire):
    """`store.contents.ListWarning.to_dict`."""

    code: Literal["list-incomplete", "list-stale"]
    list_name: str = Field(alias="list")
    version: int
    published: Day
    text: str


class RecordRefOut(Wire):
    seq: int
    id: str


class ScreeningOut(Wire):
    """`service.screening.Screening.to_dict`."""

    party: PartyOut
    as_of: Day | None
    list_versions: list[ListVersionOut]
    algorithm: str
    algorithm_config: OpenObject = Field(description="The frozen scorer's knobs (recorded)")
    match_threshold: Number
    review_threshold: Number
    hits: list[HitOut]
    warnings: list[WarningOut]
    audit_record: RecordRefOut | None


# --- decisions -------------------------------------------------------------------------------


class ReasonOut(Wire):
    step: str
    finding: str
    text: str
    party: str | None = None
    authority: str | None = None
    rule: str | None = None
    list_version: OpenObject | None = None
    entry: OpenObject | None = None
    citation: str | None = None
    verified: bool


class AuthorizationOut(Wire):
    party: str
    authority: str
    license: str
    kind: Literal["general", "specific"]
    family: str
    citation: str | None


class UncoveredOut(Wire):
    party: str
    authority: str
    programs: list[str]
    title: str
    why: str
    specific_license_possible: bool
    citation: str | None


Money = Annotated[str, Field(description="A decimal amount, two places: `1200.00`")]


class CapUseOut(Wire):
    family: str
    holder: str
    period: str
    license: str
    currency: str
    limit: Money
    used_before: Money
    this: Money
    after: Money
    drawn: bool
    exceeded: bool
    citation: str | None
    quantity_limit: int | None = None
    quantity_used_before: int | None = None
    quantity_this: int | None = None


class DecisionReviewOut(Wire):
    party: str
    list_name: str = Field(alias="list")
    source_id: str
    score: Number
    status: HitStatus
    alert: int | None
    reason: str


class DecisionOut(Wire):
    """`service.decisions.DecisionResult.to_dict` (docs/decisions.md#output)."""

    transaction_id: str
    date: Day
    decision: DecisionOutcome
    reasons: list[ReasonOut]
    authorizations: list[AuthorizationOut]
    uncovered_authorities: list[UncoveredOut]
    missing: list[str]
    cap: CapUseOut | None
    caps: list[CapUseOut]
    cap_holder: str
    list_versions: list[OpenObject] = Field(description="As audit records cite versions")
    rules_version: str
    screening_algorithm: str
    screening: OpenObject = Field(description="The thresholds used")
    transaction: OpenObject = Field(description="The transaction as read")
    ownership_import: int | None
    warnings: list[WarningOut]
    recorded: bool
    replayed: bool
    review: list[DecisionReviewOut]
    audit_record: RecordRefOut | None


# --- review ----------------------------------------------------------------------------------


class AlertOut(Wire):
    """`audit.review.Alert.to_dict`. `party` and `hit` are as stored when the alert was raised
    (the wire forms of their day), so they are open here."""

    id: int
    state: AlertState
    final: bool
    pending_confirmation: bool
    fingerprint: str
    party: OpenObject
    list_name: str = Field(alias="list")
    source_id: str
    entry_name: str
    entry_hash: str
    list_version_id: int
    score: Number
    hit: OpenObject
    created_at: Timestamp
    screening_record: int
    reopens: int | None
    reviewer: str | None
    reviewed_at: Timestamp | None
    note: str | None
    review_record: int | None
    confirmations: list[OpenObject]


class AlertStateOut(Wire):
    state: AlertState
    final: bool


class AlertHistoryOut(Wire):
    """One review of the alert, from its audit record."""

    record: int
    at: Timestamp
    reviewer: str | None
    action: str | None
    to: AlertStateOut | None = Field(description="The alert's state after this review")
    note: str | None


class AlertViewOut(AlertOut):
    history: list[AlertHistoryOut]


# --- audit -----------------------------------------------------------------------------------


class VerifyOut(Wire):
    """`audit.chain.VerifyResult.to_dict`."""

    ok: bool
    checked: int
    first_seq: int | None
    last_seq: int | None
    last_hash: str
    anchored_by_purge_marker: int | None
    keyed: bool = Field(description="Whether the chain's records carry MACs (an audit key)")
    key_id: str | None = Field(description="The id of the key the newest records are MAC'd with")
    macs_checked: int
    expected_head: str | None = Field(description="The `expect_head` given, found in the chain")
    note: str | None = Field(description="What this verification cannot prove (an unkeyed chain)")
    first_problem: str | None
    problems: list[str]
    inconsistent_rows: list[str] = Field(
        description="Alert, ledger and recorded-decision rows that disagree with their records"
    )


class AuditRecordOut(Wire):
    seq: int
    id: str
    kind: str
    created_at: Timestamp
    actor: str
    payload: OpenObject = Field(description="The record's content, by kind (docs/wire.md)")
    prev_hash: str
    hash: str
    mac: str | None = Field(default=None, description="The record's MAC, where the chain is keyed")


class ChainHeadOut(Wire):
    """The chain's newest record, `SEQ:HASH` (`audit head`)."""

    seq: int
    hash: str
    head: str


class RecordPageOut(Wire):
    records: list[AuditRecordOut]
    next_after: int | None


class ReplayedRecordOut(Wire):
    seq: int
    id: str
    kind: str


class DifferenceOut(Wire):
    path: str
    recorded: Any
    replayed: Any


class ReplayOutcomeOut(Wire):
    identical: bool
    list_versions: list[OpenObject]
    rules_version: str | None
    differences: list[DifferenceOut]
    answer: OpenObject = Field(description="The recomputed answer, in the record's own form")


class ReplayOut(Wire):
    record: ReplayedRecordOut
    summary: str
    identical: bool
    replay: ReplayOutcomeOut
    current: ReplayOutcomeOut | None
    notes: list[str]


# --- licenses and ledger ---------------------------------------------------------------------


class LicenseRowOut(Wire):
    id: str
    kind: Literal["general", "specific"]
    family: str | None
    issued: Day | None
    valid_from: Day
    valid_until: Day | None
    authorities: list[str]
    holder: str | None
    verified: bool
    file: str | None


class GeneralLicenseOut(GeneralLicense):
    """A general license as its rule file states it, with its effective end (a successor's
    start), that successor, its file and the rules version."""

    valid_until_effective: Day | None
    superseded_by: str | None
    file: str | None
    rules_version: str


# One license as `GET /licenses/{id}` answers it: its own schema is the rule files' one.
LicenseOut = GeneralLicenseOut | SpecificLicense


class RegisteredOut(Wire):
    number: str
    holder: str
    created: bool
    registered_at: Timestamp


class CapTotalOut(Wire):
    family: str
    holder: str
    period: str
    currency: str
    used: Money
    limit: Money | None
    remaining: Money | None
    entries: int


class LedgerRowOut(Wire):
    id: int
    family: str
    holder: str
    period: str
    license: str
    transaction_id: str
    kind: str
    amount: Money
    currency: str
    quantity: int
    reverses_id: int | None
    note: str | None
    recorded_at: Timestamp


class LedgerOut(Wire):
    caps: list[CapTotalOut]
    entries: list[LedgerRowOut]


# --- keys, health, jobs, monitoring ----------------------------------------------------------


class KeyOut(Wire):
    name: str
    role: Role
    prefix: str
    active: bool
    created_at: Timestamp
    created_by: str
    revoked_at: Timestamp | None
    revoked_by: str | None


class HealthListOut(Wire):
    list_name: str = Field(alias="list")
    published: Day
    entries: int


class HealthOut(Wire):
    status: Literal["ok"]
    lists: list[HealthListOut]


class JobOut(Wire):
    """`jobs.store.Job.to_dict`: no server paths."""

    id: str
    state: JobState
    owner: str
    created_at: Timestamp
    updated_at: Timestamp
    rows_total: int | None
    rows_done: int
    output_rows: int | None
    matches: int | None
    input_bytes: int
    format: Literal["csv", "parquet"]
    request: OpenObject = Field(description="What to screen against (`ScreenRequest`)")
    error: str | None
    audit_record: int | None


class NewAlertOut(Wire):
    party_id: str
    list_name: str = Field(alias="list")
    source_id: str
    score: Number
    reason: Literal["new-party", "changed-party", "new-entry", "changed-entry", "rescreen"]


class MonitorResultOut(Wire):
    parties: int
    screened: int
    new_alerts: list[NewAlertOut]
    list_versions: list[ListVersionOut]


class RunVersionOut(Wire):
    list_name: str = Field(alias="list")
    id: int


class MonitorRunOut(Wire):
    id: int
    kind: RunKind
    previous_run: int | None
    as_of: Day
    started_at: Timestamp
    finished_at: Timestamp
    book_revision: int
    algorithm: str
    review_threshold: Number
    list_versions: list[RunVersionOut]
    parties: int
    screened: int
    new_alerts: int
    summary: OpenObject = Field(description="Counts and the ids of the alerts it raised")
    audit_record: int
    actor: str
