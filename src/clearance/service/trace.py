"""A decision's trace for people: its caps with what is left, and the purposes to choose from.

`decisions.py` has the `decide` use case; this module only reads what it answered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from clearance.service.handle import Clearance


@dataclass(frozen=True, slots=True)
class CapLine:
    family: str
    holder: str
    period: str
    license: str | None
    currency: str
    limit: str | None
    used_before: str
    this: str
    after: str
    left: str | None  # limit - after (negative: the amount it would be exceeded by)
    drawn: bool
    exceeded: bool


def _money(value: Any) -> Decimal | None:
    try:
        return None if value is None else Decimal(str(value))
    except InvalidOperation:
        return None


def cap_lines(decision: Mapping[str, Any]) -> list[CapLine]:
    """Each cap a decision read (its wire form's `caps`), with the amount left after it."""
    lines = []
    for cap in decision.get("caps") or ():
        limit, after = _money(cap.get("limit")), _money(cap.get("after"))
        left = f"{limit - after:.2f}" if limit is not None and after is not None else None
        lines.append(
            CapLine(
                family=str(cap.get("family", "")),
                holder=str(cap.get("holder", "")),
                period=str(cap.get("period", "")),
                license=cap.get("license"),
                currency=str(cap.get("currency", "")),
                limit=cap.get("limit"),
                used_before=str(cap.get("used_before", "")),
                this=str(cap.get("this", "")),
                after=str(cap.get("after", "")),
                left=left,
                drawn=bool(cap.get("drawn")),
                exceeded=bool(cap.get("exceeded")),
            )
        )
    return lines


def purposes(app: Clearance) -> list[tuple[str, str]]:
    """(code, label) of every purpose a transaction may carry, as the rules define them."""
    return [(code, purpose.label) for code, purpose in app.rules().purposes.items()]
