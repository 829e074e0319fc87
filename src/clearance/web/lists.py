"""The Lists page (`/lists`): every stored version, and what changed between two dates."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from clearance.access.roles import Permission
from clearance.service.entries import describe_change
from clearance.service.lists import diff, names, versions
from clearance.web.render import page
from clearance.web.routing import PageError, PageRoute
from clearance.web.screen import parse_day
from clearance.web.session import SignedIn

router = APIRouter(route_class=PageRoute)

SHOWN = 200  # rows of each part of a diff shown until "show all"


@router.get("/lists")
def lists_page(request: Request, visitor: SignedIn) -> Response:
    visitor.require(Permission.READ)
    stored = versions(visitor.app)
    return page(request, "lists.html", title="Lists", versions=stored, lists=names(visitor.app))


@router.get("/lists/diff")
def diff_page(
    request: Request,
    visitor: SignedIn,
    list: str = "",
    start: str = "",
    end: str = "",
    all: str = "",
) -> Response:
    visitor.require(Permission.READ)
    first, second = parse_day(start, "From"), parse_day(end, "To")
    if not list or first is None or second is None:
        raise PageError(400, "choose a list and two dates")
    found = diff(visitor.app, list, first, second)
    changed = [
        (c.source_id, c.name, [describe_change(f) for f in c.changes]) for c in found.diff.changed
    ]
    limit = None if all else SHOWN
    return page(
        request,
        "diff.html",
        title=f"{list}: {first} to {second}",
        found=found,
        changed=changed,
        limit=limit,
        list_name=list,
        start=start,
        end=end,
        lists=names(visitor.app),
    )
