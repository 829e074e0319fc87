"""`POST /monitor/run` and `GET /monitor/runs`: ongoing monitoring over HTTP.

Thin, as every route: parse, call `clearance.service.monitoring` with the caller's key name as
the audit actor, answer in the wire schema (the same JSON as `clearance monitor run --format
json` and `clearance monitor runs --format json`). Running needs the `record` permission (an
analyst key or above: a run writes alerts and an audit record); reading runs needs `read`
(any key).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, ConfigDict

from clearance.access import Permission
from clearance.api.auth import core_of, require
from clearance.api.core import Core
from clearance.api.wire_models import MonitorResultOut, MonitorRunOut, returns
from clearance.service.errors import StoreError
from clearance.service.keys import Principal
from clearance.service.monitoring import MonitorError, monitor_runs, run_monitor

router = APIRouter(tags=["Monitoring"])

CoreDep = Annotated[Core, Depends(core_of)]


class MonitorRunRequest(BaseModel):
    """What to run: the lists in force on `as_of` (default today); `full` screens the whole
    book forward again instead of only what changed."""

    model_config = ConfigDict(extra="forbid")

    as_of: date | None = None
    full: bool = False


_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Malformed request (a control character in the URL, bad JSON)"},
    401: {"description": "Missing, invalid or revoked API key"},
    403: {"description": "The key's role does not allow this"},
    409: {"description": "Another monitor run finished while this one ran: run again"},
    422: {"description": "Request of the wrong shape, or no list in force on the date"},
    503: {"description": "The store is unreachable"},
}


@router.post("/monitor/run", responses=_ERRORS, **returns(MonitorResultOut))
def monitor_run(
    principal: Annotated[Principal, Depends(require(Permission.RECORD))],
    core: CoreDep,
    body: MonitorRunRequest | None = None,
) -> dict[str, Any]:
    """Screen what changed since the last run (everything on the first) and raise alerts for
    what is new: `{"parties", "screened", "new_alerts": [{"party_id", "list", "source_id",
    "score", "reason"}], "list_versions"}`. One `monitor_run` audit record per run."""
    request = body or MonitorRunRequest()
    try:
        result = run_monitor(core.app(principal.name), as_of=request.as_of, full=request.full)
    except MonitorError as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from exc
    except StoreError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    return result.to_dict()


@router.get("/monitor/runs", responses=_ERRORS, **returns(list[MonitorRunOut]))
def runs(
    _: Annotated[Principal, Depends(require(Permission.READ))],
    core: CoreDep,
    limit: Annotated[int, Query(ge=1, le=1000, description="How many, newest first")] = 20,
) -> list[dict[str, Any]]:
    """The latest monitor runs, newest first: kind, date, list versions, counts, new alerts
    (ids in `summary.alerts`) and the audit record."""
    return [run.to_dict() for run in monitor_runs(core.app(), limit=limit)]
