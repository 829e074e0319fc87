"""The FastAPI application: `create_app(loaded_settings)`.

Every error answers JSON `{"detail": "..."}` (yente's `ErrorResponse`): malformed JSON 400,
wrong shapes, control characters and over-long values 422 (with `errors`, the places and
reasons, never echoing the input), bodies over `api_max_body_bytes` 413, the service's request
errors 404 / 409 / 403 / 422 / 400 by their kind, and any bug 500 without internals.
`clearance serve` runs `app_from_environment` in each uvicorn worker.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from clearance.api import (
    routes,
    routes_audit,
    routes_decisions,
    routes_jobs,
    routes_lists,
    routes_review,
    routes_screening,
)
from clearance.api.core import Core, CoreError
from clearance.api.limits import BodyLimitMiddleware, ControlCharacterMiddleware
from clearance.api.monitor_routes import router as monitor_router
from clearance.service.errors import kind_of, user_errors
from clearance.settings import LoadedSettings, Settings, load_settings
from clearance.web import mount_web

# `clearance serve` hands its flags to the workers through this variable, so that their
# settings keep `flag` as the source of those values (see `app_from_environment`).
FLAGS_ENV = "CLEARANCE_SERVE_FLAGS_JSON"
# ... and the id of this server start, shared by its workers (see `Core.start`).
SERVER_ENV = "CLEARANCE_SERVE_ID"
ROUTERS = (
    routes.router,
    routes_screening.router,
    routes_lists.router,
    routes_review.router,
    routes_audit.router,
    routes_decisions.router,
    routes_jobs.router,
)
# Routes whose body is a file streamed to disk: the upload limit instead of the body limit.
UPLOAD_PATHS = frozenset({routes_jobs.UPLOAD_PATH, routes_lists.IMPORT_PATH})
_STATUS = {"not_found": 404, "conflict": 409, "forbidden": 403}

log = logging.getLogger(__name__)


def _version() -> str:
    try:
        return version("clearance")
    except PackageNotFoundError:
        return "unknown"


def _where(loc: tuple[int | str, ...] | list[int | str]) -> str:
    return ".".join(str(part) for part in loc)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    malformed = any(e.get("type") == "json_invalid" for e in errors)
    shown = []
    for error in errors[:20]:
        message = str(error.get("msg", "invalid"))
        reason = (error.get("ctx") or {}).get("error")
        if error.get("type") == "json_invalid" and reason:
            message = f"malformed JSON: {reason}"
        shown.append({"loc": list(error.get("loc", ())), "msg": message, "type": error["type"]})
    detail = "; ".join(f"{_where(e['loc'])}: {e['msg']}" for e in shown)
    return JSONResponse(
        status_code=400 if malformed else 422, content={"detail": detail, "errors": shown}
    )


async def _core_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CoreError)
    return JSONResponse(status_code=exc.status, content={"detail": str(exc)})


async def _request_error(_: Request, exc: Exception) -> JSONResponse:
    """A request error of the service: 404, 409, 403, or 422 for bad input, else 400."""
    kind = kind_of(exc)
    status = _STATUS.get(kind) or (422 if isinstance(exc, ValueError) else 400)
    return JSONResponse(status_code=status, content={"detail": str(exc)})


def _limit_of(settings: Settings) -> Callable[[str, str], tuple[int, str]]:
    def limit(method: str, path: str) -> tuple[int, str]:
        if method == "POST" and path.rstrip("/") in UPLOAD_PATHS:
            return settings.api_max_upload_bytes, "api_max_upload_bytes"
        return settings.api_max_body_bytes, "api_max_body_bytes"

    return limit


async def _server_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(status_code=500, content={"detail": "internal error (see server log)"})


def create_app(loaded: LoadedSettings | None = None, server: str | None = None) -> FastAPI:
    loaded = loaded or load_settings()
    core = Core(loaded, server or os.environ.get(SERVER_ENV))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        core.start()
        yield
        core.dispose()

    app = FastAPI(
        title="clearance",
        version=_version(),
        description="Sanctions screening with a yente-compatible `/match/{dataset}`. "
        "Send `Authorization: ApiKey <key>` (keys: `clearance keys create`).",
        lifespan=lifespan,
    )
    app.state.core = core
    app.add_middleware(BodyLimitMiddleware, limit_of=_limit_of(loaded.settings))
    app.add_middleware(ControlCharacterMiddleware)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(CoreError, _core_error)
    for error in user_errors():
        app.add_exception_handler(error, _request_error)
    app.add_exception_handler(Exception, _server_error)
    mount_web(app, core.app)  # before the API's routes: pages answer browsers on shared paths
    for router in ROUTERS:
        app.include_router(router)
    app.include_router(monitor_router)
    return app


def app_from_environment() -> FastAPI:
    """The uvicorn factory: settings from the environment plus `clearance serve`'s flags."""
    flags = json.loads(os.environ.get(FLAGS_ENV) or "{}")
    return create_app(load_settings(flags))
