"""The stylesheet, package data served as they are (nothing fetched elsewhere)."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from fastapi import APIRouter
from starlette.responses import Response

from clearance.web.render import secure

router = APIRouter()

ASSETS = {"style.css": "text/css; charset=utf-8"}


@cache
def _asset(name: str) -> bytes:
    return files("clearance.web").joinpath("static", name).read_bytes()


@router.get("/static/{name}")
def asset(name: str) -> Response:
    if name not in ASSETS:
        return secure(Response("no such file", status_code=404, media_type="text/plain"))
    response = Response(_asset(name), media_type=ASSETS[name])
    response.headers["Cache-Control"] = "public, max-age=3600"
    return secure(response)
