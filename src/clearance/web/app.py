"""Mounting the web UI on a FastAPI app (the one `clearance serve` runs)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, FastAPI

from clearance.service.handle import Clearance
from clearance.web import alerts, assets, audit, decide, entries, lists, screen, signin
from clearance.web.session import STATE_KEY, WebState


def web_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)
    for module in (assets, signin, screen, entries, decide, alerts, lists, audit):
        router.include_router(module.router)
    return router


def mount_web(app: FastAPI, handle: Callable[[], Clearance]) -> None:
    """Serve the pages on `app`. Mount it before the JSON API's routes: a page shares its path
    with an API route where both exist (`/lists`, `/alerts`...), answers only browsers (see
    `routing.PageRoute`) and leaves every other request to the API."""
    setattr(app.state, STATE_KEY, WebState(handle))
    app.include_router(web_router())
