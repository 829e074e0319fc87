"""The Decide page (`/decide`): a transaction as JSON (what `clearance decide` reads) or from a
simple form, decided on its date, with the trace as a readable page."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from clearance.access.roles import Permission
from clearance.decisions import Transaction
from clearance.service.decisions import decide
from clearance.service.errors import user_errors
from clearance.service.trace import cap_lines, purposes
from clearance.web.render import page
from clearance.web.routing import PageError, PageRoute
from clearance.web.screen import TYPES
from clearance.web.session import PostedForm, SignedIn, Visitor

router = APIRouter(route_class=PageRoute)

SIMPLE = (
    "party",
    "party_type",
    "country",
    "date",
    "purpose",
    "amount",
    "currency",
    "goods",
    "eccn",
    "export_authorization",
    "regions",
    "cap_holder",
)
EXAMPLE = {
    "id": "fee-2022-07-15",
    "date": "2022-07-15",
    "parties": [
        {
            "name": "Federal Security Service",
            "type": "organization",
            "country": "RU",
            "role": "payee",
        }
    ],
    "purpose": "import-authorization-fee",
    "goods": [
        {"description": "laser printers", "eccn": "5A992.c", "export_authorization": "D1234567"}
    ],
    "regions": ["RU"],
    "amount": {"value": 1200, "currency": "USD"},
    "cap_holder": "ACME Corp",
}


@dataclass
class DecideForm:
    transaction: str
    simple: dict[str, str]
    record: bool = False


def _default_form() -> DecideForm:
    simple = dict.fromkeys(SIMPLE, "")
    simple |= {"currency": "USD", "purpose": "import-authorization-fee"}
    return DecideForm(json.dumps(EXAMPLE, indent=2, ensure_ascii=False), simple)


def _page(
    request: Request, visitor: Visitor, form: DecideForm, status: int = 200, **context: Any
) -> Response:
    context.setdefault("error", "")
    context.setdefault("result", None)
    context.setdefault("caps", [])
    return page(
        request,
        "decide.html",
        status,
        title="Decide",
        form=form,
        purposes=purposes(visitor.app),
        types=TYPES,
        may_record=visitor.may(Permission.RECORD),
        **context,
    )


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]


def simple_transaction(fields: dict[str, str]) -> dict[str, Any]:
    """The transaction JSON of the simple form (one party, at most one goods line)."""
    party: dict[str, Any] = {"name": fields["party"], "role": "payee"}
    if fields["party_type"]:
        party["type"] = fields["party_type"]
    if fields["country"]:
        party["country"] = fields["country"]
    when = fields["date"] or date.today().isoformat()
    data: dict[str, Any] = {
        "id": f"web-{when}-{secrets.token_hex(4)}",
        "date": when,
        "parties": [party],
        "purpose": fields["purpose"],
        "regions": _split(fields["regions"]),
    }
    if fields["amount"]:
        data["amount"] = {"value": fields["amount"], "currency": fields["currency"] or "USD"}
    if fields["goods"]:
        line = {"description": fields["goods"]}
        if fields["eccn"]:
            line["eccn"] = fields["eccn"]
        if fields["export_authorization"]:
            line["export_authorization"] = fields["export_authorization"]
        data["goods"] = [line]
    if fields["cap_holder"]:
        data["cap_holder"] = fields["cap_holder"]
    return data


def json_transaction(text: str) -> Any:
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise PageError(
            400, f"Transaction: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except (RecursionError, ValueError) as exc:  # nested past the parser's depth; 4,300+ digits
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc).split(";")[0]
        raise PageError(400, f"Transaction: not JSON ({reason})") from None


@router.get("/decide")
def decide_form(request: Request, visitor: SignedIn) -> Response:
    visitor.require(Permission.DECIDE)
    return _page(request, visitor, _default_form())


@router.post("/decide")
def decide_submit(request: Request, sent: PostedForm) -> Response:
    visitor = sent.visitor
    visitor.require(Permission.DECIDE)
    simple = {k: sent.form.get(k).strip() for k in SIMPLE}
    form = DecideForm(sent.form.get("transaction"), simple, sent.form.get("record") == "yes")
    if form.record:
        visitor.require(Permission.RECORD)
    try:
        if sent.form.get("mode") == "simple":
            data = simple_transaction(simple)
        else:
            data = json_transaction(form.transaction)
        txn = Transaction.from_dict(data, "Transaction")
    except PageError as exc:
        return _page(request, visitor, form, 400, error=str(exc))
    except ValueError as exc:  # TransactionError, PartyError: the message names the field
        return _page(request, visitor, form, 400, error=str(exc))
    try:
        result = decide(visitor.app, txn, record=form.record).to_dict()
    except user_errors() as exc:  # an unknown purpose, a cap ledger refusal, ...
        return _page(request, visitor, form, 400, error=str(exc))
    form.transaction = json.dumps(txn.to_dict(), indent=2, ensure_ascii=False)
    return _page(request, visitor, form, result=result, caps=cap_lines(result))
