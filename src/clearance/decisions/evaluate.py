"""The evaluation: a transaction, its screened parties, the rules and the ledger state in; a
decision with its trace out. Pure: no database, no clock, no screening of its own.

The steps, in the order the trace reports them:

1-4.          rules, screening, ownership, programs: see `clearance.decisions.analysis`;
5. license  - per authority, the first license in force (general before specific) whose
              parties, purposes, conditions and caps all hold; a condition that needs a fact
              the transaction lacks makes it REVIEW, a failed one leaves the authority
              uncovered;
6. decision - the first row of `OUTCOMES` whose condition holds: PROHIBITED if any authority
              is uncovered; else REVIEW if anything needs a person; else AUTHORIZED if a party
              is blocked; else CLEAR.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from clearance.decisions.analysis import Analysis, Context, analyze
from clearance.decisions.caps import CapKey, CapUse, Usage
from clearance.decisions.checks import Blocked, CapResult, LicenseCheck, check_caps, party_accepts
from clearance.decisions.identity import canonical_holder
from clearance.decisions.rules_schema import SpecificLicensePolicy
from clearance.decisions.screened import ScreenedParty, distinct_versions
from clearance.decisions.specific import LicenseView, specific_view
from clearance.decisions.trace import Authorization, Decision, Outcome, Reason, Uncovered
from clearance.decisions.transaction import Transaction


@dataclass
class _Evaluation:
    """What the license step has found so far, for one transaction."""

    txn: Transaction
    ctx: Context
    usage: Mapping[CapKey, Usage]
    analysis: Analysis
    reasons: list[Reason]
    review: list[str]
    authorizations: list[Authorization] = field(default_factory=list)
    uncovered: list[Uncovered] = field(default_factory=list)
    cap_results: dict[str, CapResult] = field(default_factory=dict)  # license id -> its caps
    chosen: dict[str, LicenseView] = field(default_factory=dict)
    told: set[int] = field(default_factory=set)

    def tell(self, found: Sequence[Reason]) -> None:
        """Add reasons to the trace once: a license's failure is told once, not per authority."""
        for reason in found:
            if id(reason) not in self.told:
                self.told.add(id(reason))
                self.reasons.append(reason)

    def caps(self, lic: LicenseView) -> CapResult:
        if lic.id not in self.cap_results:
            self.cap_results[lic.id] = check_caps(self.txn, lic, self.ctx.cap_holder, self.usage)
        return self.cap_results[lic.id]


# --- 5. license: per authority, the first license that holds ---------------------------------


@dataclass
class _Choice:
    """The license step for one authority: the license that holds, or why none does."""

    pick: LicenseCheck | None = None
    pending: list[str] = field(default_factory=list)  # facts a license still needs
    notes: list[Reason] = field(default_factory=list)  # why the other licenses fail


def _choose(ev: _Evaluation, index: int, authority_id: str) -> _Choice:
    analysis, rules, on = ev.analysis, ev.ctx.rules, ev.txn.date
    choice = _Choice()
    for lic in analysis.licenses:
        check = analysis.checks.get((index, lic.id))
        if check is None or not rules.covers([a.id for a in lic.authorities], authority_id, on):
            continue
        if check.status == "fail":
            choice.notes += check.failures
            continue
        if check.status == "missing":
            choice.pending += check.missing
            continue
        caps = ev.caps(lic)
        if caps.missing:
            choice.pending += caps.missing
            continue
        if not caps.ok:
            assert caps.failure is not None
            choice.notes.append(caps.failure)
            continue
        choice.pick = check
        break
    return choice


def _covered(
    ev: _Evaluation, blocked: Blocked, authority_id: str, programs: Sequence[str], lic: LicenseView
) -> None:
    ev.chosen[lic.id] = lic
    coverage = ev.ctx.rules.covers([a.id for a in lic.authorities], authority_id, ev.txn.date)
    assert coverage is not None
    named = next(a for a in lic.authorities if a.id == coverage.named)
    via = ""
    verified = named.verified and lic.terms.verified
    citation = named.reference or lic.citation
    if coverage.via is not None:
        via = f" through {coverage.named}, which includes it"
        via += f" since {coverage.via.since}" if coverage.via.since else ""
        citation = f"{citation}; {coverage.via.reference}"
        verified = verified and coverage.via.verified
    ev.reasons.append(
        Reason(
            "license",
            "covered",
            f"{authority_id} ({', '.join(programs)}) for '{blocked.label}' is covered "
            f"by {lic.id}{via}, in force {lic.valid_from} to "
            f"{lic.valid_until or 'open'}.",
            party=blocked.label,
            authority=authority_id,
            rule=lic.id,
            citation=citation,
            verified=verified,
        )
    )
    ev.authorizations.append(
        Authorization(blocked.label, authority_id, lic.id, lic.kind, lic.family, citation)
    )


def _facts_missing(ev: _Evaluation, blocked: Blocked, authority_id: str, choice: _Choice) -> None:
    # A license that may still cover the authority once the facts are in: the others'
    # failures are context, not the answer.
    ev.tell(choice.notes)
    ev.review += choice.pending
    ev.reasons.append(
        Reason(
            "license",
            "facts-missing",
            f"{authority_id} for '{blocked.label}': a license may cover it, but "
            f"facts are missing: {'; '.join(choice.pending)}.",
            party=blocked.label,
            authority=authority_id,
        )
    )


def _authority_notes(ev: _Evaluation, blocked: Blocked, authority_id: str) -> str:
    """The rules' notes on an uncovered authority: into the trace, and as text for `why`."""
    known = ev.ctx.rules.authorities.get(authority_id)
    text = ""
    for note in known.notes if known is not None else ():
        text += f" [{note.text.strip()}{'' if note.verified else ' (unverified)'}]"
        ev.reasons.append(
            Reason(
                "license",
                "note",
                note.text.strip(),
                party=blocked.label,
                authority=authority_id,
                citation=note.reference,
                verified=note.verified,
            )
        )
    return text


def _lapsed(ev: _Evaluation, blocked: Blocked, authority_id: str) -> list[Reason]:
    """Specific licenses of this holder that would cover the authority but are not in force on
    the date: named, with the day they expired (or start), so that nobody reads "no license"
    where the license ran out."""
    on, rules = ev.txn.date, ev.ctx.rules
    out: list[Reason] = []
    for spec in sorted(ev.ctx.specific_licenses, key=lambda s: s.number):
        if spec.in_force(on):
            continue
        view = specific_view(rules, spec)
        sources = [s for group in blocked.sources.values() for s in group]
        if (
            rules.covers([a.id for a in view.authorities], authority_id, on) is None
            or not all(party_accepts(view, s) for s in sources)
            or canonical_holder(spec.holder) != canonical_holder(ev.ctx.cap_holder)
        ):
            continue
        if spec.valid_until is not None and spec.valid_until < on:
            finding = "license-expired"
            when = f"it expired on {spec.valid_until}, before this transaction of {on}"
        else:
            finding = "license-not-yet-valid"
            when = f"it is valid only from {spec.valid_from}, after this transaction of {on}"
        until = spec.valid_until or "open"
        out.append(
            Reason(
                "license",
                finding,
                f"Specific license {spec.number} (holder {spec.holder}) covers {authority_id} "
                f"from {spec.valid_from} to {until}: {when}.",
                party=blocked.label,
                authority=authority_id,
                rule=spec.number,
                citation=spec.reference,
                verified=spec.verified,
            )
        )
    return out


def _not_covered(
    ev: _Evaluation,
    blocked: Blocked,
    authority_id: str,
    programs: tuple[str, ...],
    notes: Sequence[Reason],
) -> None:
    ev.tell(notes)
    known = ev.ctx.rules.authorities.get(authority_id)
    policy = known.specific_license if known is not None else SpecificLicensePolicy()
    lapsed = _lapsed(ev, blocked, authority_id)
    ev.tell(lapsed)
    why = (
        "; ".join(n.text.rstrip(".") for n in [*notes, *lapsed])
        if notes or lapsed
        else f"no license in force on {ev.txn.date} covers {authority_id}"
    )
    why += _authority_notes(ev, blocked, authority_id)
    title = known.title.strip() if known is not None else authority_id
    ev.uncovered.append(
        Uncovered(
            blocked.label, authority_id, programs, title, why, policy.possible, policy.reference
        )
    )
    seek = (
        f" A specific license could be sought from OFAC ({policy.reference})."
        if policy.possible
        else ""
    )
    ev.reasons.append(
        Reason(
            "license",
            "not-covered",
            f"{authority_id} ({', '.join(programs)}) for '{blocked.label}' is not "
            f"covered: {why}.{seek}",
            party=blocked.label,
            authority=authority_id,
            citation=known.citation if known is not None else None,
            verified=known.verified if known is not None else False,
        )
    )


def _license_step(ev: _Evaluation) -> None:
    """Per blocked party and authority: covered, facts missing, or not covered."""
    for index, blocked in enumerate(ev.analysis.blocked):
        for authority_id, sources in blocked.sources.items():
            choice = _choose(ev, index, authority_id)
            programs = tuple(sorted({s.basis.program for s in sources}))
            if choice.pick is not None:
                _covered(ev, blocked, authority_id, programs, choice.pick.license)
            elif choice.pending:
                _facts_missing(ev, blocked, authority_id, choice)
            else:
                _not_covered(ev, blocked, authority_id, programs, choice.notes)


# --- 6. decision: the outcome table ----------------------------------------------------------


def _prohibited(ev: _Evaluation) -> str:
    text = "PROHIBITED: " + "; ".join(
        f"{u.authority} for '{u.party}' is not covered" for u in ev.uncovered
    )
    if any(u.specific_license_possible for u in ev.uncovered):
        text += "; a specific license could be sought from OFAC"
    return text


def _review(ev: _Evaluation) -> str:
    return f"REVIEW: a person must supply or judge {len(ev.review)} point(s) before a decision"


def _authorized(ev: _Evaluation) -> str:
    licenses = ", ".join(dict.fromkeys(a.license for a in ev.authorizations))
    return (
        f"AUTHORIZED: every authority the blocked parties are blocked under on {ev.txn.date} "
        f"is covered ({licenses}); conditions and caps hold"
    )


def _clear(ev: _Evaluation) -> str:
    return (
        "CLEAR: no party matched a blocking list entry in force on the date, and none "
        "is blocked by ownership"
    )


@dataclass(frozen=True, slots=True)
class OutcomeRule:
    """One row of the outcome table: when `holds`, the decision is `outcome`, summed up by
    `summary` (the trace's last reason)."""

    condition: str
    holds: Callable[[_Evaluation], bool]
    outcome: Outcome
    summary: Callable[[_Evaluation], str]


# In order: the first row that holds decides.
OUTCOMES: tuple[OutcomeRule, ...] = (
    OutcomeRule(
        "an authority a party is blocked under is not covered",
        lambda ev: bool(ev.uncovered),
        Outcome.PROHIBITED,
        _prohibited,
    ),
    OutcomeRule(
        "a person must supply a fact or judge a hit",
        lambda ev: bool(ev.review),
        Outcome.REVIEW,
        _review,
    ),
    OutcomeRule(
        "a party is blocked and licenses cover every authority",
        lambda ev: bool(ev.analysis.blocked),
        Outcome.AUTHORIZED,
        _authorized,
    ),
    OutcomeRule("no party is blocked", lambda ev: True, Outcome.CLEAR, _clear),
)


def _outcome(ev: _Evaluation) -> OutcomeRule:
    return next(row for row in OUTCOMES if row.holds(ev))


def _draw(ev: _Evaluation) -> list[CapUse]:
    """For an AUTHORIZED decision: the conditions that held and the caps it draws on."""
    drawn: list[CapUse] = []
    for index, _blocked in enumerate(ev.analysis.blocked):
        for lic_id in ev.chosen:
            done = ev.analysis.checks.get((index, lic_id))
            if done is not None:
                ev.reasons += done.passed
    for lic in ev.chosen.values():
        for use in ev.cap_results[lic.id].uses:
            drawn.append(dataclasses.replace(use, drawn=True))
            ev.reasons.append(
                Reason(
                    "cap",
                    "cap-ok",
                    f"{lic.id}: {use.currency} {use.used_before:,.2f} drawn by "
                    f"{use.key.holder} under {use.key.family} in period {use.key.period} "
                    f"before this; with this {use.currency} {use.this:,.2f} it is "
                    f"{use.currency} {use.after:,.2f} of the cap of {use.currency} "
                    f"{use.limit:,.2f}.",
                    rule=lic.id,
                    citation=use.citation,
                )
            )
    return drawn


def _caps_read(ev: _Evaluation, drawn: Sequence[CapUse]) -> list[CapUse]:
    """Every cap read is kept (a replay needs the same usage): those drawn first, then those
    broken, then the rest."""
    drawn_keys = {use.key for use in drawn}
    read = [
        use
        for result in ev.cap_results.values()
        for use in result.uses
        if use.key not in drawn_keys
    ]
    return [*drawn, *sorted(read, key=lambda use: not use.exceeded)]


def _decision(
    ev: _Evaluation, outcome: Outcome, caps: Sequence[CapUse], screened: Sequence[ScreenedParty]
) -> Decision:
    first = screened[0] if screened else None
    algorithm = first.algorithm if first is not None else ""
    ctx = ev.ctx
    return Decision(
        transaction_id=ev.txn.id,
        date=ev.txn.date,
        decision=outcome,
        reasons=tuple(ev.reasons),
        authorizations=tuple(ev.authorizations),
        uncovered_authorities=tuple(ev.uncovered),
        missing=tuple(dict.fromkeys(ev.review)),
        caps=tuple(caps),
        list_versions=distinct_versions(screened),
        rules_version=ctx.rules.version,
        screening_algorithm=algorithm,
        screening={
            "algorithm": algorithm,
            "match_threshold": first.match_threshold if first is not None else None,
            "review_threshold": first.review_threshold if first is not None else None,
        },
        cap_holder=ctx.cap_holder,
        transaction=ev.txn.to_dict(),
        ownership_import=ctx.ownership.import_id if ctx.ownership is not None else None,
        warnings=ctx.warnings,
    )


def evaluate(
    txn: Transaction,
    screened: Sequence[ScreenedParty],
    ctx: Context,
    usage: Mapping[CapKey, Usage] | None = None,
) -> Decision:
    analysis = analyze(txn, screened, ctx)
    ev = _Evaluation(txn, ctx, usage or {}, analysis, list(analysis.reasons), list(analysis.review))
    _license_step(ev)
    row = _outcome(ev)
    drawn = _draw(ev) if row.outcome is Outcome.AUTHORIZED else []
    caps = _caps_read(ev, drawn)
    ev.reasons.append(Reason("decision", row.outcome.value.lower(), row.summary(ev) + "."))
    return _decision(ev, row.outcome, caps, screened)
