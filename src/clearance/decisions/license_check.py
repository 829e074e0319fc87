"""One license checked against one transaction and one blocked party: the result type the
checks fill (`checks`, `goods_checks`) and the license step reads.

A check ends `ok`, `fail` (with the reasons, citing the license text) or `missing` (facts the
transaction lacks that a condition needs: the decision becomes REVIEW, listing them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from clearance.decisions.specific import LicenseView
from clearance.decisions.trace import Reason


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

    def need(self, text: str, citation: str | None = None, verified: bool = True) -> None:
        """A fact a condition needs that the transaction lacks (REVIEW), with its source."""
        source = f" [source: {citation}{'' if verified else ', UNVERIFIED'}]" if citation else ""
        self.missing.append(text + source)


def applies(purposes: tuple[str, ...] | None, purpose: str) -> bool:
    return purposes is None or purpose in purposes
