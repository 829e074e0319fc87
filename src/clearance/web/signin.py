"""Sign in and sign out."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from clearance.service.users import same_token, sign_in, sign_out
from clearance.web.render import page
from clearance.web.routing import PageRoute
from clearance.web.session import (
    SESSION_COOKIE,
    SIGNIN_COOKIE,
    Form,
    PostedForm,
    read_form,
    store_handle,
)

router = APIRouter(route_class=PageRoute)

SIGNIN_MAX_AGE = 3600  # seconds the sign-in form stays valid


def safe_next(target: str) -> str:
    """Only a path of this site (no `//host`, no scheme): never an open redirect."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _signin_page(request: Request, next_path: str, error: str = "", status: int = 200) -> Response:
    token = secrets.token_urlsafe(32)
    response = page(
        request,
        "signin.html",
        status,
        title="Sign in",
        signin_token=token,
        next_path=safe_next(next_path),
        error=error,
    )
    secure_cookie = store_handle(request).settings.web_secure_cookies
    response.set_cookie(
        SIGNIN_COOKIE,
        token,
        max_age=SIGNIN_MAX_AGE,
        path="/signin",
        httponly=True,
        samesite="strict",
        secure=secure_cookie,
    )
    return response


@router.get("/signin")
def signin_form(request: Request, next: str = "/") -> Response:
    return _signin_page(request, next)


@router.post("/signin")
def signin_submit(request: Request, form: Annotated[Form, Depends(read_form)]) -> Response:
    next_path = safe_next(form.get("next", "/"))
    expected = request.cookies.get(SIGNIN_COOKIE, "")
    if not expected or not same_token(form.get("csrf"), expected):
        return _signin_page(
            request, next_path, "The sign-in form had expired. Please sign in again.", 403
        )
    app = store_handle(request)
    opened = sign_in(app, form.get("username"), form.get("password"))
    if opened is None:
        return _signin_page(request, next_path, "Wrong user name or password.", 401)
    response = RedirectResponse(next_path, status_code=303)
    hours = app.settings.web_session_hours
    response.set_cookie(
        SESSION_COOKIE,
        opened.token,
        max_age=int(hours * 3600),
        path="/",
        httponly=True,
        samesite="lax",
        secure=app.settings.web_secure_cookies,
    )
    response.delete_cookie(SIGNIN_COOKIE, path="/signin")
    return response


@router.post("/signout")
def signout(sent: PostedForm) -> Response:
    sign_out(sent.visitor.app, sent.visitor.token)
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
