"""Use cases of licensing decisions: decide, specific licenses, the cap ledger, ownership data.

`decide` is one unit of work: with `record`, the caps are locked, the decision evaluated, its
drawdowns written, its hits reviewed and its audit record appended in the same database
transaction, so a drawdown never exists without the record that explains it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError

from clearance.audit.chain import AuditRecord
from clearance.audit.records import (
    DECISION,
    LEDGER,
    LICENSE,
    OWNERSHIP,
    store_rules_snapshot,
)
from clearance.audit.review import HitStatus, ReviewedHit, party_fingerprint, review_hits
from clearance.decisions import ledger
from clearance.decisions.flow import (
    check_purpose,
    decision_context,
    default_cap_holder,
    evaluate_and_draw,
    replay_of,
    screen_parties,
)
from clearance.decisions.ownership import OwnershipImport, import_ownership, latest_import
from clearance.decisions.rules import RuleError, RuleSet
from clearance.decisions.screened import ScreenedParty
from clearance.decisions.specific import (
    Registered,
    SpecificLicense,
    get_specific,
    load_specific,
    register_specific,
    register_specific_text,
    specific_view,
)
from clearance.decisions.trace import Decision
from clearance.decisions.transaction import Transaction, TransactionError, check_cap_holder
from clearance.model import ListSource, ListVersion, Party, party_to_dict
from clearance.schema import has_control
from clearance.service.errors import NotFound
from clearance.service.handle import Clearance
from clearance.service.screening import record_ref, review_notes, screening_config, version_record
from clearance.service.uow import UnitOfWork, unit_of_work
from clearance.store.versions import list_names


class LicenseNotFound(RuleError, NotFound):
    """No general license of that id and no specific license of that number."""


@dataclass(frozen=True, slots=True)
class DecisionResult:
    """A decision, the review status of every screened party's hits, and its audit record."""

    decision: Decision
    parties: tuple[tuple[Party, tuple[ReviewedHit, ...]], ...]
    record: AuditRecord | None

    def to_dict(self) -> dict[str, Any]:
        data = self.decision.to_dict()
        data["review"] = [
            {
                "party": party.name,
                "list": h.hit.list_name,
                "source_id": h.hit.entry.source_id,
                "score": h.hit.score,
                "status": h.status.value,
                "alert": h.alert_id,
                "reason": h.reason,
            }
            for party, hits in self.parties
            for h in hits
            if h.status not in (HitStatus.BELOW_REVIEW, HitStatus.UNREVIEWED)
        ]
        data["audit_record"] = record_ref(self.record)
        return data

    def footer(self) -> str:
        """Alerts and the audit record, as lines for people (under the decision's text)."""
        lines = [
            f"{party.name}: {line}" for party, hits in self.parties for line in review_notes(hits)
        ]
        if self.record is not None:
            lines.append(f"audit record {self.record.seq}")
        return "\n".join(lines)


def screened_versions(screened: Sequence[ScreenedParty]) -> list[ListVersion]:
    seen: dict[int, ListVersion] = {}
    for party in screened:
        for version in party.list_versions:
            seen.setdefault(version.id, version)
    return [seen[k] for k in sorted(seen)]


def decide(
    app: Clearance,
    txn: Transaction,
    *,
    record: bool = False,
    cap_holder: str | None = None,
    audit: bool = True,
) -> DecisionResult:
    """CLEAR / AUTHORIZED / PROHIBITED / REVIEW for `txn` on its date.

    `record` draws an authorized amount down in the cap ledger (a repeated transaction id
    answers with the earlier recorded decision). `audit=False` is a dry run that writes
    nothing at all, so it cannot be combined with `record`.
    """
    if record and not audit:
        raise ValueError("a recorded decision is always audited: drop audit=False")
    holder = check_cap_holder(cap_holder or txn.cap_holder or default_cap_holder(app.settings))
    rules = app.rules()
    check_purpose(txn, rules)
    if record:
        earlier = ledger.find_recorded(app.engine, txn.id)
        if earlier is not None:
            return _audited(app, txn, rules, _screen(app, txn), replay_of(earlier, txn), record)
    screened = _screen(app, txn)
    ctx = decision_context(
        app.engine,
        txn,
        screened,
        rules=rules,
        cap_holder=holder,
        stale_days=app.settings.list_stale_days,
    )
    if not audit:
        with app.engine.connect() as conn:
            decision = evaluate_and_draw(conn, txn, screened, ctx, record=False)
        parties = tuple(
            (s.party, tuple(ReviewedHit(h, HitStatus.UNREVIEWED) for h in s.hits)) for s in screened
        )
        return DecisionResult(decision, parties, None)
    try:
        with unit_of_work(app.engine) as uow:
            decision = evaluate_and_draw(uow.conn, txn, screened, ctx, record=record)
            return _write_record(
                uow,
                app,
                txn,
                rules,
                screened,
                decision,
                record,
                ctx.specific_licenses,
                cap_holder_given=ctx.cap_holder_given,
            )
    except IntegrityError:
        # The same transaction id recorded concurrently under other caps: answer as a repeat.
        earlier = ledger.find_recorded(app.engine, txn.id)
        if earlier is None:
            raise
        return _audited(app, txn, rules, screened, replay_of(earlier, txn), record)


def _screen(app: Clearance, txn: Transaction) -> list[ScreenedParty]:
    return screen_parties(app.engine, txn, app.settings)


def _audited(
    app: Clearance,
    txn: Transaction,
    rules: RuleSet,
    screened: Sequence[ScreenedParty],
    decision: Decision,
    record: bool,
) -> DecisionResult:
    specific = load_specific(app.engine)
    with unit_of_work(app.engine) as uow:
        return _write_record(uow, app, txn, rules, screened, decision, record, specific)


def _write_record(
    uow: UnitOfWork,
    app: Clearance,
    txn: Transaction,
    rules: RuleSet,
    screened: Sequence[ScreenedParty],
    decision: Decision,
    record: bool,
    specific: Sequence[SpecificLicense],
    *,
    cap_holder_given: str | None = None,
) -> DecisionResult:
    """Review the hits and append the decision's record, in the decision's unit of work.

    The record holds what a replay needs years later: the inputs, the answer, the list
    versions, the screening algorithm with its config, the rules version (full content kept
    once in `rules_snapshot`), the specific licenses and ownership data set in force.
    """
    new_snapshot = store_rules_snapshot(uow.conn, rules.version, rules.snapshot())
    writer = uow.writer
    parties = tuple(
        (s.party, tuple(review_hits(writer, s.party, s.hits, review_threshold=s.review_threshold)))
        for s in screened
    )
    versions = screened_versions(screened)
    first = screened[0]
    payload = {
        "transaction": txn.to_dict(),
        "decision": decision.to_dict(),
        "parties": [
            {
                "party": party_to_dict(party),
                "fingerprint": party_fingerprint(party),
                "hits": [h.to_dict() for h in hits],
            }
            for party, hits in parties
        ],
        "list_versions": [version_record(v) for v in versions],
        "version_ids": [v.id for v in versions],
        "rules": {"version": rules.version, "snapshot_stored_now": new_snapshot},
        "screening": screening_config(
            first.algorithm, first.match_threshold, first.review_threshold
        ),
        "ownership_import": decision.ownership_import,
        "cap_holder": decision.cap_holder,
        # As the caller gave it, before it was read as the ledger keys it (`cap_holder`).
        "cap_holder_given": cap_holder_given,
        "ledger_recorded": decision.recorded,
        "request": {"record": record, "cap_holder": decision.cap_holder},
        # As they stood when deciding: licenses can be registered after the decision.
        "specific_licenses": [lic.model_dump(mode="json") for lic in specific],
    }
    entry = uow.record(DECISION, payload, app)
    return DecisionResult(decision, parties, entry)


# --- licenses --------------------------------------------------------------------------------


def license_rows(app: Clearance, as_of: date | None = None) -> list[dict[str, Any]]:
    """General license versions (rule files) and registered specific licenses, one row each."""
    rules = app.rules()
    rows: list[dict[str, Any]] = []
    for lic in rules.in_force(as_of) if as_of else rules.licenses:
        until = rules.valid_until(lic)
        rows.append(
            {
                "id": lic.id,
                "kind": "general",
                "family": lic.family,
                "issued": lic.issued.isoformat(),
                "valid_from": lic.valid_from.isoformat(),
                "valid_until": until.isoformat() if until else None,
                "authorities": [a.id for a in lic.authorities],
                "holder": None,
                "verified": lic.verified,
                "file": rules.license_files.get(lic.id),
            }
        )
    for spec in load_specific(app.engine):
        if as_of is not None and not spec.in_force(as_of):
            continue
        view = specific_view(rules, spec)
        rows.append(
            {
                "id": spec.number,
                "kind": "specific",
                "family": view.family,
                "issued": spec.issued.isoformat() if spec.issued else None,
                "valid_from": spec.valid_from.isoformat(),
                "valid_until": spec.valid_until.isoformat() if spec.valid_until else None,
                "authorities": [a.id for a in view.authorities],
                "holder": spec.holder,
                "verified": spec.verified,
                "file": None,
            }
        )
    return rows


def license_detail(app: Clearance, license_id: str) -> dict[str, Any]:
    """One license's terms, validity and the source of every value; RuleError if unknown."""
    rules = app.rules()
    try:
        lic = rules.license(license_id)
    except RuleError:
        spec = get_specific(app.engine, license_id)
        if spec is None:
            raise LicenseNotFound(
                f"no general license {license_id!r} in {rules.source} and no specific license "
                "registered under that number"
            ) from None
        return spec.model_dump(mode="json", by_alias=True)
    until = rules.valid_until(lic)
    successor = rules.superseded_by(lic)
    return lic.model_dump(mode="json", by_alias=True) | {
        "valid_until_effective": until.isoformat() if until else None,
        "superseded_by": successor.id if successor else None,
        "file": rules.license_files.get(lic.id),
        "rules_version": rules.version,
    }


def register_specific_license(app: Clearance, path: Path) -> Registered:
    """Validate a specific license file against the rules and store it, with its record."""
    rules = app.rules()
    with unit_of_work(app.engine) as uow:
        result = register_specific(uow.conn, path, rules)
        _record_license(uow, app, result, str(path))
    return result


def register_specific_license_text(app: Clearance, text: str, origin: str) -> Registered:
    """`register_specific_license` for the YAML or JSON of a license sent by `origin`."""
    rules = app.rules()
    with unit_of_work(app.engine) as uow:
        result = register_specific_text(uow.conn, text, origin, rules)
        _record_license(uow, app, result, origin)
    return result


def _record_license(uow: UnitOfWork, app: Clearance, result: Registered, origin: str) -> None:
    if result.created:
        lic = result.license
        payload = {"action": "register_specific", "number": lic.number, "origin": origin}
        uow.record(LICENSE, payload | {"license": lic.model_dump(mode="json")}, app)


# --- ledger ----------------------------------------------------------------------------------


def cap_limits(app: Clearance) -> dict[str, tuple[Decimal, str]]:
    """family -> (limit, currency) a ledger view compares usage with.

    For a general license family the newest version's cap applies (rules list licenses by
    family and date, so the last one seen wins); a specific license has its own value limit.
    """
    rules = app.rules()
    limits: dict[str, tuple[Decimal, str]] = {}
    for lic in rules.licenses:
        for cap in lic.caps:
            limits[lic.family] = (cap.amount, cap.currency)
    for spec in load_specific(app.engine):
        view = specific_view(rules, spec)
        limits[view.family] = (view.caps[0].limit, view.caps[0].currency)
    return limits


def ledger_view(
    app: Clearance, holder: str | None = None, year: int | None = None
) -> dict[str, Any]:
    """Used and remaining amount per cap, and every drawdown and reversal."""
    rows = ledger.entries(app.engine, holder, year)
    limits = cap_limits(app)
    caps = []
    for t in ledger.totals(rows):
        limit = limits.get(t.key.family)
        caps.append(
            {
                "family": t.key.family,
                "holder": t.key.holder,
                "period": t.key.period,
                "currency": t.currency,
                "used": f"{t.used:.2f}",
                "limit": f"{limit[0]:.2f}" if limit else None,
                "remaining": f"{limit[0] - t.used:.2f}" if limit else None,
                "entries": t.entries,
            }
        )
    return {"caps": caps, "entries": [r.to_dict() for r in rows]}


def reverse_drawdown(app: Clearance, transaction_id: str, note: str) -> list[ledger.LedgerRow]:
    """Undo a transaction's drawdowns with new negative rows and the reversal's record."""
    check_cap_holder(transaction_id, "transaction id")
    if has_control(note):
        raise TransactionError("note: control characters (such as NUL) are not allowed")
    with unit_of_work(app.engine) as uow:
        rows = ledger.reverse(uow.conn, transaction_id, note)
        payload = {
            "action": "reverse",
            "transaction_id": transaction_id,
            "note": note,
            "rows": [r.to_dict() for r in rows],
        }
        uow.record(LEDGER, payload, app)
    return rows


# --- ownership -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OwnershipImportResult:
    imported: OwnershipImport
    replaces: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "import": self.imported.id,
            "rows": self.imported.rows,
            "sha256": self.imported.sha256,
            "replaces": self.replaces,
        }


def import_ownership_file(app: Clearance, path: Path) -> OwnershipImportResult:
    """Import owner,owned,percentage rows; the new set replaces the previous for new decisions."""
    known = {s.value for s in ListSource} | set(list_names(app.engine))
    previous = latest_import(app.engine)
    with unit_of_work(app.engine) as uow:
        result = import_ownership(uow.conn, path, known)
        payload = {"action": "import", "origin": str(path), "sha256": result.sha256}
        uow.record(OWNERSHIP, payload | {"import": result.id, "rows": result.rows}, app)
    return OwnershipImportResult(result, previous.id if previous else None)
