"""Checking one license against one transaction and one blocked party: parties, holder,
purposes, region exclusions (given, or from a party's address), goods and their Commerce
export authorization (`goods_checks`), and caps.

A check ends `ok`, `fail` (with the reasons, citing the license text) or `missing` (facts the
transaction lacks that a condition needs: the decision becomes REVIEW, listing them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from clearance.decisions.caps import CapKey, CapUse, Usage
from clearance.decisions.codes import country_of, region_name
from clearance.decisions.goods_checks import check_export, check_goods
from clearance.decisions.identity import canonical_holder
from clearance.decisions.license_check import LicenseCheck
from clearance.decisions.places import party_places
from clearance.decisions.rules import Basis, RuleSet
from clearance.decisions.specific import CapSpec, LicenseView
from clearance.decisions.trace import Reason
from clearance.decisions.transaction import Transaction
from clearance.model import Entry

__all__ = [
    "Blocked",
    "CapResult",
    "LicenseCheck",
    "Source",
    "applicable_caps",
    "check_caps",
    "check_license",
]


@dataclass(frozen=True, slots=True)
class Source:
    """Why a party is blocked under an authority: its own entry, or a blocked owner's."""

    ref: str  # list:id of the entry
    entry: Entry
    list_version: Mapping[str, object]
    basis: Basis
    via_owner: bool


@dataclass
class Blocked:
    label: str
    sources: dict[str, list[Source]] = field(default_factory=dict)  # authority -> sources


def party_accepts(lic: LicenseView, source: Source) -> bool:
    parties = lic.terms.parties
    if parties == "any":
        return True
    named = any(p.ref == source.ref for p in parties)
    return named and (not source.via_owner or lic.terms.includes_owned_entities)


def check_license(
    txn: Transaction, blocked: Blocked, lic: LicenseView, cap_holder: str, rules: RuleSet
) -> LicenseCheck:
    check = LicenseCheck(lic, blocked.label)
    check_parties(blocked, check)
    check_holder(cap_holder, check)
    check_purposes(txn, check, rules)
    check_regions(txn, check, rules)
    check_goods(txn, check, rules)
    check_export(txn, check, rules)
    if check.status == "ok" and check.missing:
        check.status = "missing"
    return check


def check_parties(blocked: Blocked, check: LicenseCheck) -> None:
    """Every source of the blocking must be a party the license names."""
    lic = check.license
    terms = lic.terms
    all_sources = [s for sources in blocked.sources.values() for s in sources]
    refused = [s for s in all_sources if not party_accepts(lic, s)]
    if refused:
        names = (
            "any party"
            if terms.parties == "any"
            else ", ".join(f"{p.ref}{f' ({p.name})' if p.name else ''}" for p in terms.parties)
        )
        source = refused[0]
        owned = " as an entity owned by it (the license does not extend to owned entities)"
        check.fail(
            "party-not-named",
            f"{lic.id} names only {names}; '{blocked.label}' is blocked through {source.ref} "
            f"'{source.entry.primary_name}'{owned if source.via_owner else ''}, which it "
            "does not name.",
            terms.reference,
        )
    elif terms.parties != "any":
        named = next(p for p in terms.parties if any(p.ref == s.ref for s in all_sources))
        check.ok(
            "party-named",
            f"{lic.id} names {named.ref}{f' ({named.name})' if named.name else ''}.",
            named.reference or terms.reference,
            named.verified,
        )


def check_holder(cap_holder: str, check: LicenseCheck) -> None:
    """A specific license holds only for its holder (names read as screening reads them:
    case, spacing, punctuation and legal form do not matter)."""
    lic = check.license
    if lic.holder is not None and canonical_holder(lic.holder) != canonical_holder(cap_holder):
        check.fail(
            "holder-mismatch",
            f"{lic.id} is issued to {lic.holder}, not to {cap_holder}.",
            lic.terms.reference,
        )


def check_purposes(txn: Transaction, check: LicenseCheck, rules: RuleSet) -> None:
    """The purpose must be authorized; an explicit exclusion first, so the trace cites it.
    Where purposes.yaml says a person must confirm what a payment is, the check waits."""
    lic = check.license
    terms = lic.terms
    excluded = terms.conditions.excluded_purposes
    purpose_ref = next((p for p in terms.purposes if p.code == txn.purpose), None)
    if excluded is not None and txn.purpose in excluded.value:
        check.fail(
            "purpose-excluded",
            f"{lic.id} expressly does not authorize '{txn.purpose}'.",
            excluded.reference or terms.reference,
            excluded.verified,
        )
        return
    if purpose_ref is None:
        check.fail(
            "purpose-not-authorized",
            f"{lic.id} does not authorize the purpose '{txn.purpose}' (it authorizes "
            f"{', '.join(p.code for p in terms.purposes)}).",
            terms.reference,
        )
        return
    purpose = rules.purposes.get(txn.purpose)
    capped = ""
    if purpose is not None:
        statement = purpose.capped
        capped = f" It is {'capped' if statement.value else 'not capped'}: " + " ".join(
            statement.why.split()
        )
        for review in purpose.review:
            paying = txn.amount is not None and txn.amount.value > 0
            if (review.when == "payment" and paying) or (review.when == "goods" and txn.goods):
                what = f"the payment of {txn.amount}" if review.when == "payment" else "the goods"
                check.need(
                    f"purpose '{txn.purpose}', {what}: {' '.join(review.text.split())}",
                    review.reference,
                    review.verified,
                )
    check.ok(
        "purpose-authorized",
        f"{lic.id} authorizes the purpose '{txn.purpose}'.{capped}",
        purpose_ref.reference or terms.reference,
        purpose_ref.verified,
    )


def check_regions(txn: Transaction, check: LicenseCheck, rules: RuleSet) -> None:
    """No region the license excludes may be involved: given in `regions`, or where a party
    says it is (address or city, places.yaml)."""
    lic = check.license
    fail, passed = check.fail, check.ok
    excluded = lic.terms.conditions.excluded_regions
    if excluded is None:
        return
    codes = [r.code for r in excluded.value]
    hit = [r for r in excluded.value if r.code in txn.regions]
    for region in hit:
        fail(
            "region-excluded",
            f"{lic.id} does not authorize anything involving {region_name(region.code)}.",
            region.reference or excluded.reference,
            region.verified and excluded.verified,
        )
    places = party_places(txn.parties, rules.places_file)
    for region in excluded.value:
        for place in (p for p in places if p.region == region.code):
            fail(
                "region-excluded",
                f"{place.text()}, which lies in {region_name(region.code)}: {lic.id} does not "
                "authorize anything involving it.",
                "; ".join(
                    s for s in (region.reference or excluded.reference, place.reference) if s
                ),
                region.verified and excluded.verified and place.verified,
            )
    if check.status == "fail":
        return
    if not txn.regions:
        check.missing.append(
            f"the regions the transaction involves: {lic.id} excludes "
            f"{', '.join(region_name(c) for c in codes)}"
        )
        return
    vague = [r for r in txn.regions if "-" not in r and any(country_of(c) == r for c in codes)]
    if vague:
        check.missing.append(
            f"region {', '.join(vague)} is given without a subdivision: say whether the "
            f"transaction involves {', '.join(region_name(c) for c in codes)}, which {lic.id} "
            "excludes"
        )
        return
    passed(
        "regions-clear",
        f"None of the regions involved ({', '.join(txn.regions)}) is excluded by {lic.id} "
        f"({', '.join(codes)}), nor does any party's address lie in one.",
        excluded.reference,
        excluded.verified and all(r.verified for r in excluded.value),
    )


def applicable_caps(txn: Transaction, lic: LicenseView) -> list[CapSpec]:
    return [cap for cap in lic.caps if cap.applies(txn.purpose)]


@dataclass
class CapResult:
    ok: bool
    uses: list[CapUse]
    missing: list[str]
    failure: Reason | None = None


def check_caps(
    txn: Transaction, lic: LicenseView, cap_holder: str, usage: Mapping[CapKey, Usage]
) -> CapResult:
    result = CapResult(True, [], [])
    for cap in applicable_caps(txn, lic):
        if txn.amount is None:
            result.missing.append(f"the amount: {lic.id} caps '{txn.purpose}' payments")
            continue
        if txn.amount.currency != cap.currency:
            result.missing.append(
                f"the amount in {cap.currency}: {lic.id}'s cap is in {cap.currency}, the "
                f"transaction gives {txn.amount.currency}"
            )
            continue
        quantity = 0
        if cap.quantity_limit is not None:
            if any(g.quantity is None for g in txn.goods) or not txn.goods:
                result.missing.append(f"the quantity of every goods line: {lic.id} limits it")
                continue
            quantity = sum(g.quantity or 0 for g in txn.goods)
        key = lic.cap_key(cap, cap_holder, txn.date)
        used = usage.get(key, Usage())
        use = CapUse(
            key=key,
            license=lic.id,
            currency=cap.currency,
            limit=cap.limit,
            used_before=used.amount,
            this=txn.amount.value,
            quantity_limit=cap.quantity_limit,
            quantity_used_before=used.quantity,
            quantity_this=quantity,
            citation=cap.reference,
        )
        result.uses.append(use)
        over_value = use.after > cap.limit
        over_quantity = cap.quantity_limit is not None and (
            used.quantity + quantity > cap.quantity_limit
        )
        if over_value or over_quantity:
            result.ok = False
            result.failure = _cap_exceeded(lic, cap, use, over_quantity)
    return result


def _cap_exceeded(lic: LicenseView, cap: CapSpec, use: CapUse, over_quantity: bool) -> Reason:
    key = use.key
    period = (
        f"calendar year {key.period}"
        if cap.period == "calendar_year"
        else (f"the license's validity {key.period}")
    )
    what = (
        f"{cap.currency} {use.used_before:,.2f} already drawn by {key.holder} under "
        f"{lic.family} in {period}; this {cap.currency} {use.this:,.2f} would bring it "
        f"to {cap.currency} {use.after:,.2f}, over the cap of {cap.currency} "
        f"{cap.limit:,.2f}"
    )
    if over_quantity:
        what += (
            f"; quantity {use.quantity_used_before} + {use.quantity_this} would exceed "
            f"{cap.quantity_limit}"
        )
    return Reason(
        "cap",
        "cap-exceeded",
        f"{lic.id}: {what}.",
        rule=lic.id,
        citation=cap.reference,
        verified=cap.verified,
    )
