"""Who is asking: the session cookie, the signed-in user's handle, CSRF and origin checks.

* The session cookie (`clearance_session`) holds a random token; the store keeps its SHA-256
  (`clearance.service.users`). It is HttpOnly and SameSite=Lax, and Secure when the
  `web_secure_cookies` setting says so.
* Every form that changes anything is a POST carrying the session's CSRF token (synchronizer
  token); the sign-in form, before any session, carries the token of a short-lived
  `clearance_signin` cookie instead (double submit). A POST whose `Origin` names another site
  is refused as well.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qsl, urlsplit

from fastapi import Depends, Request

from clearance.access.roles import Permission
from clearance.service.handle import Clearance
from clearance.service.users import SessionUser, check_csrf, current_user
from clearance.web.routing import PageError, SignInRequired

STATE_KEY = "clearance_web"
SESSION_COOKIE = "clearance_session"
SIGNIN_COOKIE = "clearance_signin"
# The largest form a page accepts (a transaction's JSON is the largest, a few kilobytes).
MAX_FORM_BYTES = 256 * 1024


@dataclass(frozen=True, slots=True)
class WebState:
    handle: Callable[[], Clearance]


def store_handle(request: Request) -> Clearance:
    state: WebState = getattr(request.app.state, STATE_KEY)
    try:
        return state.handle()
    except Exception as exc:  # any failure to open the store: the page says so
        raise PageError(503, f"the store cannot be reached ({exc.__class__.__name__})") from exc


@dataclass(frozen=True, slots=True)
class Visitor:
    """A signed-in person: their session and the store handle acting as them."""

    user: SessionUser
    app: Clearance
    token: str

    def may(self, permission: Permission) -> bool:
        return self.user.may(permission)

    def require(self, permission: Permission) -> None:
        if not self.user.may(permission):
            raise PageError(
                403,
                f"your role, {self.user.role.value}, does not allow {permission.value!r}",
            )


def _back_to(request: Request) -> str:
    """Where to go after signing in: the page asked for; after a form posted once the session
    had ended, the page of that form (never a POST-only path such as /signout)."""
    path, query = request.url.path, request.url.query
    if request.method == "GET":
        return path + (f"?{query}" if query else "")
    if path == "/signout":
        return "/"
    return path.removesuffix("/replay")


def signed_in(request: Request) -> Visitor:
    app = store_handle(request)
    token = request.cookies.get(SESSION_COOKIE)
    user = current_user(app, token)
    if user is None or token is None:
        raise SignInRequired(_back_to(request))
    visitor = Visitor(user, app.as_actor(user.name), token)
    request.state.visitor = visitor
    return visitor


@dataclass(frozen=True, slots=True)
class Form:
    fields: tuple[tuple[str, str], ...]

    def get(self, name: str, default: str = "") -> str:
        for key, value in reversed(self.fields):
            if key == name:
                return value
        return default

    def all(self, name: str) -> list[str]:
        return [value for key, value in self.fields if key == name]


def same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        # `null`: a privacy-sensitive context; the CSRF token still guards the form.
        return True
    return urlsplit(origin).netloc == request.headers.get("host", "")


async def read_form(request: Request) -> Form:
    if not same_origin(request):
        raise PageError(403, "this form was sent from another site")
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise PageError(400, "expected a form (application/x-www-form-urlencoded)")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise PageError(413, f"a form holds at most {MAX_FORM_BYTES // 1024} KB")
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=False, max_num_fields=200)
    except (UnicodeDecodeError, ValueError) as exc:
        raise PageError(400, f"the form could not be read ({exc.__class__.__name__})") from exc
    return Form(tuple(pairs))


@dataclass(frozen=True, slots=True)
class Posted:
    """A signed-in person's form, its CSRF token checked."""

    visitor: Visitor
    form: Form


async def posted(request: Request, visitor: Annotated[Visitor, Depends(signed_in)]) -> Posted:
    form = await read_form(request)
    if not check_csrf(visitor.user, form.get("csrf") or None):
        raise PageError(403, "the form's security token is missing or stale: reload the page")
    return Posted(visitor, form)


SignedIn = Annotated[Visitor, Depends(signed_in)]
PostedForm = Annotated[Posted, Depends(posted)]
