"""What every route module shares: the caller's handle, common parameters, error responses.

No `from __future__ import annotations` here: FastAPI reads the annotations of `caller`'s
inner dependency at run time, and they name a local (`permission`).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from pydantic import BaseModel

from clearance.access import Permission
from clearance.api.auth import core_of, require
from clearance.api.core import Core
from clearance.service import Clearance
from clearance.service.keys import Principal

CoreDep = Annotated[Core, Depends(core_of)]
AsOf = Annotated[date | None, Query(description="As the lists in force on this date had it")]
# Every keyed route may answer these: a control character in the URL (400), no or a bad key
# (401), a role without the permission (403), parameters of the wrong shape (422), no store
# (503).
KEYED = (400, 401, 403, 422, 503)


class ErrorResponse(BaseModel):
    """Every error: a message, and for 422 the place and reason of each problem."""

    detail: str
    errors: list[dict[str, Any]] | None = None


_DESCRIBED = {
    400: "Invalid request",
    401: "Missing, invalid or revoked API key",
    403: "The key's role does not allow this",
    404: "Not found",
    409: "Conflicts with the current state",
    413: "Request body over the limit",
    422: "Request of the wrong shape",
    503: "The store is unreachable or holds no list in force",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The documented error responses of a route (always JSON `{"detail": ...}`)."""
    return {
        code: {"description": _DESCRIBED[code], "model": ErrorResponse}
        for code in sorted(set(codes))
    }


@dataclass(frozen=True, slots=True)
class Caller:
    """Who calls (the key) and the store handle acting for them (the audit actor)."""

    principal: Principal
    app: Clearance

    def may(self, permission: Permission) -> bool:
        return self.principal.may(permission)


def caller(permission: Permission) -> Callable[..., Caller]:
    """A dependency: the caller, after `require(permission)`, with a handle acting for them."""

    def dependency(
        request: Request, principal: Annotated[Principal, Depends(require(permission))]
    ) -> Caller:
        return Caller(principal, core_of(request).app(principal.name))

    return dependency


Reader = Annotated[Caller, Depends(caller(Permission.READ))]
