"""The decision and its trace: the outcome, the reasons step by step, what authorized it, what
was left uncovered, and every cap it read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from clearance.decisions.caps import CapUse
from clearance.store.contents import ListWarning


class Outcome(StrEnum):
    CLEAR = "CLEAR"
    AUTHORIZED = "AUTHORIZED"
    PROHIBITED = "PROHIBITED"
    REVIEW = "REVIEW"


@dataclass(frozen=True, slots=True)
class Reason:
    """One step of the trace: what was looked at, what was found, on what authority."""

    step: str  # rules | screening | ownership | programs | license | condition | cap | decision
    finding: str  # a short code: match, possible-match, covered, not-covered, cap-exceeded ...
    text: str  # one sentence a person can read
    party: str | None = None
    authority: str | None = None
    rule: str | None = None  # a license version id, `programs.yaml:CYBER2`, `50-percent-rule`
    list_version: Mapping[str, Any] | None = None
    entry: Mapping[str, Any] | None = None  # {"list", "id", "name"}
    citation: str | None = None
    verified: bool = True

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"step": self.step, "finding": self.finding, "text": self.text}
        for key in ("party", "authority", "rule", "list_version", "entry", "citation"):
            value = getattr(self, key)
            if value is not None:
                out[key] = dict(value) if isinstance(value, Mapping) else value
        out["verified"] = self.verified
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Reason:
        return cls(
            step=data["step"],
            finding=data["finding"],
            text=data["text"],
            party=data.get("party"),
            authority=data.get("authority"),
            rule=data.get("rule"),
            list_version=data.get("list_version"),
            entry=data.get("entry"),
            citation=data.get("citation"),
            verified=bool(data.get("verified", True)),
        )


@dataclass(frozen=True, slots=True)
class Authorization:
    party: str
    authority: str
    license: str  # general license version id or specific license number
    kind: str  # general | specific
    family: str
    citation: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "party": self.party,
            "authority": self.authority,
            "license": self.license,
            "kind": self.kind,
            "family": self.family,
            "citation": self.citation,
        }


@dataclass(frozen=True, slots=True)
class Uncovered:
    party: str
    authority: str
    programs: tuple[str, ...]
    title: str
    why: str
    specific_license_possible: bool
    citation: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "party": self.party,
            "authority": self.authority,
            "programs": list(self.programs),
            "title": self.title,
            "why": self.why,
            "specific_license_possible": self.specific_license_possible,
            "citation": self.citation,
        }


@dataclass(frozen=True, slots=True)
class Decision:
    transaction_id: str
    date: date
    decision: Outcome
    reasons: tuple[Reason, ...]
    authorizations: tuple[Authorization, ...] = ()
    uncovered_authorities: tuple[Uncovered, ...] = ()
    missing: tuple[str, ...] = ()  # what a person must supply or judge (REVIEW)
    # Every cap the evaluation read: those it draws on first (`drawn`), then any it broke
    # (`exceeded`), then those read for a license it did not end up using.
    caps: tuple[CapUse, ...] = ()
    list_versions: tuple[Mapping[str, Any], ...] = ()
    rules_version: str = ""
    screening_algorithm: str = ""
    screening: Mapping[str, Any] = field(default_factory=dict)  # thresholds
    cap_holder: str = ""
    transaction: Mapping[str, Any] = field(default_factory=dict)
    ownership_import: int | None = None  # the ownership data set the 50% rule used
    # What the reader must know about the list versions it rests on (incomplete, stale).
    warnings: tuple[ListWarning, ...] = ()
    recorded: bool = False  # its drawdowns were written to the ledger
    replayed: bool = False  # returned from the ledger for a repeated transaction id

    @property
    def drawdowns(self) -> tuple[CapUse, ...]:
        return tuple(c for c in self.caps if c.drawn)

    @property
    def cap(self) -> CapUse | None:
        """The cap to show: the first drawn on, else the first broken."""
        return next((c for c in self.caps if c.drawn or c.exceeded), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "transaction_id": self.transaction_id,
            "date": self.date.isoformat(),
            "decision": self.decision.value,
            "reasons": [r.to_dict() for r in self.reasons],
            "authorizations": [a.to_dict() for a in self.authorizations],
            "uncovered_authorities": [u.to_dict() for u in self.uncovered_authorities],
            "missing": list(self.missing),
            "cap": self.cap.to_dict() if self.cap is not None else None,
            "caps": [c.to_dict() for c in self.caps],
            "cap_holder": self.cap_holder,
            "list_versions": [dict(v) for v in self.list_versions],
            "rules_version": self.rules_version,
            "screening_algorithm": self.screening_algorithm,
            "screening": dict(self.screening),
            "transaction": dict(self.transaction),
            "ownership_import": self.ownership_import,
            "warnings": [w.to_dict() for w in self.warnings],
            "recorded": self.recorded,
            "replayed": self.replayed,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Decision:
        return cls(
            transaction_id=data["transaction_id"],
            date=date.fromisoformat(data["date"]),
            decision=Outcome(data["decision"]),
            reasons=tuple(Reason.from_dict(r) for r in data.get("reasons", ())),
            authorizations=tuple(Authorization(**a) for a in data.get("authorizations", ())),
            uncovered_authorities=tuple(
                Uncovered(**(u | {"programs": tuple(u["programs"])}))
                for u in data.get("uncovered_authorities", ())
            ),
            missing=tuple(data.get("missing", ())),
            caps=tuple(CapUse.from_dict(c) for c in data.get("caps", ())),
            list_versions=tuple(data.get("list_versions", ())),
            rules_version=data.get("rules_version", ""),
            screening_algorithm=data.get("screening_algorithm", ""),
            screening=data.get("screening", {}),
            cap_holder=data.get("cap_holder", ""),
            transaction=data.get("transaction", {}),
            ownership_import=data.get("ownership_import"),
            warnings=tuple(ListWarning.from_dict(w) for w in data.get("warnings", ())),
            recorded=bool(data.get("recorded", False)),
            replayed=bool(data.get("replayed", False)),
        )
