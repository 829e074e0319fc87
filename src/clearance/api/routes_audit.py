"""The audit trail (`/audit...`): verify the chain, read records, replay one."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import Field

from clearance.api.deps import KEYED, Reader, errors
from clearance.api.wire_models import ChainHeadOut, RecordPageOut, ReplayOut, VerifyOut, returns
from clearance.service import audit_trail
from clearance.service.replay import replay_record

router = APIRouter(tags=["Audit"])

RecordRef = Annotated[
    str, Path(min_length=1, max_length=64, description="A record's number (seq) or id")
]
Kind = Annotated[str, Field(min_length=1, max_length=50)]


HeadText = Annotated[str, Query(max_length=100, description="SEQ:HASH from `/audit/head`")]


@router.get("/audit/verify", responses=errors(*KEYED), **returns(VerifyOut))
async def verify(who: Reader, expect_head: HeadText | None = None) -> dict[str, Any]:
    """Walk the whole chain: hashes, links, MACs, the head, purge markers, and the alert and
    ledger rows against their records. `ok` says the result; `note` what it cannot prove."""
    result = await run_in_threadpool(audit_trail.verify, who.app, expect_head)
    return result.to_dict()


@router.get("/audit/head", responses=errors(*KEYED), **returns(ChainHeadOut))
def head(who: Reader) -> dict[str, Any]:
    """The chain head (`SEQ:HASH`), to keep outside the store and pass to `expect_head`."""
    return audit_trail.head(who.app).to_dict()


@router.get("/audit/records", responses=errors(*KEYED), **returns(RecordPageOut))
def records(
    who: Reader,
    from_: Annotated[
        date | None, Query(alias="from", description="First day (UTC), inclusive")
    ] = None,
    to: Annotated[date | None, Query(description="Last day (UTC), inclusive")] = None,
    kind: Annotated[
        list[Kind] | None, Query(max_length=20, description="Only these kinds (repeatable)")
    ] = None,
    after: Annotated[
        int | None, Query(ge=0, le=2**62, description="Records numbered above this (paging)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="At most this many")] = 100,
) -> dict[str, Any]:
    """Records in seq order, a page at a time: pass `next_after` as `after` for the next."""
    page = audit_trail.records(who.app, from_, to, kind, after=after, limit=limit)
    return page.to_dict()


@router.post("/audit/replay/{record_ref}", responses=errors(*KEYED, 404), **returns(ReplayOut))
async def replay(
    record_ref: RecordRef,
    who: Reader,
    current: Annotated[
        bool, Query(description="Also answer with today's lists, rules and settings")
    ] = False,
) -> dict[str, Any]:
    """Recompute a screening or decision with what it used, and say whether the answer is
    identical (`identical`) or how it differs. Writes nothing."""
    report = await run_in_threadpool(lambda: replay_record(who.app, record_ref, current=current))
    return report.to_dict()
