"""Input that PostgreSQL used to refuse with a driver error (DataError, a truncation) or that
crashed the parser is refused by the input model instead, with the field named, alike on
SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from service_support import fee_to_fsb

from clearance.cli import cli
from clearance.decisions import Transaction, TransactionError
from clearance.service import Clearance, decide
from clearance.service.decisions import reverse_drawdown


def _fee(**changes: object) -> dict[str, object]:
    return fee_to_fsb("T-1", "2022-07-15").to_dict() | changes


def test_nul_in_a_transaction_id_or_cap_holder_names_the_field() -> None:
    with pytest.raises(TransactionError, match="id: control characters"):
        Transaction.from_dict(_fee(id="T\x001"))
    with pytest.raises(TransactionError, match="cap_holder: control characters"):
        Transaction.from_dict(_fee(cap_holder="ACME\x00"))
    with pytest.raises(TransactionError, match="cap_holder: String should have at most 200"):
        Transaction.from_dict(_fee(cap_holder="A" * 201))
    with pytest.raises(TransactionError, match="cap_holder: 360 characters once normalized"):
        Transaction.from_dict(_fee(cap_holder="ﬃ" * 120))


@pytest.mark.parametrize(
    ("holder", "message"),
    [
        ("A" * 201, "cap_holder: at most 200 characters"),
        ("ACME\x00Corp", "cap_holder: control characters"),
        # 150 characters, but 300 once casefolded as the ledger keys caps (ß -> ss).
        ("ß" * 150, "cap_holder: 300 characters once normalized"),
    ],
)
def test_a_cap_holder_given_beside_the_transaction_is_checked_alike(
    app: Clearance, holder: str, message: str
) -> None:
    with pytest.raises(TransactionError, match=message):
        decide(app, fee_to_fsb("T-2", "2022-07-15"), record=True, cap_holder=holder)


def test_reversing_a_nul_transaction_id_names_it(app: Clearance) -> None:
    with pytest.raises(TransactionError, match="transaction id: control characters"):
        reverse_drawdown(app, "T\x00", "returned")
    with pytest.raises(TransactionError, match="transaction id: at most 200"):
        reverse_drawdown(app, "T" * 201, "returned")


def test_decide_refuses_json_nested_100000_deep(store_url: str, tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    lines = tmp_path / "deep.jsonl"
    lines.write_text('{"id": "T-1"}\n' + '{"a":' * 100_000 + "1" + "}" * 100_000 + "\n")
    env = {"CLEARANCE_DB": store_url, "CLEARANCE_DATA_DIR": str(tmp_path / "data")}
    for path, where in ((deep, "deep.json"), (lines, "deep.jsonl:2")):
        result = CliRunner().invoke(cli, ["decide", str(path)], env=env)
        assert result.exit_code == 2, result.output
        assert f"{where}: not JSON: nested too deeply" in result.output
        assert "Traceback" not in result.output
