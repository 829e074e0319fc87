"""What a goods line is, and whether its export was authorized: readings of goods.yaml.

* `classify(line, category)` - is the line of a goods category (`information-technology`)?
  The ECCN is read first (Commerce's own classification), then the HS code, then the
  description; the first class of the category that decides wins. A line nothing decides is
  `None`: a person must classify it.
* `authorization_form(value, forms)` - what an export authorization given as text is: `NLR`,
  a License Exception code, a BIS license number, or none of them ("none", "n/a", ...).
* `export_rule(line, countries, on, rules)` - the newest Commerce rule in force on `on` under
  which the line needs a license to one of `countries`, so that NLR no longer suffices.

Pure functions over the rule data; the license check (`checks.check_goods`,
`checks.check_export`) turns their answers into reasons.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from clearance.decisions.rules_schema import (
    ExportAuthorizationForms,
    ExportRule,
    GoodsCategory,
    GoodsFile,
)
from clearance.decisions.transaction import GoodsLine
from clearance.names import fold


@dataclass(frozen=True, slots=True)
class Evidence:
    """One class of goods.yaml that matched a line, and what it says."""

    it: bool | None  # of the category / not / decides nothing
    basis: str  # `ECCN 5A992.c: Commerce Control List Category 5 Part 2 ...`
    reference: str | None
    verified: bool


@dataclass(frozen=True, slots=True)
class Classification:
    member: bool | None  # None: nothing decides
    decided_by: Evidence | None
    seen: tuple[Evidence, ...]  # every class that matched, strongest first

    def why(self) -> str:
        if self.decided_by is not None:
            return self.decided_by.basis
        if not self.seen:
            return "no ECCN, HS code or description word the rules know"
        return "; ".join(e.basis for e in self.seen)


def _eccn(line: GoodsLine, category: GoodsCategory) -> Evidence | None:
    if not line.eccn:
        return None
    text = line.eccn.strip().upper()
    for cls in category.eccn:
        if re.match(cls.pattern, text):
            return Evidence(cls.it, f"ECCN {line.eccn}: {cls.title}", cls.reference, cls.verified)
    return Evidence(None, f"ECCN {line.eccn!r} is not a Commerce Control List number", None, True)


def hs_digits(code: str) -> str:
    return re.sub(r"[^0-9]", "", code)


def _hs(line: GoodsLine, category: GoodsCategory) -> Evidence | None:
    if not line.hs_code:
        return None
    digits = hs_digits(line.hs_code)
    for cls in category.hs:
        if re.match(cls.pattern, digits):
            return Evidence(cls.it, f"HS {line.hs_code}: {cls.title}", cls.reference, cls.verified)
    return None


def _words(text: str) -> str:
    return f" {fold(text)} "


def _description(line: GoodsLine, category: GoodsCategory) -> Evidence | None:
    folded = _words(line.description)
    for cls in category.descriptions:
        found = next((w for w in cls.words if _words(w) in folded), None)
        if found is not None:
            basis = f"description '{line.description}' names '{found}': {cls.title}"
            return Evidence(cls.it, basis, cls.reference, cls.verified)
    return None


def classify(line: GoodsLine, category: GoodsCategory) -> Classification:
    seen = [e for e in (_eccn(line, category), _hs(line, category), _description(line, category))]
    found = tuple(e for e in seen if e is not None)
    decided = next((e for e in found if e.it is not None), None)
    return Classification(decided.it if decided is not None else None, decided, found)


# --- export authorizations -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Form:
    kind: str  # nlr | exception | license
    code: str  # NLR, ENC, D123456
    title: str
    reference: str | None
    verified: bool


_EXCEPTION_PREFIX = re.compile(r"^(LICENSE\s+EXCEPTION|LE)\s+")


def authorization_form(value: str, forms: ExportAuthorizationForms) -> Form | None:
    """What `value` is as an export authorization; None when it is not one."""
    text = " ".join(value.strip().upper().split())
    if text == forms.nlr.code:
        nlr = forms.nlr
        return Form("nlr", nlr.code, nlr.title, nlr.reference, nlr.verified)
    code = _EXCEPTION_PREFIX.sub("", text)
    for exception in forms.license_exceptions:
        if code == exception.code:
            return Form(
                "exception",
                exception.code,
                exception.title,
                exception.reference,
                exception.verified,
            )
    number = forms.license_number
    if re.match(number.pattern, text.replace(" ", "")):
        return Form("license", text, number.title, number.reference, number.verified)
    return None


def forms_text(forms: ExportAuthorizationForms) -> str:
    codes = ", ".join(e.code for e in forms.license_exceptions[:2])
    return f"{forms.nlr.code}, a License Exception code ({codes}, ...) or a BIS license number"


def export_rule(
    line: GoodsLine, countries: Iterable[str], on: date, goods: GoodsFile
) -> ExportRule | None:
    """The newest rule in force on `on` that requires a license for the line to one of
    `countries`; None when the line's ECCN is under none (EAR99, or outside its scope)."""
    wanted = set(countries)
    eccn = (line.eccn or "").strip().upper()
    found = [
        rule
        for rule in goods.export_rules
        if rule.country in wanted
        and rule.valid_from <= on
        and re.match(rule.eccn, eccn)
        and not any(re.match(e.pattern, eccn) for e in rule.except_)
    ]
    return max(found, key=lambda r: r.valid_from, default=None)


def rules_in_force(countries: Iterable[str], on: date, goods: GoodsFile) -> list[ExportRule]:
    wanted = set(countries)
    return [r for r in goods.export_rules if r.country in wanted and r.valid_from <= on]
