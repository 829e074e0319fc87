"""The Entry page: an entry as the list in force on a date had it, and its timeline."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from clearance.access.roles import Permission
from clearance.service.entries import entry_page
from clearance.web.render import page
from clearance.web.routing import PageRoute
from clearance.web.screen import parse_day
from clearance.web.session import SignedIn

router = APIRouter(route_class=PageRoute)


@router.get("/entries/{list_name}/{source_id}")
def entry(
    request: Request, list_name: str, source_id: str, visitor: SignedIn, as_of: str = ""
) -> Response:
    visitor.require(Permission.READ)
    found = entry_page(visitor.app, list_name, source_id, parse_day(as_of, "As of"))
    title = found.name or f"{list_name} {source_id}"
    return page(
        request,
        "entry.html",
        title=title,
        entry=found,
        list_name=list_name,
        source_id=source_id,
        as_of=as_of,
    )
