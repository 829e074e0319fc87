"""Page routes: which requests are the web UI's, and errors shown as pages.

The web UI and the JSON API share one app and some paths (`GET /lists`, `POST /decide`,
`/alerts/...`). A page route takes a request only when it comes from a browser — it accepts
`text/html` and carries no `Authorization` header — and otherwise does not match, so that the
API's route for the same path answers it. Assets (`/static/...`) match any request.

Errors inside a page become pages too (a sign-in redirect, 400, 403, 404, 500), not the API's
JSON.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import Scope

from clearance.access import AccessError
from clearance.service.errors import kind_of, user_errors
from clearance.web.render import error_page, secure

log = logging.getLogger(__name__)

STATUS = {"not_found": 404, "conflict": 409, "forbidden": 403}


class PageError(Exception):
    """A request a page refuses; `status` is the HTTP status, the message is shown."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class SignInRequired(Exception):
    def __init__(self, back_to: str) -> None:
        super().__init__(back_to)
        self.back_to = back_to


def from_browser(scope: Scope) -> bool:
    headers = {k.lower(): v for k, v in scope.get("headers", ())}
    accept = headers.get(b"accept", b"").decode("latin-1").lower()
    return "text/html" in accept and b"authorization" not in headers


class PageRoute(APIRoute):
    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        if match is not Match.NONE and scope["type"] == "http" and not from_browser(scope):
            return Match.NONE, {}
        return match, child

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        refused: tuple[type[Exception], ...] = (AccessError, *user_errors())

        async def page(request: Request) -> Response:
            try:
                return secure(await handler(request))
            except SignInRequired as exc:
                target = "/signin" + (f"?next={quote(exc.back_to)}" if exc.back_to != "/" else "")
                return secure(RedirectResponse(target, status_code=303))
            except PageError as exc:
                return error_page(request, exc.status, str(exc))
            except RequestValidationError as exc:
                problems = "; ".join(
                    f"{'.'.join(str(p) for p in e.get('loc', ())[1:])}: {e.get('msg')}"
                    for e in exc.errors()
                )
                return error_page(request, 400, problems or "invalid request")
            except refused as exc:
                return error_page(request, STATUS.get(kind_of(exc), 400), str(exc))
            except Exception:
                log.exception("web page %s %s failed", request.method, request.url.path)
                return error_page(request, 500, "Something went wrong; the server log says what.")

        return page
