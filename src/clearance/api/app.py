"""The FastAPI application: `create_app(loaded_settings)`.

Every error answers JSON `{"detail": "..."}` (yente's `ErrorResponse`): malformed JSON 400,
wrong shapes, control characters and over-long values 422 (with `errors`, the places and
reasons, never echoing the input), bodies over `api_max_body_bytes` 413, and any bug 500
without internals. `clearance serve` runs `app_from_environment` in each uvicorn worker.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from clearance.api.core import Core, CoreError
from clearance.api.limits import BodyLimitMiddleware
from clearance.api.routes import router
from clearance.settings import LoadedSettings, load_settings
from clearance.web import mount_web

# `clearance serve` hands its flags to the workers through this variable, so that their
# settings keep `flag` as the source of those values (see `app_from_environment`).
FLAGS_ENV = "CLEARANCE_SERVE_FLAGS_JSON"

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


async def _server_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(status_code=500, content={"detail": "internal error (see server log)"})


def create_app(loaded: LoadedSettings | None = None) -> FastAPI:
    loaded = loaded or load_settings()
    core = Core(loaded)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
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
    app.add_middleware(BodyLimitMiddleware, max_bytes=loaded.settings.api_max_body_bytes)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(CoreError, _core_error)
    app.add_exception_handler(Exception, _server_error)
    mount_web(app, core.app)  # before the API's routes: pages answer browsers on shared paths
    app.include_router(router)
    return app


def app_from_environment() -> FastAPI:
    """The uvicorn factory: settings from the environment plus `clearance serve`'s flags."""
    flags = json.loads(os.environ.get(FLAGS_ENV) or "{}")
    return create_app(load_settings(flags))
