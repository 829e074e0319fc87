"""The Screen page (`/`): one party against the lists in force on a date, every hit explained."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from clearance.access.roles import Permission
from clearance.model import EntryType
from clearance.schema import PartyError, parse_party
from clearance.service.explain import explain_hit
from clearance.service.screening import ScreenRequest, screen_party
from clearance.web.render import page
from clearance.web.routing import PageError, PageRoute
from clearance.web.session import PostedForm, SignedIn

router = APIRouter(route_class=PageRoute)

TYPES = [("", "Any")] + [(t.value, t.value.capitalize()) for t in EntryType if t.value != "unknown"]
FIELDS = ("name", "type", "dob", "country", "as_of")


def parse_day(value: str, label: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise PageError(400, f"{label} must be a date, YYYY-MM-DD (got {value[:40]!r})") from None


def _form_page(
    request: Request, values: dict[str, str], status: int = 200, **context: Any
) -> Response:
    context.setdefault("error", "")
    context.setdefault("screening", None)
    context.setdefault("hits", [])
    return page(
        request, "screen.html", status, title="Screen", types=TYPES, values=values, **context
    )


@router.get("/")
def screen_form(request: Request, visitor: SignedIn) -> Response:
    return _form_page(request, dict.fromkeys(FIELDS, ""))


@router.post("/")
def screen_submit(request: Request, sent: PostedForm) -> Response:
    sent.visitor.require(Permission.MATCH)
    values = {k: sent.form.get(k).strip() for k in FIELDS}
    try:
        party = parse_party(
            {
                "name": values["name"],
                "type": values["type"] or "unknown",
                "dob": values["dob"] or None,
                "country": values["country"] or None,
            },
            "party",
        )
        as_of = parse_day(values["as_of"], "As of")
    except (PartyError, PageError) as exc:
        return _form_page(request, values, 400, error=str(exc).removeprefix("party: "))
    screening = screen_party(sent.visitor.app, party, ScreenRequest(as_of=as_of))
    data = screening.to_dict()
    hits = [(hit, explain_hit(hit)) for hit in data["hits"]]
    return _form_page(request, values, screening=data, hits=hits)
