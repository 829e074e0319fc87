"""The evaluation: a transaction, its screened parties, the rules and the ledger state in; a
decision with its trace out. Pure: no database, no clock, no screening of its own.

The steps, in the order the trace reports them:

1. rules     - which rules version, which license versions were in force on the date;
2. screening - per party, the hits: a match on a blocking list blocks the party; a match on a
               `review` list, or a possible match (between the review and match thresholds),
               needs a person;
3. ownership - the 50% rule over the user's ownership data;
4. programs  - every authority each blocked party is blocked under on that date;
5. license   - per authority, the first license in force (general before specific) whose
               parties, purposes, conditions and caps all hold; a condition that needs a fact
               the transaction lacks makes it REVIEW, a failed one leaves the authority
               uncovered;
6. decision  - PROHIBITED if any authority is uncovered; else REVIEW if anything needs a
               person; else AUTHORIZED if a party is blocked; else CLEAR.

`candidate_caps` names every cap the evaluation may read before any amount is known, so a
recording caller can lock exactly those, read their usage, and evaluate under the lock.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from clearance.decisions.caps import CapKey, CapUse, Usage
from clearance.decisions.checks import (
    Blocked,
    CapResult,
    LicenseCheck,
    Source,
    applicable_caps,
    check_caps,
    check_license,
)
from clearance.decisions.ownership import GUIDANCE, OwnershipView, blocked_share
from clearance.decisions.ownership import node_key as ownership_key
from clearance.decisions.rules import Basis, RuleSet
from clearance.decisions.screened import ScreenedParty, distinct_versions, version_ref
from clearance.decisions.specific import LicenseView, SpecificLicense, views_in_force
from clearance.decisions.trace import Authorization, Decision, Outcome, Reason, Uncovered
from clearance.decisions.transaction import Transaction
from clearance.model import Entry, Hit, ListVersion

DEFAULT_CAP_HOLDER = "default"


@dataclass(frozen=True, slots=True)
class Context:
    """Everything an evaluation needs besides the transaction and its screening."""

    rules: RuleSet
    specific_licenses: tuple[SpecificLicense, ...] = ()
    ownership: OwnershipView | None = None
    cap_holder: str = DEFAULT_CAP_HOLDER


# --- analysis: everything that does not depend on cap usage ----------------------------------


@dataclass
class _Analysis:
    reasons: list[Reason] = field(default_factory=list)
    review: list[str] = field(default_factory=list)
    blocked: list[Blocked] = field(default_factory=list)
    licenses: list[LicenseView] = field(default_factory=list)
    checks: dict[tuple[int, str], LicenseCheck] = field(default_factory=dict)  # (party, license)
    uncovered: list[Uncovered] = field(default_factory=list)


def _entry_ref(list_name: str, entry: Entry) -> str:
    return f"{list_name}:{entry.source_id}"


def _entry_dict(list_name: str, entry: Entry) -> dict[str, object]:
    return {"list": list_name, "id": entry.source_id, "name": entry.primary_name}


def _version_of(screened: ScreenedParty, hit: Hit) -> Mapping[str, object]:
    for version in screened.list_versions:
        if version.id == hit.list_version_id:
            return version_ref(version)
    return {"id": hit.list_version_id, "list": hit.list_name}


def _versions_text(versions: Sequence[ListVersion]) -> str:
    if not versions:
        return "no list version in force"
    return ", ".join(f"{v.list_name} version {v.id} of {v.published}" for v in versions)


def _screen(analysis: _Analysis, screened: ScreenedParty, ctx: Context) -> Blocked:
    rules = ctx.rules
    party = screened.party
    blocked = Blocked(label=party.name)
    matches = [h for h in screened.hits if h.match]
    possibles = [h for h in screened.hits if not h.match]
    if not screened.hits:
        analysis.reasons.append(
            Reason(
                "screening",
                "no-match",
                f"'{party.name}' matched no entry at or above the review threshold "
                f"{screened.review_threshold:.2f} ({_versions_text(screened.list_versions)}).",
                party=party.name,
                rule=screened.algorithm,
            )
        )
    best_match = max((h.score for h in matches), default=None)
    for hit in matches:
        effect = rules.list_effect(hit.list_name)
        version = _version_of(screened, hit)
        text = (
            f"'{party.name}' matches {hit.list_name} {hit.entry.source_id} "
            f"'{hit.entry.primary_name}' (score {hit.score:.2f} >= match threshold "
            f"{screened.match_threshold:.2f}; matched name '{hit.matched_name.name}'; "
            f"programs {', '.join(hit.entry.programs) or 'none'}). {hit.explanation}"
        ).strip()
        analysis.reasons.append(
            Reason(
                "screening",
                "match" if effect == "blocking" else "match-review-list",
                text,
                party=party.name,
                rule=hit.algorithm,
                list_version=version,
                entry=_entry_dict(hit.list_name, hit.entry),
            )
        )
        if effect != "blocking":
            analysis.review.append(
                f"'{party.name}' is listed on {hit.list_name} ({hit.entry.source_id} "
                f"'{hit.entry.primary_name}'), a list the rules do not treat as blocking: a "
                "person must judge whether it binds this transaction"
            )
            continue
        _add_bases(blocked, hit.list_name, hit.entry, version, ctx, via_owner=False)
    for hit in possibles:
        version = _version_of(screened, hit)
        secondary = best_match is not None and best_match > hit.score
        text = (
            f"'{party.name}' resembles {hit.list_name} {hit.entry.source_id} "
            f"'{hit.entry.primary_name}' (score {hit.score:.2f}, between the review threshold "
            f"{screened.review_threshold:.2f} and the match threshold "
            f"{screened.match_threshold:.2f}). {hit.explanation}"
        ).strip()
        if secondary:
            text += " Not pursued: the party already matches a listed entry with a higher score."
        analysis.reasons.append(
            Reason(
                "screening",
                "secondary-candidate" if secondary else "possible-match",
                text,
                party=party.name,
                rule=hit.algorithm,
                list_version=version,
                entry=_entry_dict(hit.list_name, hit.entry),
            )
        )
        if not secondary:
            analysis.review.append(
                f"confirm or dismiss the possible match of '{party.name}' with {hit.list_name} "
                f"{hit.entry.source_id} '{hit.entry.primary_name}' (score {hit.score:.2f})"
            )
    if ctx.ownership is not None:
        _ownership(analysis, blocked, screened, matches, ctx)
    return blocked


def _add_bases(
    blocked: Blocked,
    list_name: str,
    entry: Entry,
    version: Mapping[str, object],
    ctx: Context,
    *,
    via_owner: bool,
) -> None:
    bases = ctx.rules.bases(list_name, entry.source_id, entry.programs)
    if not bases:
        bases = (Basis("(none)", "unmapped:(no program)", None, False),)
    for basis in bases:
        source = Source(_entry_ref(list_name, entry), entry, version, basis, via_owner)
        blocked.sources.setdefault(basis.authority, []).append(source)


def _ownership(
    analysis: _Analysis,
    blocked: Blocked,
    screened: ScreenedParty,
    matches: Sequence[Hit],
    ctx: Context,
) -> None:
    view = ctx.ownership
    assert view is not None
    list_names = {h.list_name for h in screened.hits} | {k.split(":", 1)[0] for k in view.listed}
    targets = {ownership_key(screened.party.name, list_names)}
    targets |= {_entry_ref(h.list_name, h.entry) for h in matches}
    finding = blocked_share(targets, view, screened.party.name)
    if finding is None:
        return
    origin = f" (ownership import {view.import_id}: {view.origin})" if view.import_id else ""
    if not finding.blocked:
        analysis.reasons.append(
            Reason(
                "ownership",
                "below-threshold",
                f"'{screened.party.name}' is owned {finding.share:.2f}% in the aggregate by "
                f"blocked persons{origin}, below 50%: not blocked by ownership.",
                party=screened.party.name,
                rule="50-percent-rule",
                citation=GUIDANCE,
            )
        )
        return
    path = "\n".join(finding.lines)
    analysis.reasons.append(
        Reason(
            "ownership",
            "blocked-by-ownership",
            f"'{screened.party.name}' is owned {finding.share:.2f}% in the aggregate by "
            f"blocked persons{origin}, so it is blocked itself under the 50 Percent Rule:\n"
            f"{path}",
            party=screened.party.name,
            rule="50-percent-rule",
            citation=GUIDANCE
            + (
                "; a stake through an unblocked intermediary counted in proportion"
                if finding.multiplied
                else ""
            ),
            verified=not finding.multiplied,
        )
    )
    for owner in finding.owners:
        list_name = owner.ref.split(":", 1)[0]
        _add_bases(blocked, list_name, owner.entry, owner.list_version, ctx, via_owner=True)


def _authority_reasons(analysis: _Analysis, blocked: Blocked, ctx: Context) -> None:
    for authority_id, sources in blocked.sources.items():
        known = ctx.rules.authorities.get(authority_id)
        programs = sorted({s.basis.program for s in sources})
        where = "; ".join(
            f"{'owner ' if s.via_owner else ''}{s.ref} '{s.entry.primary_name}' "
            f"tag {s.basis.program}{' (per-entry designation)' if s.basis.refined else ''}"
            for s in sources
        )
        if known is None:
            text = (
                f"'{blocked.label}' carries program {', '.join(programs)}, which programs.yaml "
                f"does not map to an authority ({where}); no license can be shown to cover it."
            )
            citation, verified = None, False
        else:
            text = f"'{blocked.label}' is blocked under {known.title.strip()} ({where})."
            citation = known.citation
            verified = known.verified and all(s.basis.verified for s in sources)
        first = sources[0]
        analysis.reasons.append(
            Reason(
                "programs",
                "authority",
                text,
                party=blocked.label,
                authority=authority_id,
                rule=f"programs.yaml:{first.basis.program}",
                list_version=first.list_version,
                entry={
                    "list": first.ref.split(":", 1)[0],
                    "id": first.entry.source_id,
                    "name": first.entry.primary_name,
                },
                citation=citation,
                verified=verified,
            )
        )


def _analyze(txn: Transaction, screened: Sequence[ScreenedParty], ctx: Context) -> _Analysis:
    analysis = _Analysis()
    rules = ctx.rules
    analysis.licenses = views_in_force(rules, ctx.specific_licenses, txn.date)
    in_force = ", ".join(
        f"{v.id} ({v.valid_from} to {v.valid_until or 'open'})" for v in analysis.licenses
    )
    analysis.reasons.append(
        Reason(
            "rules",
            "in-force",
            f"Rules version {rules.version[:12]}; licenses in force on {txn.date}: "
            f"{in_force or 'none'}.",
            rule=rules.version,
            citation="OFAC FAQ 481: conduct is judged under the rules in force on its date",
        )
    )
    for party in screened:
        blocked = _screen(analysis, party, ctx)
        if blocked.sources:
            analysis.blocked.append(blocked)
            _authority_reasons(analysis, blocked, ctx)
    for index, blocked in enumerate(analysis.blocked):
        for lic in analysis.licenses:
            named = [a.id for a in lic.authorities]
            if any(rules.covers(named, a, txn.date) for a in blocked.sources):
                analysis.checks[(index, lic.id)] = check_license(txn, blocked, lic, ctx.cap_holder)
    return analysis


def candidate_caps(
    txn: Transaction, screened: Sequence[ScreenedParty], ctx: Context
) -> frozenset[CapKey]:
    """Every cap `evaluate` may read for this transaction, whatever the usage."""
    analysis = _analyze(txn, screened, ctx)
    keys: set[CapKey] = set()
    for check in analysis.checks.values():
        if check.status == "ok":
            for cap in applicable_caps(txn, check.license):
                keys.add(check.license.cap_key(cap, ctx.cap_holder, txn.date))
    return frozenset(keys)


# --- caps and the decision -------------------------------------------------------------------


def evaluate(
    txn: Transaction,
    screened: Sequence[ScreenedParty],
    ctx: Context,
    usage: Mapping[CapKey, Usage] | None = None,
) -> Decision:
    usage = usage or {}
    rules = ctx.rules
    analysis = _analyze(txn, screened, ctx)
    reasons = analysis.reasons
    review = list(analysis.review)
    authorizations: list[Authorization] = []
    uncovered: list[Uncovered] = []
    cap_results: dict[str, CapResult] = {}
    chosen: dict[str, LicenseView] = {}
    emitted: set[int] = set()  # a license's failure is told once, not once per authority

    def tell(found: Sequence[Reason]) -> None:
        for reason in found:
            if id(reason) not in emitted:
                emitted.add(id(reason))
                reasons.append(reason)

    for index, blocked in enumerate(analysis.blocked):
        for authority_id, sources in blocked.sources.items():
            candidates = [
                analysis.checks[(index, lic.id)]
                for lic in analysis.licenses
                if (index, lic.id) in analysis.checks
                and rules.covers([a.id for a in lic.authorities], authority_id, txn.date)
            ]
            pick, pending, notes = None, [], []
            for check in candidates:
                lic = check.license
                if check.status == "fail":
                    notes += check.failures
                    continue
                if check.status == "missing":
                    pending += check.missing
                    continue
                if lic.id not in cap_results:
                    cap_results[lic.id] = check_caps(txn, lic, ctx.cap_holder, usage)
                cap_result = cap_results[lic.id]
                if cap_result.missing:
                    pending += cap_result.missing
                    continue
                if not cap_result.ok:
                    assert cap_result.failure is not None
                    notes.append(cap_result.failure)
                    continue
                pick = check
                break
            programs = tuple(sorted({s.basis.program for s in sources}))
            known = rules.authorities.get(authority_id)
            if pick is not None:
                lic = pick.license
                chosen[lic.id] = lic
                coverage = rules.covers([a.id for a in lic.authorities], authority_id, txn.date)
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
                reasons.append(
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
                authorizations.append(
                    Authorization(
                        blocked.label, authority_id, lic.id, lic.kind, lic.family, citation
                    )
                )
                continue
            if pending:
                # A license that may still cover the authority once the facts are in: the
                # others' failures are context, not the answer.
                tell(notes)
                review += pending
                reasons.append(
                    Reason(
                        "license",
                        "facts-missing",
                        f"{authority_id} for '{blocked.label}': a license may cover it, but "
                        f"facts are missing: {'; '.join(pending)}.",
                        party=blocked.label,
                        authority=authority_id,
                    )
                )
                continue
            tell(notes)
            why = (
                "; ".join(n.text.rstrip(".") for n in notes)
                if notes
                else f"no license in force on {txn.date} covers {authority_id}"
            )
            for note in known.notes if known is not None else ():
                why += f" [{note.text.strip()}{'' if note.verified else ' (unverified)'}]"
                reasons.append(
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
            possible = known.specific_license.possible if known is not None else True
            policy = (
                known.specific_license.reference
                if known is not None
                else "31 CFR 501.801 (specific licenses: application procedures)"
            )
            uncovered.append(
                Uncovered(
                    party=blocked.label,
                    authority=authority_id,
                    programs=programs,
                    title=(known.title.strip() if known is not None else authority_id),
                    why=why,
                    specific_license_possible=possible,
                    citation=policy,
                )
            )
            reasons.append(
                Reason(
                    "license",
                    "not-covered",
                    f"{authority_id} ({', '.join(programs)}) for '{blocked.label}' is not "
                    f"covered: {why}."
                    + (
                        f" A specific license could be sought from OFAC ({policy})."
                        if possible
                        else ""
                    ),
                    party=blocked.label,
                    authority=authority_id,
                    citation=known.citation if known is not None else None,
                    verified=known.verified if known is not None else False,
                )
            )

    if uncovered:
        outcome = Outcome.PROHIBITED
    elif review:
        outcome = Outcome.REVIEW
    elif analysis.blocked:
        outcome = Outcome.AUTHORIZED
    else:
        outcome = Outcome.CLEAR

    # Every cap read is kept (a replay needs the same usage); those drawn are flagged and first.
    drawn: list[CapUse] = []
    if outcome is Outcome.AUTHORIZED:
        for index, _blocked in enumerate(analysis.blocked):
            for lic_id in chosen:
                done = analysis.checks.get((index, lic_id))
                if done is not None:
                    reasons += done.passed
        for lic in chosen.values():
            for use in cap_results[lic.id].uses:
                drawn.append(dataclasses.replace(use, drawn=True))
                reasons.append(
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
    drawn_keys = {use.key for use in drawn}
    read = [
        use for result in cap_results.values() for use in result.uses if use.key not in drawn_keys
    ]
    caps = drawn + sorted(read, key=lambda use: not use.exceeded)

    reasons.append(_summary(outcome, txn, analysis, authorizations, uncovered, review))
    algorithm = screened[0].algorithm if screened else ""
    return Decision(
        transaction_id=txn.id,
        date=txn.date,
        decision=outcome,
        reasons=tuple(reasons),
        authorizations=tuple(authorizations),
        uncovered_authorities=tuple(uncovered),
        missing=tuple(dict.fromkeys(review)),
        caps=tuple(caps),
        list_versions=distinct_versions(screened),
        rules_version=rules.version,
        screening_algorithm=algorithm,
        screening={
            "algorithm": algorithm,
            "match_threshold": screened[0].match_threshold if screened else None,
            "review_threshold": screened[0].review_threshold if screened else None,
        },
        cap_holder=ctx.cap_holder,
        transaction=txn.to_dict(),
        ownership_import=ctx.ownership.import_id if ctx.ownership is not None else None,
    )


def _summary(
    outcome: Outcome,
    txn: Transaction,
    analysis: _Analysis,
    authorizations: Sequence[Authorization],
    uncovered: Sequence[Uncovered],
    review: Sequence[str],
) -> Reason:
    if outcome is Outcome.PROHIBITED:
        text = "PROHIBITED: " + "; ".join(
            f"{u.authority} for '{u.party}' is not covered" for u in uncovered
        )
        if any(u.specific_license_possible for u in uncovered):
            text += "; a specific license could be sought from OFAC"
    elif outcome is Outcome.REVIEW:
        text = f"REVIEW: a person must supply or judge {len(review)} point(s) before a decision"
    elif outcome is Outcome.AUTHORIZED:
        licenses = ", ".join(dict.fromkeys(a.license for a in authorizations))
        text = (
            f"AUTHORIZED: every authority the blocked parties are blocked under on {txn.date} "
            f"is covered ({licenses}); conditions and caps hold"
        )
    else:
        text = (
            "CLEAR: no party matched a blocking list entry in force on the date, and none "
            "is blocked by ownership"
        )
    del analysis
    return Reason("decision", outcome.value.lower(), text + ".")
