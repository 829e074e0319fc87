"""Reading a transaction input (`read_transactions`): one document, an array, or JSON lines.

A document (an object or an array) stands or falls whole; JSON lines are judged line by line,
so that a batch decides its good records and names each bad line (docs/decisions.md).
"""

from __future__ import annotations

import json

import pytest

from clearance.decisions import Transaction, TransactionError
from clearance.decisions.transaction import read_transactions

FEE = {
    "id": "t1",
    "date": "2022-06-20",
    "parties": [{"name": "Federal Security Service", "type": "organization", "country": "RU"}],
    "purpose": "import-authorization-fee",
    "amount": {"value": 1200.10, "currency": "USD"},
}


def test_one_object_an_array_and_json_lines() -> None:
    one = read_transactions(json.dumps(FEE), "fee.json")
    assert (one.many, [r.where for r in one.records]) == (False, ["fee.json"])
    assert str(Transaction.from_dict(one.records[0].data).amount) == "USD 1,200.10"
    array = read_transactions(json.dumps([FEE, FEE | {"id": "t2"}]).encode(), "fees.json")
    assert (array.many, [r.where for r in array.records]) == (
        True,
        ["fees.json[0]", "fees.json[1]"],
    )
    lines = read_transactions(
        b"\xef\xbb\xbf" + f"{json.dumps(FEE)}\n\n{json.dumps(FEE)}\r\n".encode(), "fees.jsonl"
    )
    assert [(r.where, r.error) for r in lines.records] == [
        ("fees.jsonl:1", None),
        ("fees.jsonl:3", None),
    ]


def test_a_bad_line_of_json_lines_is_a_record_with_its_error() -> None:
    text = "\n".join(
        ['{"id": "t0", "date": 2022-06-20}', json.dumps(FEE), "[1, 2", json.dumps(FEE)]
    )
    read = read_transactions(text, "<stdin>")
    assert read.many
    assert [r.where for r in read.records] == [f"<stdin>:{n}" for n in (1, 2, 3, 4)]
    assert [str(r.error) if r.error else None for r in read.records] == [
        "<stdin>:1: not JSON: Expecting ',' delimiter",
        None,
        "<stdin>:3: not JSON: Expecting ',' delimiter",
        None,
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{\n  "id": "t1",\n  "date": \n}\n', "doc.json:4: not JSON: Expecting value"),
        ('[\n{"id": "t1"},\n{"id": "t2"\n]\n', "doc.json:4: not JSON: Expecting ',' delimiter"),
        ('{"id": "t1", "date": }', "doc.json:1: not JSON: Expecting value"),
        ("[" * 200_000, "doc.json: not JSON: nested too deeply"),
        ('{"amount": ' + "1" * 4_400 + "}", "doc.json: not JSON: Exceeds the limit (4300 digits)"),
    ],
)
def test_a_malformed_document_is_refused_whole(text: str, message: str) -> None:
    """A pretty-printed object or an array is one document: its lines are not records."""
    with pytest.raises(TransactionError) as caught:
        read_transactions(text, "doc.json")
    assert str(caught.value).startswith(message)


def test_a_document_that_is_not_utf8_is_refused_whole() -> None:
    with pytest.raises(TransactionError, match=r"fee.json: not UTF-8 text \(byte 12: invalid"):
        read_transactions(b'{"id": "caf\xe9"}', "fee.json")


def test_an_outsized_record_or_document_is_refused_unread() -> None:
    """A transaction is kilobytes: a line over 1 MB is that line's error, the others are read;
    one object over 1 MB, or one document over 64 MB, is refused before it is parsed (`make
    fuzz` found a 1 GB document that took over 10 CPU seconds to reach the model)."""
    memo = "a" * 1_000_001
    big = json.dumps(FEE | {"memo": memo})
    lines = "\n".join([json.dumps(FEE), big, json.dumps(FEE)])
    read = read_transactions(lines, "fees.jsonl")
    assert [str(r.error) if r.error else None for r in read.records] == [
        None,
        f"fees.jsonl:2: a line of {len(big):,} bytes (a transaction is at most 1,000,000)",
        None,
    ]
    with pytest.raises(TransactionError, match=rf"^fee\.json: one transaction of {len(big):,} "):
        read_transactions(big, "fee.json")
    first = read_transactions("\n".join([big, json.dumps(FEE)]), "fees.jsonl")
    assert [r.where for r in first.records] == ["fees.jsonl:1", "fees.jsonl:2"]
    assert "a line of" in str(first.records[0].error) and first.records[1].error is None
    pretty = json.dumps(FEE | {"memo": "a" * 900_000}, indent=2)  # under the cap: read
    assert read_transactions(pretty, "fee.json").records[0].data["memo"] == "a" * 900_000
    huge = b"[" + b" " * 64_000_000 + b"]"
    with pytest.raises(TransactionError, match=r"one JSON document of 64,000,002 bytes"):
        read_transactions(huge, "fees.json")
