"""Alerts and their review (`/alerts...`): the queue, one alert with its history, a review."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field, field_validator

from clearance.access import Permission
from clearance.api.deps import KEYED, Caller, Reader, caller, errors
from clearance.api.wire_models import AlertOut, AlertViewOut, returns
from clearance.service.review import AlertState, Outcome, alerts, review_alert, show_alert

router = APIRouter(tags=["Review"])

AlertId = Annotated[int, Path(ge=1, le=2**62, description="The alert's number")]


class ReviewIn(BaseModel):
    """A reviewer's call on an alert; the reviewer is the key's name."""

    model_config = ConfigDict(extra="forbid")

    outcome: Outcome = Field(description="`true_match`, `false_positive` or `escalated`")
    note: str = Field(min_length=1, max_length=2000, description="Why (recorded)")

    @field_validator("note")
    @classmethod
    def _printable(cls, value: str) -> str:
        if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in value):
            raise ValueError("control characters (such as NUL) are not allowed")
        if not value.strip():
            raise ValueError("a review needs a note saying why")
        return value


@router.get("/alerts", responses=errors(*KEYED), **returns(list[AlertOut]))
def alert_queue(
    who: Reader,
    state: Annotated[AlertState | None, Query(description="Only alerts in this state")] = None,
) -> list[dict[str, Any]]:
    """Alerts, oldest first."""
    return [a.to_dict() for a in alerts(who.app, state)]


@router.get("/alerts/{alert_id}", responses=errors(*KEYED, 404), **returns(AlertViewOut))
def alert(alert_id: AlertId, who: Reader) -> dict[str, Any]:
    """One alert: the party, the hit and its explanation, and every review of it."""
    return show_alert(who.app, alert_id).to_dict()


@router.post(
    "/alerts/{alert_id}/review", responses=errors(*KEYED, 404, 409, 413), **returns(AlertOut)
)
def review(
    alert_id: AlertId,
    body: ReviewIn,
    who: Annotated[Caller, Depends(caller(Permission.REVIEW))],
) -> dict[str, Any]:
    """Decide an alert (analysts and up). Under four-eyes a true match is final only when a
    different reviewer confirms it, and that second review needs an approver (403 otherwise)."""
    decided = review_alert(
        who.app, alert_id, body.outcome, body.note, may_confirm=who.may(Permission.APPROVE)
    )
    return decided.to_dict()
