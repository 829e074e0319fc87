"""Request limits and guards, enforced before a route sees the request.

- Body limit, while the body streams in: `Content-Length` is checked first (a cheap early
  answer), but a chunked body has none and a client may lie, so every received chunk is counted
  too; past the limit the app is stopped with 413 whether or not it has started reading. Uploads
  of batch jobs (`POST /jobs`) have their own, larger limit.
- Control characters (NUL, ...) in the path or the query string: 400 at once. No list name,
  entry id or date contains one, and PostgreSQL cannot even compare a text with NUL in it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int, setting: str) -> None:
        super().__init__(413, f"request body larger than {limit} bytes ({setting})")


async def _answer(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


# (limit in bytes, the setting that sets it) for a request's method and path.
LimitOf = Callable[[str, str], tuple[int, str]]


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, limit_of: LimitOf) -> None:
        self.app = app
        self.limit_of = limit_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes, setting = self.limit_of(scope["method"], scope["path"])
        too_large = BodyTooLarge(max_bytes, setting)
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > max_bytes:
                    await _answer(send, 413, too_large.detail)
                    return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    # An HTTPException: FastAPI's body reader re-raises it as it is, and the
                    # exception handlers turn it into the 413 response.
                    raise too_large
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if started:
                raise
            await _answer(send, 413, too_large.detail)


def _has_control(raw: bytes) -> bool:
    return any(b < 0x20 or b == 0x7F for b in raw)


class ControlCharacterMiddleware:
    """400 for a path or query string with a control character, percent-encoded or not."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
            query = scope.get("query_string", b"")
            if _has_control(unquote_to_bytes(path)) or _has_control(unquote_to_bytes(query)):
                await _answer(
                    send, 400, "control characters (such as NUL) are not allowed in the URL"
                )
                return
        await self.app(scope, receive, send)
