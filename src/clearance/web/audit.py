"""The Audit page (`/audit`): the chain's status, records by date and kind, one record, replay."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from clearance.access.roles import Permission
from clearance.audit.chain import AuditError
from clearance.service.audit_trail import show_record, verify
from clearance.service.handle import Clearance
from clearance.service.replay import replay_record
from clearance.service.trail import REPLAYABLE, browse_records, kinds, record_summary
from clearance.web.render import page
from clearance.web.routing import PageError, PageRoute
from clearance.web.screen import parse_day
from clearance.web.session import PostedForm, SignedIn

router = APIRouter(route_class=PageRoute)


def _number(value: str, what: str) -> int | None:
    if not value:
        return None
    if not value.isdigit() or len(value) > 15:
        raise PageError(400, f"{what} must be a record number")
    return int(value)


@router.get("/audit")
def audit_page(
    request: Request,
    visitor: SignedIn,
    start: str = "",
    end: str = "",
    kind: str = "",
    actor: str = "",
    before: str = "",
) -> Response:
    visitor.require(Permission.READ)
    found = browse_records(
        visitor.app,
        start=parse_day(start, "From"),
        end=parse_day(end, "To"),
        kinds=[kind] if kind else None,
        actor=actor.strip() or None,
        before=_number(before, "before"),
    )
    rows = [(r, record_summary(r)) for r in found.records]
    return page(
        request,
        "audit.html",
        title="Audit",
        found=found,
        rows=rows,
        kinds=kinds(visitor.app),
        filters={"start": start, "end": end, "kind": kind, "actor": actor},
    )


@router.get("/audit/verify")
def verify_page(request: Request, visitor: SignedIn) -> Response:
    visitor.require(Permission.READ)
    return page(request, "verify.html", title="Chain verification", result=verify(visitor.app))


def _record(app: Clearance, seq: str) -> dict[str, Any]:
    number = _number(seq, "record")
    try:
        return show_record(app, number or 0)
    except AuditError as exc:
        raise PageError(404, str(exc)) from None


@router.get("/audit/records/{seq}")
def record_page(request: Request, seq: str, visitor: SignedIn) -> Response:
    visitor.require(Permission.READ)
    record = _record(visitor.app, seq)
    return page(
        request,
        "record.html",
        title=f"Record {record['seq']}",
        record=record,
        replayable=record["kind"] in REPLAYABLE,
        report=None,
    )


@router.post("/audit/records/{seq}/replay")
def replay_page(request: Request, seq: str, sent: PostedForm) -> Response:
    sent.visitor.require(Permission.READ)
    record = _record(sent.visitor.app, seq)
    current = sent.form.get("current") == "yes"
    report = replay_record(sent.visitor.app, int(record["seq"]), current=current)
    return page(
        request,
        "record.html",
        title=f"Replay of record {record['seq']}",
        record=record,
        replayable=True,
        report=report.to_dict(),
    )
