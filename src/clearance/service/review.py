"""Use cases of human review: the alert queue, one alert with its history, a reviewer's call.

Every change of an alert is one audit record written with the change (clearance.audit.review
holds the workflow: four-eyes, suppression of reviewed false positives, reopening on change).
The reviewer is the handle's actor: the signed-in user or API key, never a free-text field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clearance.audit.chain import AuditRecord
from clearance.audit.review import (
    Alert,
    AlertState,
    Outcome,
    alert_history,
    decide_alert,
    get_alert,
    list_alerts,
)
from clearance.service.handle import Clearance

__all__ = ["Alert", "AlertState", "AlertView", "Outcome", "alerts", "review_alert", "show_alert"]


def alerts(app: Clearance, state: AlertState | None = None) -> list[Alert]:
    return list_alerts(app.engine, state)


@dataclass(frozen=True, slots=True)
class AlertView:
    alert: Alert
    history: list[AuditRecord]

    def to_dict(self) -> dict[str, Any]:
        return self.alert.to_dict() | {"history": [history_entry(r) for r in self.history]}


def history_entry(record: AuditRecord) -> dict[str, Any]:
    """One review of an alert, from its audit record."""
    p = record.payload
    return {
        "record": record.seq,
        "at": record.created_at.isoformat(),
        "reviewer": p.get("reviewer"),
        "action": p.get("action"),
        "to": p.get("to"),
        "note": p.get("note"),
    }


def show_alert(app: Clearance, alert_id: int) -> AlertView:
    return AlertView(get_alert(app.engine, alert_id), alert_history(app.engine, alert_id))


def review_alert(
    app: Clearance,
    alert_id: int,
    outcome: Outcome,
    note: str,
    *,
    reviewer: str | None = None,
    may_confirm: bool = True,
) -> Alert:
    """A reviewer's decision on an alert; `reviewer` defaults to the handle's actor.

    `may_confirm=False`: this reviewer may not give the second review under four-eyes (a
    confirmation or disagreement on a pending true match) — `ReviewForbidden`.
    """
    return decide_alert(
        app.engine,
        alert_id,
        outcome,
        reviewer=reviewer or app.actor,
        note=note,
        settings=app.loaded,
        may_confirm=may_confirm,
    )
