"""The goods conditions of a license: the goods are of its category (GL 1: information
technology products), and their export is licensed or otherwise authorized by Commerce under
the rules of the day.

* A line of the category passes; a line that is not fails the license (PROHIBITED unless
  another covers the authority); a line the rules cannot classify is REVIEW.
* An export authorization must be one (goods.yaml: NLR, a License Exception code, a BIS
  license number); anything else ("none") is REVIEW. Where a Commerce rule in force on the
  export date requires a license (Russia: CCL items from 24 Feb / 8 Apr 2022, 15 CFR 746.8),
  NLR no longer suffices: PROHIBITED if the goods were exported under it on or after that
  date, REVIEW when the export date is not given; a License Exception the rule does not keep
  available is REVIEW.
"""

from __future__ import annotations

from clearance.decisions.codes import country_of
from clearance.decisions.goods import authorization_form, classify, export_rule, forms_text
from clearance.decisions.license_check import LicenseCheck, applies
from clearance.decisions.rules import RuleSet
from clearance.decisions.rules_schema import ExportRule, GoodsFile
from clearance.decisions.transaction import GoodsLine, Transaction


def line_label(i: int, line: GoodsLine) -> str:
    facts = [f"ECCN {line.eccn}" if line.eccn else "", f"HS {line.hs_code}" if line.hs_code else ""]
    extra = ", ".join(f for f in facts if f)
    return f"goods line {i} ({line.description}{', ' + extra if extra else ''})"


def _goods_missing(txn: Transaction, check: LicenseCheck, what: str) -> bool:
    if txn.goods:
        return False
    check.missing.append(
        f"the goods lines ({what}): {check.license.id} requires it for '{txn.purpose}'"
    )
    return True


def check_goods(txn: Transaction, check: LicenseCheck, rules: RuleSet) -> None:
    """Every goods line must be of the license's goods category."""
    lic = check.license
    condition = lic.terms.conditions.goods_category
    if condition is None or not applies(condition.applies_to_purposes, txn.purpose):
        return
    goods = rules.goods_file
    category = goods.categories.get(condition.value) if goods is not None else None
    if category is None:  # the rules checker refuses this for general licenses
        check.need(f"the goods category {condition.value!r} that {lic.id} names is not defined")
        return
    if _goods_missing(txn, check, f"what they are: {lic.id} covers {category.title.lower()}"):
        return
    members = []
    for i, line in enumerate(txn.goods, start=1):
        found = classify(line, category)
        label = line_label(i, line)
        if found.member is False:
            evidence = found.decided_by
            assert evidence is not None
            check.fail(
                "goods-not-covered",
                f"{lic.id} covers dealings for {category.title.lower()} only; {label} is not "
                f"one: {found.why()}.",
                f"{condition.reference or category.reference}; {evidence.reference}",
                condition.verified and evidence.verified,
            )
        elif found.member is None:
            check.need(
                f"{label}: whether it is one of the {category.title.lower()} {lic.id} covers "
                f"({found.why()}): give its ECCN or HS code, or classify it",
                condition.reference or category.reference,
            )
        else:
            evidence = found.decided_by
            assert evidence is not None
            members.append((label, evidence))
    if members and len(members) == len(txn.goods):
        check.ok(
            "goods-covered",
            f"Every goods line is one of the {category.title.lower()} {lic.id} covers: "
            + "; ".join(f"{label}: {e.basis}" for label, e in members)
            + ".",
            "; ".join(
                dict.fromkeys(
                    [condition.reference or category.reference or ""]
                    + [e.reference or "" for _, e in members]
                )
            ).strip("; "),
            condition.verified and all(e.verified for _, e in members),
        )


def _rule_text(rule: ExportRule) -> str:
    return f"{' '.join(rule.title.split())} (from {rule.valid_from}; {rule.reference})"


def check_export(txn: Transaction, check: LicenseCheck, rules: RuleSet) -> None:
    """Every goods line carries an export authorization that is one, and sufficient on the
    export date under the Commerce rules for the destination."""
    lic = check.license
    condition = lic.terms.conditions.export_authorization_required
    if condition is None or not condition.value:
        return
    if not applies(condition.applies_to_purposes, txn.purpose):
        return
    goods = rules.goods_file
    if goods is None:  # the rules checker refuses this for general licenses
        check.need(f"what an export authorization can be (goods.yaml): {lic.id} requires one")
        return
    forms = goods.export_authorizations
    if _goods_missing(txn, check, f"with their Commerce export authorization: {forms_text(forms)}"):
        return
    countries = sorted({country_of(r) for r in txn.regions})
    given: list[str] = []
    before = len(check.missing), len(check.failures)
    for i, line in enumerate(txn.goods, start=1):
        label = line_label(i, line)
        if not line.export_authorization:
            check.missing.append(
                f"{label}: the Commerce export authorization ({forms_text(forms)}) that "
                f"{lic.id} requires"
            )
            continue
        form = authorization_form(line.export_authorization, forms)
        if form is None:
            check.need(
                f"{label}: '{line.export_authorization}' is not a Commerce export "
                f"authorization; {lic.id} requires one ({forms_text(forms)})",
                forms.reference,
            )
            continue
        note = _under_rules(txn, check, goods, label, line, form.kind, form.code, countries)
        given.append(f"{label}: {form.code} ({form.title}){note}")
    if (len(check.missing), len(check.failures)) == before and given:
        check.ok(
            "export-authorized",
            f"A Commerce export authorization is given for every goods line, as {lic.id} "
            f"requires: {'; '.join(given)}. (That it is the right one is the exporter's "
            "responsibility.)",
            condition.reference,
            condition.verified,
        )


def _under_rules(
    txn: Transaction,
    check: LicenseCheck,
    goods: GoodsFile,
    label: str,
    line: GoodsLine,
    kind: str,
    code: str,
    countries: list[str],
) -> str:
    """Check one line's authorization against the Commerce rules in force on its export date;
    returns a note for the passing reason."""
    lic = check.license
    on = line.exported or txn.date
    when = f"exported {line.exported}" if line.exported else f"on {txn.date}"
    if kind == "license":
        return ""
    eccn = (line.eccn or "").strip().upper()
    if not eccn and kind == "nlr":
        pending = [r for r in goods.export_rules if r.country in countries and r.valid_from <= on]
        if pending:
            newest = max(pending, key=lambda r: r.valid_from)
            check.need(
                f"{label}: its ECCN (or EAR99): it is exported under NLR {when}, and under "
                f"{_rule_text(newest)} NLR no longer suffices for items on the Commerce "
                "Control List",
                newest.reference,
                newest.verified,
            )
        return ""
    rule = export_rule(line, countries, on, goods)
    if rule is None:
        return ""
    if kind == "nlr":
        text = (
            f"{label} is authorized NLR {when}, but under {_rule_text(rule)} an export of it to "
            f"{rule.country} needs a license"
        )
        if line.exported is not None:
            check.fail(
                "export-not-authorized",
                f"{text}: its export was not licensed or otherwise authorized by Commerce, "
                f"as {lic.id} requires.",
                rule.reference,
                rule.verified,
            )
        else:
            check.need(
                f"{text}: give the BIS license number or the License Exception it went under, "
                f"or the date it was exported (`exported`) if that was before {rule.valid_from}",
                rule.reference,
                rule.verified,
            )
        return ""
    if code not in rule.exceptions_available:
        check.need(
            f"{label}: License Exception {code} {when}: under {_rule_text(rule)} only "
            f"{', '.join(rule.exceptions_available)} remain available to {rule.country}; "
            "confirm the export was authorized",
            rule.exceptions_reference,
            rule.exceptions_verified,
        )
        return ""
    return (
        f"; License Exception {code} remains available under {rule.id} "
        f"({rule.exceptions_reference}{'' if rule.exceptions_verified else ', UNVERIFIED'})"
    )
