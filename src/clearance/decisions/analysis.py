"""The evaluation's first steps, everything that does not depend on cap usage:

1. rules     - which rules version, which license versions were in force on the date;
2. screening - per party, the hits: a match on a blocking list blocks the party; a match on a
               `review` list, or a possible match (between the review and match thresholds),
               needs a person;
3. ownership - the 50% rule over the user's ownership data;
4. programs  - every authority each blocked party is blocked under on that date;

and, per blocked party, each license in force that names one of its authorities checked
against the transaction (parties, purposes, conditions; caps come later, in `evaluate`).

`candidate_caps` names every cap the evaluation may read before any amount is known, so a
recording caller can lock exactly those, read their usage, and evaluate under the lock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from clearance.decisions.caps import CapKey
from clearance.decisions.checks import Blocked, LicenseCheck, Source, applicable_caps, check_license
from clearance.decisions.ownership import GUIDANCE, OwnershipView, blocked_share
from clearance.decisions.ownership import node_key as ownership_key
from clearance.decisions.rules import Basis, RuleSet
from clearance.decisions.screened import ScreenedParty, version_ref
from clearance.decisions.specific import LicenseView, SpecificLicense, views_in_force
from clearance.decisions.trace import Reason
from clearance.decisions.transaction import Transaction
from clearance.model import Entry, Hit, ListVersion
from clearance.store.contents import ListWarning

DEFAULT_CAP_HOLDER = "default"


@dataclass(frozen=True, slots=True)
class Context:
    """Everything an evaluation needs besides the transaction and its screening.

    `cap_holder` is whose caps are drawn, as the ledger keys them (`identity.canonical_holder`
    of what the caller gave, `cap_holder_given`: `ACME PRINTERS` and `Acme Printers LLC` are
    one holder).
    """

    rules: RuleSet
    specific_licenses: tuple[SpecificLicense, ...] = ()
    ownership: OwnershipView | None = None
    cap_holder: str = DEFAULT_CAP_HOLDER
    cap_holder_given: str | None = None
    # About the list versions screening used (store.contents): carried into the decision.
    warnings: tuple[ListWarning, ...] = ()


@dataclass
class Analysis:
    """The trace so far, what needs a person, the blocked parties and the license checks."""

    reasons: list[Reason] = field(default_factory=list)
    review: list[str] = field(default_factory=list)
    blocked: list[Blocked] = field(default_factory=list)
    licenses: list[LicenseView] = field(default_factory=list)
    checks: dict[tuple[int, str], LicenseCheck] = field(default_factory=dict)  # (party, license)


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


def _unavailable(analysis: Analysis, screened: ScreenedParty, ctx: Context, on: date) -> None:
    """Lists with no version in force on the date: the party was not screened against them.
    On a blocking list that is a fact missing for the decision (REVIEW), not a CLEAR."""
    party = screened.party.name
    for list_name in screened.unavailable:
        blocking = ctx.rules.list_effect(list_name) == "blocking"
        analysis.reasons.append(
            Reason(
                "screening",
                "no-list-version",
                f"No version of {list_name} in force on {on}: '{party}' could not be screened "
                f"against it (every version this store holds was published later)."
                + (
                    " A person must screen the party against the list as it stood then."
                    if blocking
                    else ""
                ),
                party=party,
            )
        )
        if blocking:
            analysis.review.append(
                f"no version of {list_name} in force on {on}: screen '{party}' against "
                f"{list_name} as it stood on {on} (import that version, or judge by hand)"
            )


def _screen(analysis: Analysis, screened: ScreenedParty, ctx: Context, on: date) -> Blocked:
    """The screening step for one party: its reasons, and the authorities it is blocked under."""
    blocked = Blocked(label=screened.party.name)
    matches = [h for h in screened.hits if h.match]
    _unavailable(analysis, screened, ctx, on)
    if not screened.hits and screened.list_versions:
        analysis.reasons.append(_no_match(screened))
    for hit in matches:
        _match(analysis, blocked, screened, hit, ctx)
    best_match = max((h.score for h in matches), default=None)
    for hit in screened.hits:
        if not hit.match:
            _possible_match(analysis, screened, hit, best_match)
    if ctx.ownership is not None:
        _ownership(analysis, blocked, screened, matches, ctx)
    return blocked


def _no_match(screened: ScreenedParty) -> Reason:
    party = screened.party
    return Reason(
        "screening",
        "no-match",
        f"'{party.name}' matched no entry at or above the review threshold "
        f"{screened.review_threshold:.2f} ({_versions_text(screened.list_versions)}).",
        party=party.name,
        rule=screened.algorithm,
    )


def _match(
    analysis: Analysis, blocked: Blocked, screened: ScreenedParty, hit: Hit, ctx: Context
) -> None:
    """A match blocks the party on a blocking list; on any other list a person must judge."""
    party = screened.party
    effect = ctx.rules.list_effect(hit.list_name)
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
        return
    _add_bases(blocked, hit.list_name, hit.entry, version, ctx, via_owner=False)


def _possible_match(
    analysis: Analysis, screened: ScreenedParty, hit: Hit, best_match: float | None
) -> None:
    """A possible match needs a person, unless the party already matches a better entry."""
    party = screened.party
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
            list_version=_version_of(screened, hit),
            entry=_entry_dict(hit.list_name, hit.entry),
        )
    )
    if not secondary:
        analysis.review.append(
            f"confirm or dismiss the possible match of '{party.name}' with {hit.list_name} "
            f"{hit.entry.source_id} '{hit.entry.primary_name}' (score {hit.score:.2f})"
        )


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
    analysis: Analysis,
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


def _authority_reasons(analysis: Analysis, blocked: Blocked, ctx: Context) -> None:
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


def _rules_reason(ctx: Context, licenses: Sequence[LicenseView], txn: Transaction) -> Reason:
    rules = ctx.rules
    in_force = ", ".join(f"{v.id} ({v.valid_from} to {v.valid_until or 'open'})" for v in licenses)
    holder = ""
    if ctx.cap_holder_given is not None and ctx.cap_holder_given != ctx.cap_holder:
        holder = (
            f" Cap holder '{ctx.cap_holder_given}' is read as '{ctx.cap_holder}' (case, "
            "spacing, punctuation and legal form do not make another holder)."
        )
    return Reason(
        "rules",
        "in-force",
        f"Rules version {rules.version[:12]}; licenses in force on {txn.date}: "
        f"{in_force or 'none'}.{holder}",
        rule=rules.version,
        citation="OFAC FAQ 481: conduct is judged under the rules in force on its date",
    )


def analyze(txn: Transaction, screened: Sequence[ScreenedParty], ctx: Context) -> Analysis:
    """Steps 1 to 4, and every license in force checked for each blocked party it may cover."""
    analysis = Analysis()
    rules = ctx.rules
    analysis.licenses = views_in_force(rules, ctx.specific_licenses, txn.date)
    analysis.reasons.append(_rules_reason(ctx, analysis.licenses, txn))
    for party in screened:
        blocked = _screen(analysis, party, ctx, txn.date)
        if blocked.sources:
            analysis.blocked.append(blocked)
            _authority_reasons(analysis, blocked, ctx)
    for index, blocked in enumerate(analysis.blocked):
        for lic in analysis.licenses:
            named = [a.id for a in lic.authorities]
            if any(rules.covers(named, a, txn.date) for a in blocked.sources):
                analysis.checks[(index, lic.id)] = check_license(
                    txn, blocked, lic, ctx.cap_holder, rules
                )
    return analysis


def candidate_caps(
    txn: Transaction, screened: Sequence[ScreenedParty], ctx: Context
) -> frozenset[CapKey]:
    """Every cap `evaluate` may read for this transaction, whatever the usage."""
    analysis = analyze(txn, screened, ctx)
    keys: set[CapKey] = set()
    for check in analysis.checks.values():
        if check.status == "ok":
            for cap in applicable_caps(txn, check.license):
                keys.add(check.license.cap_key(cap, ctx.cap_holder, txn.date))
    return frozenset(keys)
