"""Licenses and the cap ledger (`/licenses...`, `/ledger...`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator

from clearance.access import Permission
from clearance.api.deps import KEYED, AsOf, Caller, Reader, caller, errors
from clearance.api.wire_models import (
    LedgerOut,
    LedgerRowOut,
    LicenseOut,
    LicenseRowOut,
    RegisteredOut,
    documented,
    returns,
)
from clearance.service.decisions import (
    ledger_view,
    license_detail,
    license_rows,
    register_specific_license_text,
    reverse_drawdown,
)

router = APIRouter(tags=["Licenses and ledger"])


@router.get("/licenses", responses=errors(*KEYED), **returns(list[LicenseRowOut]))
def licenses(who: Reader, as_of: AsOf = None) -> list[dict[str, Any]]:
    """General license versions (the rule files) and registered specific licenses, one row
    each; with `as_of`, only those in force on that date."""
    return license_rows(who.app, as_of)


@router.get(
    "/licenses/{license_id}",
    response_model=None,  # the use case's dump of the license model, sent as it is
    responses=errors(*KEYED, 404) | documented(LicenseOut),
)
def license_(
    license_id: Annotated[str, Path(max_length=200, description="`CYBER-GL-1B`, a number")],
    who: Reader,
) -> dict[str, Any]:
    """One license: its terms, validity and the source of every value."""
    return license_detail(who.app, license_id)


@router.post(
    "/licenses/specific",
    status_code=201,
    response_model=None,
    responses=errors(*KEYED, 413)
    | documented(RegisteredOut, 201, "Registered")
    | documented(RegisteredOut, 200, "Registered already, unchanged"),
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The license file (YAML, or the same as JSON): docs/decisions.md",
            "content": {
                "application/yaml": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "object"}},
            },
        }
    },
)
async def add_specific(
    request: Request, who: Annotated[Caller, Depends(caller(Permission.IMPORT_LISTS))]
) -> Any:
    """Register a specific license issued to you (admins); validated against the rules and
    audited. The same content again is a no-op (200); a new one 201."""
    raw = await request.body()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HTTPException(status_code=400, detail=f"not UTF-8 text ({exc.reason})") from exc
    if "\x00" in text:
        raise HTTPException(status_code=400, detail="NUL characters are not allowed")
    origin = f"api:{who.principal.name}"
    result = await run_in_threadpool(register_specific_license_text, who.app, text, origin)
    lic = result.license
    body = {
        "number": lic.number,
        "holder": lic.holder,
        "created": result.created,
        "registered_at": result.registered_at.isoformat(),
    }
    return JSONResponse(status_code=201 if result.created else 200, content=body)


@router.get("/ledger", responses=errors(*KEYED), **returns(LedgerOut))
def ledger(
    who: Reader,
    holder: Annotated[str | None, Query(max_length=200, description="Only this holder")] = None,
    year: Annotated[int | None, Query(ge=1, le=9999, description="Periods touching it")] = None,
) -> dict[str, Any]:
    """Used and remaining amount per cap, with every drawdown and reversal."""
    return ledger_view(who.app, holder, year)


class ReversalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(min_length=1, max_length=2000, description="Why (recorded)")

    @field_validator("note")
    @classmethod
    def _printable(cls, value: str) -> str:
        if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in value) or not value.strip():
            raise ValueError("a note of printable text is required")
        return value


@router.post(
    "/ledger/{transaction_id}/reverse",
    responses=errors(*KEYED, 404, 409, 413),
    **returns(list[LedgerRowOut]),
)
def reverse(
    transaction_id: Annotated[str, Path(max_length=200, description="The transaction's id")],
    body: ReversalIn,
    who: Annotated[Caller, Depends(caller(Permission.RECORD))],
) -> list[dict[str, Any]]:
    """Undo a transaction's drawdowns with new negative rows (analysts and up), audited."""
    return [row.to_dict() for row in reverse_drawdown(who.app, transaction_id, body.note)]
