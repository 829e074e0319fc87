"""The review queue (`/alerts`) and an alert's page with its review actions (four-eyes)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from clearance.access.roles import Permission
from clearance.audit.chain import AuditError
from clearance.audit.review import Outcome
from clearance.service.explain import explain_hit
from clearance.service.queue import STATE_FILTERS, alert_queue, review_permission
from clearance.service.review import review_alert, show_alert
from clearance.web.render import page
from clearance.web.routing import PageError, PageRoute
from clearance.web.session import PostedForm, SignedIn, Visitor

router = APIRouter(route_class=PageRoute)

OUTCOMES = (
    (Outcome.TRUE_MATCH.value, "True match", "the party is the listed one"),
    (Outcome.FALSE_POSITIVE.value, "False positive", "another party; remembered for this party"),
    (Outcome.ESCALATE.value, "Escalate", "needs someone else's judgement"),
)


@router.get("/alerts")
def queue(
    request: Request, visitor: SignedIn, state: str = "open", list: str = "", q: str = ""
) -> Response:
    visitor.require(Permission.READ)
    if state not in (*STATE_FILTERS, "all"):
        raise PageError(400, f"unknown state {state[:40]!r}")
    found = alert_queue(
        visitor.app, state=None if state == "all" else state, list_name=list or None, text=q
    )
    return page(
        request,
        "alerts.html",
        title="Alerts",
        queue=found,
        states=STATE_FILTERS,
        state=state,
        list_name=list,
        q=q,
    )


def _alert_page(
    request: Request, visitor: Visitor, alert_id: int, status: int = 200, **context: Any
) -> Response:
    view = show_alert(visitor.app, alert_id)
    alert = view.alert
    needed = review_permission(alert, visitor.user.name)
    context.setdefault("error", "")
    context.setdefault("note", "")
    return page(
        request,
        "alert.html",
        status,
        title=f"Alert {alert.id}",
        alert=alert,
        history=view.history,
        why=explain_hit(alert.hit),
        outcomes=OUTCOMES,
        needed=needed.value,
        may_review=visitor.may(needed),
        four_eyes=visitor.app.settings.four_eyes,
        reviewed=request.query_params.get("reviewed", ""),
        **context,
    )


def _alert_id(value: str) -> int:
    if not value.isdigit() or len(value) > 12:
        raise PageError(404, f"no alert {value[:20]!r}")
    return int(value)


@router.get("/alerts/{alert_id}")
def alert_view(request: Request, alert_id: str, visitor: SignedIn) -> Response:
    visitor.require(Permission.READ)
    try:
        return _alert_page(request, visitor, _alert_id(alert_id))
    except AuditError as exc:
        raise PageError(404, str(exc)) from None


@router.post("/alerts/{alert_id}")
def alert_review(request: Request, alert_id: str, sent: PostedForm) -> Response:
    visitor, number = sent.visitor, _alert_id(alert_id)
    try:
        alert = show_alert(visitor.app, number).alert
    except AuditError as exc:
        raise PageError(404, str(exc)) from None
    visitor.require(review_permission(alert, visitor.user.name))
    choice, note = sent.form.get("outcome"), sent.form.get("note").strip()
    if choice not in {o.value for o in Outcome}:
        return _alert_page(request, visitor, number, 400, error="Choose a decision.", note=note)
    try:
        review_alert(
            visitor.app,
            number,
            Outcome(choice),
            note,
            may_confirm=visitor.may(Permission.APPROVE),
        )
    except AuditError as exc:  # no note, four-eyes refused, already final...
        return _alert_page(request, visitor, number, 409, error=str(exc), note=note)
    return RedirectResponse(f"/alerts/{number}?reviewed=1", status_code=303)
