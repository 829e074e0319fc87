"""Templates (Jinja2, autoescaped, package data) and the headers every page carries."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

# No script may run and nothing may load from elsewhere: the pages have no JavaScript at all.
# The icon is a data: URL in the page, so that no request for it can fail or be cut off.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def secure(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if response.media_type == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _score(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _signed(value: float) -> str:
    return f"{value:+.2f}" if value else "±0"


def _when(value: datetime | date | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S UTC")
    return value.isoformat()


def _pretty(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str)


environment = Environment(
    loader=PackageLoader("clearance.web", "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.filters.update(score=_score, signed=_signed, when=_when, pretty=_pretty)


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    visitor = getattr(request.state, "visitor", None)
    body = environment.get_template(template).render(
        request=request,
        path=request.url.path,
        visitor=visitor,
        user=visitor.user if visitor else None,
        csrf=visitor.user.csrf if visitor else "",
        **context,
    )
    return HTMLResponse(body, status_code=status)


def error_page(request: Request, status: int, message: str) -> Response:
    titles = {400: "Request refused", 403: "Not allowed", 404: "Not found", 409: "Conflict"}
    return secure(
        page(request, "error.html", status, title=titles.get(status, "Error"), message=message)
    )
