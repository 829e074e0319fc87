"""`Authorization: ApiKey <key>` (what yente clients send) -> the calling key, or 401/403.

`require(Permission.MATCH)` is a route dependency that answers 401 for a missing, malformed,
unknown or revoked key and 403 when the key's role lacks the permission; it returns the
`Principal`, whose `name` routes pass on as the audit actor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import APIKeyHeader

from clearance.access import Permission
from clearance.api.core import Core
from clearance.service.keys import Principal

SCHEME = "ApiKey"
_CHALLENGE = {"WWW-Authenticate": SCHEME}

# Declared as a security scheme so that /docs offers to send the header.
authorization_header = APIKeyHeader(
    name="Authorization",
    auto_error=False,
    description="`ApiKey <key>`, a key made with `clearance keys create`.",
)


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status_code=401, detail=detail, headers=_CHALLENGE)


def core_of(request: Request) -> Core:
    core: Core = request.app.state.core
    return core


def require(permission: Permission) -> Callable[..., Principal]:
    def dependency(
        request: Request, authorization: Annotated[str | None, Depends(authorization_header)]
    ) -> Principal:
        if not authorization:
            raise _unauthorized(f"an API key is required: send `Authorization: {SCHEME} <key>`")
        scheme, _, key = authorization.strip().partition(" ")
        if scheme.lower() != SCHEME.lower() or not key.strip():
            raise _unauthorized(f"the Authorization header must read `{SCHEME} <key>`")
        principal = core_of(request).authenticate(key.strip())
        if principal is None:
            raise _unauthorized("invalid or revoked API key")
        if not principal.may(permission):
            raise HTTPException(
                status_code=403,
                detail=f"the role {principal.role.value!r} of key {principal.name!r} "
                f"does not allow {permission.value!r}",
            )
        request.state.principal = principal
        return principal

    return dependency
