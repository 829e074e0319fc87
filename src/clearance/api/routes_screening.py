"""`POST /screen` (one party) and `POST /decide` (a transaction): the wire schema's JSON."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import Field

from clearance.access import Permission
from clearance.api.deps import KEYED, AsOf, Caller, CoreDep, caller, errors
from clearance.api.wire_models import DecisionOut, ScreeningOut, WireJSON, documented, returns
from clearance.decisions.transaction import Transaction, TransactionError, _TransactionIn
from clearance.schema import PartyIn, has_control
from clearance.service.decisions import decide
from clearance.service.screening import ScreenRequest

router = APIRouter(tags=["Screening and decisions"])

MAX_TRANSACTIONS = 100  # per request; larger sets go through the CLI or a batch job


class TransactionIn(_TransactionIn):
    """A transaction as `clearance decide` reads it (docs/decisions.md)."""


Lists = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=200)]] | None,
    Query(max_length=50, description="Only these lists (repeat the parameter); default all"),
]


# The hot route: the dict goes out as it is (no second pass through the model); the tests
# check it against the documented schema.
@router.post(
    "/screen", response_model=None, responses=errors(*KEYED, 404, 413) | documented(ScreeningOut)
)
def screen(
    party: PartyIn,
    who: Annotated[Caller, Depends(caller(Permission.MATCH))],
    core: CoreDep,
    as_of: AsOf = None,
    lists: Lists = None,
    threshold: Annotated[
        float | None, Query(ge=0, le=1, description="Lowest score reported (default: review)")
    ] = None,
    top: Annotated[int, Query(ge=1, le=500, description="At most this many hits")] = 10,
) -> WireJSON:
    """Screen one party (the wire schema's party) against the lists in force on `as_of`:
    hits with explanations and review status, and the audit record (the key is the actor)."""
    request = ScreenRequest(as_of=as_of, lists=lists, threshold=threshold, top=top)
    return WireJSON(core.screen(party.to_party(), request, actor=who.principal.name).to_dict())


def _control_at(value: Any, where: str) -> str | None:
    """Where in a JSON value a string holds a control character (NUL, ...), if anywhere."""
    if isinstance(value, str):
        return where if has_control(value) else None
    if isinstance(value, list):
        items: Any = enumerate(value)
    elif isinstance(value, dict):
        items = value.items()
    else:
        return None
    for key, item in items:
        found = _control_at(str(key), where) or _control_at(item, f"{where}.{key}")
        if found:
            return found
    return None


def _transactions(raw: bytes) -> tuple[list[Transaction], bool]:
    """The body again, read as `clearance decide` reads it: amounts as exact decimals."""
    data = json.loads(raw, parse_float=Decimal)
    place = _control_at(data, "body")
    if place:
        raise TransactionError(f"{place}: control characters (such as NUL) are not allowed")
    many = isinstance(data, list)
    items = data if many else [data]
    where = "body[{}]" if many else "body"
    return [Transaction.from_dict(item, where.format(i)) for i, item in enumerate(items)], many


@router.post(
    "/decide",
    responses=errors(*KEYED, 404, 413),
    **returns(DecisionOut | list[DecisionOut]),
)
async def decide_route(
    body: TransactionIn | Annotated[list[TransactionIn], Field(min_length=1, max_length=100)],
    request: Request,
    who: Annotated[Caller, Depends(caller(Permission.DECIDE))],
    record: Annotated[
        bool, Query(description="Record: draw authorized amounts down (analysts and up)")
    ] = False,
    cap_holder: Annotated[
        str | None, Query(min_length=1, max_length=200, description="Whose caps to draw on")
    ] = None,
) -> Any:
    """CLEAR / AUTHORIZED / PROHIBITED / REVIEW for a transaction (or an array of them, answered
    in order) on its date, with its trace and audit record. `record=true` draws the caps."""
    if record and not who.may(Permission.RECORD):
        raise HTTPException(
            status_code=403,
            detail=f"the role {who.principal.role.value!r} of key {who.principal.name!r} does "
            "not allow 'record' (decide without record=true)",
        )
    try:
        transactions, many = _transactions(await request.body())
    except TransactionError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc

    def run() -> list[dict[str, Any]]:
        return [
            decide(who.app, txn, record=record, cap_holder=cap_holder).to_dict()
            for txn in transactions
        ]

    answers = await run_in_threadpool(run)
    return answers if many else answers[0]
