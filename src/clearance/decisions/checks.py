"""Checking one license against one transaction and one blocked party: parties, holder,
purposes, region exclusions, the Commerce export authorization, and caps.

A check ends `ok`, `fail` (with the reasons, citing the license text) or `missing` (facts the
transaction lacks that a condition needs: the decision becomes REVIEW, listing them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from clearance.decisions.caps import CapKey, CapUse, Usage
from clearance.decisions.codes import country_of, region_name
from clearance.decisions.rules import Basis
from clearance.decisions.specific import CapSpec, LicenseView
from clearance.decisions.trace import Reason
from clearance.decisions.transaction import Transaction
from clearance.model import Entry


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


@dataclass
class LicenseCheck:
    """One license checked for one blocked party, before caps."""

    license: LicenseView
    label: str
    status: str = "ok"  # ok | fail | missing
    failures: list[Reason] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    passed: list[Reason] = field(default_factory=list)

    def fail(self, finding: str, text: str, citation: str | None, verified: bool = True) -> None:
        self.status = "fail"
        self.failures.append(
            Reason(
                "license",
                finding,
                text,
                party=self.label,
                rule=self.license.id,
                citation=citation,
                verified=verified,
            )
        )

    def ok(self, finding: str, text: str, citation: str | None, verified: bool = True) -> None:
        self.passed.append(
            Reason(
                "condition",
                finding,
                text,
                party=self.label,
                rule=self.license.id,
                citation=citation,
                verified=verified,
            )
        )


def party_accepts(lic: LicenseView, source: Source) -> bool:
    parties = lic.terms.parties
    if parties == "any":
        return True
    named = any(p.ref == source.ref for p in parties)
    return named and (not source.via_owner or lic.terms.includes_owned_entities)


def check_license(
    txn: Transaction, blocked: Blocked, lic: LicenseView, cap_holder: str
) -> LicenseCheck:
    check = LicenseCheck(lic, blocked.label)
    check_parties(blocked, check)
    check_holder(cap_holder, check)
    check_purposes(txn, check)
    check_regions(txn, check)
    check_export(txn, check)
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
    """A specific license holds only for its holder."""
    lic = check.license
    if lic.holder is not None and lic.holder.casefold() != cap_holder.casefold():
        check.fail(
            "holder-mismatch",
            f"{lic.id} is issued to {lic.holder}, not to {cap_holder}.",
            lic.terms.reference,
        )


def check_purposes(txn: Transaction, check: LicenseCheck) -> None:
    """The purpose must be authorized; an explicit exclusion first, so the trace cites it."""
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
    elif purpose_ref is None:
        check.fail(
            "purpose-not-authorized",
            f"{lic.id} does not authorize the purpose '{txn.purpose}' (it authorizes "
            f"{', '.join(p.code for p in terms.purposes)}).",
            terms.reference,
        )
    else:
        check.ok(
            "purpose-authorized",
            f"{lic.id} authorizes the purpose '{txn.purpose}'.",
            purpose_ref.reference or terms.reference,
            purpose_ref.verified,
        )


def check_regions(txn: Transaction, check: LicenseCheck) -> None:
    lic = check.license
    fail, passed = check.fail, check.ok
    excluded = lic.terms.conditions.excluded_regions
    if excluded is None:
        return
    codes = [r.code for r in excluded.value]
    hit = [r for r in excluded.value if r.code in txn.regions]
    if hit:
        for region in hit:
            fail(
                "region-excluded",
                f"{lic.id} does not authorize anything involving {region_name(region.code)}.",
                region.reference or excluded.reference,
                region.verified and excluded.verified,
            )
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
        f"({', '.join(codes)}).",
        excluded.reference,
        excluded.verified and all(r.verified for r in excluded.value),
    )


def check_export(txn: Transaction, check: LicenseCheck) -> None:
    lic = check.license
    passed = check.ok
    condition = lic.terms.conditions.export_authorization_required
    if condition is None or not condition.value:
        return
    if (
        condition.applies_to_purposes is not None
        and txn.purpose not in condition.applies_to_purposes
    ):
        return
    if not txn.goods:
        check.missing.append(
            f"the goods lines with their Commerce export authorization (NLR, a license number "
            f"or a License Exception): {lic.id} requires it for '{txn.purpose}'"
        )
        return
    lacking = [(i, g) for i, g in enumerate(txn.goods, start=1) if not g.export_authorization]
    for i, goods in lacking:
        eccn = f", ECCN {goods.eccn}" if goods.eccn else ""
        check.missing.append(
            f"goods line {i} ({goods.description}{eccn}): the Commerce export authorization "
            f"(NLR, a license number or a License Exception) that {lic.id} requires"
        )
    if not lacking:
        given = "; ".join(
            f"{g.description}{f' (ECCN {g.eccn})' if g.eccn else ''}: {g.export_authorization}"
            for g in txn.goods
        )
        passed(
            "export-authorized",
            f"Commerce export authorization is given for every goods line ({given}), as "
            f"{lic.id} requires. (Its correctness is the exporter's responsibility.)",
            condition.reference,
            condition.verified,
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
