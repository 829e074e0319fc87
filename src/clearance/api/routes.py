"""The routes: parse the request, call `core`, convert with `yente`, answer. No business logic."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from fastapi.responses import JSONResponse

from clearance.access import Permission
from clearance.api.auth import require
from clearance.api.core import MatchOptions
from clearance.api.deps import KEYED, AsOf, CoreDep, errors
from clearance.api.ftm import parse_entity_id
from clearance.api.wire_models import HealthOut, KeyOut, returns
from clearance.api.yente import (
    EntityMatches,
    EntityMatchQuery,
    EntityMatchResponse,
    EntityResponse,
    PartyQuery,
    Seen,
    entry_to_entity,
    hit_to_result,
    matches_response,
    query_to_parties,
)
from clearance.service.keys import Principal

router = APIRouter()


@router.get("/healthz", tags=["System"], responses=errors(503), **returns(HealthOut))
def healthz(core: CoreDep) -> Any:
    """200 when the service can screen: the store answers and a list version is in force."""
    health = core.health()
    if not health.ok:
        return JSONResponse(status_code=503, content={"detail": health.detail})
    return {
        "status": "ok",
        "lists": [
            {"list": v.list_name, "published": v.published.isoformat(), "entries": v.entry_count}
            for v in health.lists
        ],
    }


@router.post(
    "/match/{dataset}",
    tags=["Matching"],
    response_model=EntityMatchResponse,
    responses=errors(*KEYED, 404, 413),
)
def match(
    body: EntityMatchQuery,
    dataset: Annotated[
        str, Path(max_length=200, description="`default` (every list) or a list name")
    ],
    principal: Annotated[Principal, Depends(require(Permission.MATCH))],
    core: CoreDep,
    as_of: AsOf = None,
    limit: Annotated[int, Query(ge=1, le=500, description="Results per query")] = 5,
    threshold: Annotated[
        float | None, Query(ge=0, le=1, description="Score of a match (default: settings)")
    ] = None,
    cutoff: Annotated[
        float | None, Query(ge=0, le=1, description="Lowest score returned (default: review)")
    ] = None,
    algorithm: Annotated[
        str, Query(max_length=100, description="`best` or a clearance scorer's name")
    ] = "best",
) -> EntityMatchResponse:
    """yente's query-by-example matcher: each query is screened (and audited, with the key's
    name as actor) against the list versions in force; results are yente-shaped."""
    queries: dict[str, PartyQuery] = {}
    for key, example in body.queries.items():  # check every query before screening any
        try:
            queries[key] = query_to_parties(example)
        except ValueError as exc:
            raise HTTPException(status_code=400, detail=f"query {key!r}: {exc}") from exc
    options = MatchOptions(dataset, limit, threshold, cutoff, algorithm, as_of)
    outcomes = core.match([q.parties for q in queries.values()], options, actor=principal.name)
    responses: dict[str, EntityMatches] = {}
    for (key, query), outcome in zip(queries.items(), outcomes, strict=True):
        results = [hit_to_result(hit, version) for hit, version in outcome.hits]
        responses[key] = matches_response(body.queries[key], query.used, results)
    return EntityMatchResponse(responses=responses, limit=limit)


@router.get(
    "/entities/{entity_id}",
    tags=["Data access"],
    response_model=EntityResponse,
    responses=errors(*KEYED, 404),
)
def entity(
    entity_id: Annotated[
        str, Path(max_length=500, description="`{list}-{source id}`, e.g. `ofac-sdn-21344`")
    ],
    _: Annotated[Principal, Depends(require(Permission.READ))],
    core: CoreDep,
    as_of: AsOf = None,
    nested: Annotated[
        bool, Query(description="Include its sanction and links as nested entities")
    ] = True,
) -> EntityResponse:
    """One listed entry as a FollowTheMoney entity."""
    parsed = parse_entity_id(entity_id)
    if parsed is None:
        raise HTTPException(status_code=404, detail="No such entity!")
    found = core.entry(*parsed, as_of=as_of)
    seen = Seen(first=found.first_seen, last=found.version.published, changed=found.last_change)
    return entry_to_entity(found.entry, found.version, seen=seen, nested=nested)


@router.get("/keys", tags=["Keys"], responses=errors(*KEYED), **returns(list[KeyOut]))
def api_keys(
    _: Annotated[Principal, Depends(require(Permission.MANAGE_KEYS))], core: CoreDep
) -> list[dict[str, Any]]:
    """Every API key's name, role, prefix and state (never the key); admins only."""
    return [info.to_dict() for info in core.api_keys()]
