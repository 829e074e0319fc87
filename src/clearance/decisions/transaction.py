"""A transaction as the decision engine takes it in: parties, purpose, goods, regions, money.

`Transaction.from_dict` validates the JSON input (pydantic at the edge) and raises
`TransactionError` naming the record and the field; inside, everything is frozen dataclasses.
Money is `Decimal` throughout and rendered as a string in JSON, so no cent is lost to floats.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from clearance.decisions.codes import is_currency_code, is_region_code
from clearance.decisions.identity import canonical_holder
from clearance.model import EntryType, Party, content_hash
from clearance.schema import PartyIn, has_control


class TransactionError(ValueError):
    """A transaction record is malformed: names the record and the field."""


def money_text(value: Decimal) -> str:
    return f"{value:.2f}"


@dataclass(frozen=True, slots=True)
class Money:
    value: Decimal
    currency: str

    def to_dict(self) -> dict[str, str]:
        return {"value": money_text(self.value), "currency": self.currency}

    def __str__(self) -> str:
        return f"{self.currency} {self.value:,.2f}"


@dataclass(frozen=True, slots=True)
class GoodsLine:
    description: str
    eccn: str | None = None  # Export Control Classification Number, or EAR99
    # `NLR`, a BIS license number, or a License Exception code (goods.yaml says which forms
    # count). The engine checks the form and the Commerce rules of the date (NLR to Russia
    # no longer suffices for CCL items from 2022), not the license itself.
    export_authorization: str | None = None
    quantity: int | None = None
    hs_code: str | None = None  # Harmonized System code: `8443.31`, `030389`
    exported: date | None = None  # when the goods left; default: the transaction date

    def to_dict(self) -> dict[str, Any]:
        # Only what was given: the transaction's content hash must not change for a goods
        # line that does not use the newer fields.
        return {
            k: v
            for k, v in (
                ("description", self.description),
                ("eccn", self.eccn),
                ("export_authorization", self.export_authorization),
                ("quantity", self.quantity),
                ("hs_code", self.hs_code),
                ("exported", self.exported.isoformat() if self.exported else None),
            )
            if v is not None
        }


# --- input validation ------------------------------------------------------------------------


class _In(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


_HS_CODE = re.compile(r"^[0-9]{4}(\.?[0-9]{2}){0,3}$")


class _GoodsIn(_In):
    description: str = Field(min_length=1)
    eccn: str | None = None
    export_authorization: str | None = None
    quantity: int | None = Field(default=None, ge=0)
    hs_code: str | None = None
    exported: dt.date | None = None

    @field_validator("hs_code")
    @classmethod
    def _hs(cls, value: str | None) -> str | None:
        if value is not None and not _HS_CODE.match(value.strip()):
            raise ValueError(f"{value!r} is not an HS code (4 to 10 digits: 8471, 8443.31)")
        return value.strip() if value is not None else None


class _AmountIn(_In):
    value: Decimal = Field(ge=0)
    currency: str

    @field_validator("value")
    @classmethod
    def _cents(cls, value: Decimal) -> Decimal:
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -2:
            raise ValueError("at most two decimal places")
        return value

    @field_validator("currency")
    @classmethod
    def _iso(cls, value: str) -> str:
        if not is_currency_code(value.upper()):
            raise ValueError(f"{value!r} is not an ISO 4217 currency code")
        return value.upper()


# The ledger's columns (transaction_id, holder) are 200 characters wide.
MAX_KEY_LENGTH = 200


def check_cap_holder(value: str, where: str = "cap_holder") -> str:
    """A cap holder (or transaction id) as given on a flag, a query or in settings: the same
    rules as in a transaction, so that every backend refuses it alike before any database
    sees it (PostgreSQL cannot store NUL, and its columns are 200 characters wide)."""
    if not value.strip():
        raise TransactionError(f"{where}: must not be empty")
    if len(value) > MAX_KEY_LENGTH:
        raise TransactionError(f"{where}: at most {MAX_KEY_LENGTH} characters (got {len(value)})")
    if has_control(value):
        raise TransactionError(f"{where}: control characters (such as NUL) are not allowed")
    if where == "cap_holder":
        problem = _keyed_length_problem(value)
        if problem:
            raise TransactionError(f"{where}: {problem}")
    return value


def _keyed_length_problem(holder: str) -> str | None:
    """The ledger keys caps by the canonical holder, which casefolding can lengthen
    (`ß` -> `ss`, `㍿` -> `株式会社`): it must fit the ledger's column too."""
    keyed = len(canonical_holder(holder))
    if keyed > MAX_KEY_LENGTH:
        return f"{keyed} characters once normalized as the ledger keys it; at most {MAX_KEY_LENGTH}"
    return None


class _TransactionIn(_In):
    id: str = Field(min_length=1, max_length=MAX_KEY_LENGTH)
    date: dt.date
    # The one party model every door uses (clearance.schema): same rules as `screen`.
    parties: list[PartyIn] = Field(min_length=1)
    purpose: str = Field(min_length=1)
    goods: list[_GoodsIn] = []
    regions: list[str] = []
    amount: _AmountIn | None = None
    cap_holder: str | None = Field(default=None, min_length=1, max_length=MAX_KEY_LENGTH)

    @field_validator("id", "purpose", "cap_holder")
    @classmethod
    def _no_control(cls, value: str | None) -> str | None:
        # PostgreSQL text cannot hold NUL (SQLite can): refuse it here, on every backend.
        if value is not None and has_control(value):
            raise ValueError("control characters (such as NUL) are not allowed")
        return value

    @field_validator("cap_holder")
    @classmethod
    def _holder_fits(cls, value: str | None) -> str | None:
        problem = _keyed_length_problem(value) if value is not None else None
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("regions")
    @classmethod
    def _regions(cls, values: list[str]) -> list[str]:
        for value in values:
            if not is_region_code(value.upper()):
                raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 or 3166-2 code")
        return [v.upper() for v in values]


@dataclass(frozen=True, slots=True)
class Transaction:
    id: str
    date: date
    parties: tuple[Party, ...]
    purpose: str
    goods: tuple[GoodsLine, ...] = ()
    regions: tuple[str, ...] = ()  # ISO 3166-1 alpha-2 or ISO 3166-2 (UA-43)
    amount: Money | None = None
    cap_holder: str | None = None

    @classmethod
    def from_dict(cls, data: Any, where: str = "transaction") -> Transaction:
        if not isinstance(data, Mapping):
            raise TransactionError(f"{where}: expected a JSON object")
        try:
            parsed = _TransactionIn.model_validate(dict(data))
        except ValidationError as exc:
            problems = "; ".join(
                ".".join(str(p) for p in err["loc"])
                + ": "
                + err["msg"].removeprefix("Value error, ")
                for err in exc.errors()
            )
            record = f" (id {data['id']})" if isinstance(data.get("id"), str) else ""
            raise TransactionError(f"{where}{record}: {problems}") from exc
        return cls(
            id=parsed.id,
            date=parsed.date,
            parties=tuple(p.to_party() for p in parsed.parties),
            purpose=parsed.purpose,
            goods=tuple(
                GoodsLine(
                    g.description,
                    g.eccn,
                    g.export_authorization,
                    g.quantity,
                    g.hs_code,
                    g.exported,
                )
                for g in parsed.goods
            ),
            regions=tuple(parsed.regions),
            amount=Money(parsed.amount.value, parsed.amount.currency) if parsed.amount else None,
            cap_holder=parsed.cap_holder,
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "date": self.date.isoformat(),
            "parties": [_party_as_given(p) for p in self.parties],
            "purpose": self.purpose,
            "goods": [g.to_dict() for g in self.goods],
            "regions": list(self.regions),
        }
        if self.amount is not None:
            out["amount"] = self.amount.to_dict()
        if self.cap_holder is not None:
            out["cap_holder"] = self.cap_holder
        return out

    def content_hash(self) -> str:
        return content_hash(self.to_dict())


# --- reading a transaction input: one object, an array, or JSON lines ------------------------


@dataclass(frozen=True, slots=True)
class TransactionRecord:
    """One record of a transaction input: its JSON value, or why it could not be read."""

    where: str  # `name`, `name[3]` (an array) or `name:3` (JSON lines)
    data: Any = None
    error: TransactionError | None = None


@dataclass(frozen=True, slots=True)
class TransactionInput:
    records: tuple[TransactionRecord, ...]
    many: bool  # an array or JSON lines: the answer is then one line per record


def _json(text: str) -> Any:
    """JSON with amounts as exact decimals; every way it can fail is a `ValueError`."""
    try:
        return json.loads(text, parse_float=Decimal)
    except RecursionError:
        raise ValueError("nested too deeply") from None
    # Other ValueErrors: a JSONDecodeError, or an integer of more than 4,300 digits.


def _not_json(where: str, exc: ValueError) -> TransactionError:
    reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc).split(";")[0]
    return TransactionError(f"{where}: not JSON: {reason}")


def _is_json_lines(text: str) -> bool:
    """Whether input that is not one JSON document is JSON lines (one record a line).

    A document that starts an array, or an object on a line of its own, is one document, so
    a syntax error in it refuses it whole; only a record on a single line is read as JSON lines,
    whose lines are judged one by one.
    """
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    return len(lines) > 1 and lines[0].startswith("{") and lines[0] != "{"


# One transaction names a few parties and goods: kilobytes. A record (a JSON-lines line) over
# MAX_RECORD_BYTES is refused unread, and so is one JSON document (an object or an array) over
# MAX_DOCUMENT_BYTES: JSON lines, read line by line, carry a batch of any size. (`make fuzz`
# made a 1 GB document that took over 10 CPU seconds to parse before the model refused it.)
MAX_RECORD_BYTES = 1_000_000
MAX_DOCUMENT_BYTES = 64_000_000


def read_transactions(data: str | bytes, name: str) -> TransactionInput:
    """One JSON object, a JSON array, or JSON lines (docs/decisions.md).

    A malformed document (or an array) is refused whole (`TransactionError`); in JSON lines,
    a line that is not UTF-8 or not JSON is a record with its error, named `name:LINE`, and
    the other lines are read: a batch decides its good records and reports the bad ones.
    """
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    if len(raw) > MAX_DOCUMENT_BYTES and not _starts_as_json_lines(raw):
        raise TransactionError(
            f"{name}: one JSON document of {len(raw):,} bytes (at most "
            f"{MAX_DOCUMENT_BYTES:,}): give a batch this large as JSON lines, one transaction "
            "a line"
        )
    if len(raw) > MAX_RECORD_BYTES and _one_object(raw):
        raise TransactionError(
            f"{name}: one transaction of {len(raw):,} bytes (at most {MAX_RECORD_BYTES:,})"
        )
    if _starts_as_json_lines(raw) and raw.find(b"\n") > MAX_RECORD_BYTES:
        # JSON lines whose first record is already too large to parse as a document's start.
        return TransactionInput(tuple(_json_lines(raw, name)), True)
    text = raw.decode("utf-8", "replace")
    try:
        whole = _json(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        if not _is_json_lines(text):
            raise TransactionError(
                f"{name}: not UTF-8 text (byte {exc.start + 1}: {exc.reason})"
            ) from None
    except ValueError as exc:
        extra = isinstance(exc, json.JSONDecodeError) and exc.msg == "Extra data"
        if not extra and not _is_json_lines(text):
            line = exc.lineno if isinstance(exc, json.JSONDecodeError) else None
            raise _not_json(f"{name}:{line}" if line else name, exc) from None
    else:
        if isinstance(whole, list):
            return TransactionInput(
                tuple(TransactionRecord(f"{name}[{i}]", item) for i, item in enumerate(whole)),
                True,
            )
        return TransactionInput((TransactionRecord(name, whole),), False)
    return TransactionInput(tuple(_json_lines(raw, name)), True)


def _one_object(raw: bytes) -> bool:
    return raw.lstrip(b" \t\r\n").startswith(b"{") and not _starts_as_json_lines(raw)


def _starts_as_json_lines(raw: bytes) -> bool:
    """`_is_json_lines` judged on the first line only (cheap on a huge input): a record on
    a line of its own, with more after it."""
    end = raw.find(b"\n")
    first = raw[:end].strip() if end >= 0 else b""
    return first.startswith(b"{") and first != b"{" and bool(raw[end + 1 :].strip())


def _json_lines(raw: bytes, name: str) -> list[TransactionRecord]:
    records = []
    for number, line in enumerate(raw.split(b"\n"), start=1):
        where = f"{name}:{number}"
        if len(line) > MAX_RECORD_BYTES:
            problem = f"{where}: a line of {len(line):,} bytes (a transaction is at most "
            problem += f"{MAX_RECORD_BYTES:,})"
            records.append(TransactionRecord(where, error=TransactionError(problem)))
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            problem = f"{where}: not UTF-8 text (byte {exc.start + 1} of the line: {exc.reason})"
            records.append(TransactionRecord(where, error=TransactionError(problem)))
            continue
        if not text.strip():
            continue
        try:
            records.append(TransactionRecord(where, _json(text)))
        except ValueError as exc:
            records.append(TransactionRecord(where, error=_not_json(where, exc)))
    return records


def _party_as_given(party: Party) -> dict[str, Any]:
    """The party as the transaction gave it: only the fields it set.

    Not the wire form (`model.party_to_dict`): this is part of the transaction's content
    hash, the ledger's idempotency check for a repeated transaction id, so it must stay stable
    across versions — a recorded transaction sent again must hash the same.
    """
    out: dict[str, Any] = {"name": party.name}
    if party.type is not EntryType.UNKNOWN:
        out["type"] = party.type.value
    for key in ("country", "dob", "role", "address", "city"):
        if getattr(party, key) is not None:
            out[key] = getattr(party, key)
    if party.identifiers:
        out["identifiers"] = [
            {k: v for k, v in (("kind", i.kind), ("value", i.value), ("country", i.country)) if v}
            for i in party.identifiers
        ]
    return out
