"""Caps as the evaluation sees them: whose cap (`CapKey`), what was drawn (`Usage`), and one
cap a decision read or drew on (`CapUse`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from clearance.decisions.transaction import money_text


@dataclass(frozen=True, slots=True)
class CapKey:
    """Whose cap, under which license family, for which period."""

    family: str
    holder: str
    period: str  # `2019` for a calendar year; `2022-07-01/2023-06-30` for a specific license


@dataclass(frozen=True, slots=True)
class Usage:
    amount: Decimal = Decimal(0)
    quantity: int = 0


@dataclass(frozen=True, slots=True)
class CapUse:
    """One cap a decision relied on: what had been used, this transaction, the limit."""

    key: CapKey
    license: str
    currency: str
    limit: Decimal
    used_before: Decimal
    this: Decimal
    quantity_limit: int | None = None
    quantity_used_before: int = 0
    quantity_this: int = 0
    citation: str | None = None
    drawn: bool = False  # this decision draws on it (AUTHORIZED); else it was only read

    @property
    def after(self) -> Decimal:
        return self.used_before + self.this

    @property
    def exceeded(self) -> bool:
        over_quantity = (
            self.quantity_limit is not None
            and self.quantity_used_before + self.quantity_this > self.quantity_limit
        )
        return self.after > self.limit or over_quantity

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "family": self.key.family,
            "holder": self.key.holder,
            "period": self.key.period,
            "license": self.license,
            "currency": self.currency,
            "limit": money_text(self.limit),
            "used_before": money_text(self.used_before),
            "this": money_text(self.this),
            "after": money_text(self.after),
            "drawn": self.drawn,
            "exceeded": self.exceeded,
            "citation": self.citation,
        }
        if self.quantity_limit is not None:
            out |= {
                "quantity_limit": self.quantity_limit,
                "quantity_used_before": self.quantity_used_before,
                "quantity_this": self.quantity_this,
            }
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CapUse:
        return cls(
            key=CapKey(data["family"], data["holder"], data["period"]),
            license=data["license"],
            currency=data["currency"],
            limit=Decimal(data["limit"]),
            used_before=Decimal(data["used_before"]),
            this=Decimal(data["this"]),
            quantity_limit=data.get("quantity_limit"),
            quantity_used_before=int(data.get("quantity_used_before", 0)),
            quantity_this=int(data.get("quantity_this", 0)),
            citation=data.get("citation"),
            drawn=bool(data.get("drawn", False)),
        )
