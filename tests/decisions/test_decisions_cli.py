"""`clearance decide / licenses / ledger / ownership` through the real commands."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Protocol

import pytest
from click.testing import CliRunner, Result

from clearance.cli import cli
from clearance.decisions.rules import load_rules, packaged_rules
from clearance.settings import Settings

REPO = Path(__file__).resolve().parents[2]

FEE = {
    "id": "cli-1",
    "date": "2019-03-01",
    "parties": [{"name": "Federal Security Service", "country": "RU", "role": "payee"}],
    "purpose": "import-authorization-fee",
    "goods": [{"description": "laser printers", "eccn": "5A992.c", "export_authorization": "NLR"}],
    "regions": ["RU"],
    "amount": {"value": 1200, "currency": "USD"},
    "cap_holder": "ACME Corp",
}


class Invoke(Protocol):
    def __call__(self, *args: str, stdin: str | None = None) -> Result: ...


@pytest.fixture
def run(store_url: str, screening_settings: Settings) -> Invoke:
    env = {"CLEARANCE_DATA_DIR": str(screening_settings.data_dir), "CLEARANCE_DB": store_url}

    def invoke(*args: str, stdin: str | None = None) -> Result:
        return CliRunner().invoke(cli, list(args), input=stdin, env=env, catch_exceptions=False)

    return invoke


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.slow  # screens against a whole SDN snapshot
def test_decide_json_text_and_record(run: Invoke, tmp_path: Path) -> None:
    path = write(tmp_path, "fee.json", json.dumps(FEE))
    result = run("decide", path)
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["decision"] == "AUTHORIZED"
    assert {a["license"] for a in body["authorizations"]} == {"CYBER-GL-1A"}
    assert body["cap"]["used_before"] == "0.00" and body["recorded"] is False
    assert body["screening_algorithm"] and body["rules_version"]

    text = run("decide", path, "--format", "text")
    assert text.exit_code == 0
    assert text.output.startswith("Transaction cli-1 of 2019-03-01: AUTHORIZED")
    assert "CYBER-GL-1A" in text.output and "FEDERAL SECURITY SERVICE" in text.output
    # The list of 31 Dec 2018 is 60 days old on 1 Mar 2019: said in JSON and in a visible line.
    assert [w["code"] for w in body["warnings"]] == ["list-stale"]
    assert body["warnings"][0]["list"] == "ofac-sdn" and body["warnings"][0]["version"] == 1
    assert "\n  WARNING list-stale: ofac-sdn version 1 of 2018-12-31" in text.output

    assert json.loads(run("decide", path, "--record").output)["recorded"] is True
    again = json.loads(run("decide", path, "--record").output)
    assert again["replayed"] is True

    shown = json.loads(run("ledger", "show", "--year", "2019", "--format", "json").output)
    assert shown["caps"] == [
        {
            "family": "CYBER-GL-1",
            "holder": "acme corp",  # the canonical holder
            "period": "2019",
            "currency": "USD",
            "used": "1200.00",
            "limit": "5000.00",
            "remaining": "3800.00",
            "entries": 1,
        }
    ]
    assert run("ledger", "show", "--year", "2020", "--format", "json").output.count("family") == 0
    table = run("ledger", "show", "--holder", "ACME Corp")
    assert "CYBER-GL-1" in table.output and "3800.00" in table.output

    reversed_ = run("ledger", "reverse", "cli-1", "--note", "refund")
    assert reversed_.exit_code == 0 and "reversed ledger entry 1" in reversed_.output
    shown = json.loads(run("ledger", "show", "--format", "json").output)
    assert shown["caps"][0]["used"] == "0.00" and len(shown["entries"]) == 2
    twice = run("ledger", "reverse", "cli-1", "--note", "refund")
    assert twice.exit_code == 2 and "already reversed" in twice.output
    # A reversed id is refused, not answered with its old decision (which drew nothing).
    resent = run("decide", path, "--record")
    assert resent.exit_code == 2 and "its drawdowns reversed" in resent.output
    assert "send it as a new transaction with a new id" in resent.output


@pytest.mark.slow  # screens against a whole SDN snapshot
def test_decide_json_lines_in_json_lines_out(run: Invoke) -> None:
    lines = [
        FEE | {"id": "l1"},
        FEE | {"id": "l2", "parties": [{"name": "Федеральная служба безопасности"}]},
        {"id": "l3", "date": "2019-02-30"},
        FEE | {"id": "l4", "parties": [{"name": "Rheinische Druckwerke GmbH", "country": "DE"}]},
        FEE | {"id": "l5", "date": "2015-06-01"},  # before any stored list version
        FEE | {"id": "l6"},
    ]
    stdin = "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n"
    result = run("decide", "-", stdin=stdin)
    assert result.exit_code == 2  # one record could not be decided
    out = [json.loads(line) for line in result.stdout.splitlines()]
    decisions = [o.get("decision") for o in out]
    assert decisions == ["AUTHORIZED", "AUTHORIZED", None, "CLEAR", "REVIEW", "AUTHORIZED"]
    assert out[2]["record"] == "<stdin>:3" and "date" in out[2]["error"]
    assert out[4]["missing"] == [
        "no version of ofac-sdn in force on 2015-06-01: screen 'Federal Security Service' "
        "against ofac-sdn as it stood on 2015-06-01 (import that version, or judge by hand)"
    ]
    assert "1 of 6 transactions could not be decided" in result.stderr


@pytest.mark.slow  # screens against a whole SDN snapshot
def test_a_malformed_json_line_is_reported_and_the_others_decided(
    run: Invoke, tmp_path: Path
) -> None:
    """docs/decisions.md: in a batch, a bad record is refused with its line and the others
    are still decided (and recorded with --record); the command exits 2 at the end."""
    good = [json.dumps(FEE | {"id": f"m{k}"}, ensure_ascii=False).encode() for k in range(4)]
    lines = [
        good[0],
        b'{"id": "m-broken", "date": "2019-03-01", "parties": [{"name": "FSB"}',  # cut short
        good[1],
        json.dumps(FEE | {"id": "m-latin1", "cap_holder": "Caf\u00e9"}, ensure_ascii=False).encode(
            "latin-1"
        ),
        b'{"id": "m-deep", "parties": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        good[2],
        b'{"id": "m-huge", "amount": {"value": ' + b"9" * 5_000 + b', "currency": "USD"}}',
        good[3],
    ]
    path = tmp_path / "batch.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    result = run("decide", str(path), "--record")
    assert result.exit_code == 2
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o.get("decision") for o in out] == [
        "AUTHORIZED",
        None,
        "AUTHORIZED",
        None,
        None,
        "AUTHORIZED",
        None,
        "AUTHORIZED",
    ]
    assert all(o["recorded"] for o in out if "decision" in o)
    errors = {o["record"]: o["error"] for o in out if "error" in o}
    name = str(path)
    assert errors == {
        f"{name}:2": f"{name}:2: not JSON: Expecting ',' delimiter",
        f"{name}:4": f"{name}:4: not UTF-8 text (byte 345 of the line: invalid continuation byte)",
        f"{name}:5": f"{name}:5: not JSON: nested too deeply",
        f"{name}:7": f"{name}:7: not JSON: Exceeds the limit (4300 digits) for integer string "
        "conversion: value has 5000 digits",
    }
    assert "4 of 8 transactions could not be decided" in result.stderr
    ledger = json.loads(run("ledger", "show", "--format", "json").stdout)
    used = {(c["holder"], c["used"]) for c in ledger["caps"]}
    assert used == {("acme corp", "4800.00")}  # the four good lines, 1,200 each


def test_decide_input_errors_name_the_place(run: Invoke, tmp_path: Path) -> None:
    broken = write(tmp_path, "broken.json", '{"id": "x",\n "date": }')
    result = run("decide", broken)
    assert result.exit_code == 2 and re.search(r"broken.json:2: not JSON", result.output)
    bad = write(tmp_path, "bad.json", json.dumps(FEE | {"regions": ["UA-99"]}))
    result = run("decide", bad)
    assert result.exit_code == 2 and "bad.json (id cli-1): regions" in result.output
    unknown = write(tmp_path, "unknown.json", json.dumps(FEE | {"purpose": "bribery"}))
    result = run("decide", unknown)
    assert result.exit_code == 2 and "purpose: 'bribery' is not defined" in result.output
    assert run("decide", str(tmp_path / "missing.json")).exit_code == 2
    latin1 = tmp_path / "latin1.json"
    latin1.write_bytes(json.dumps(FEE).replace("cli-1", "caf\u00e9").encode("latin-1"))
    result = run("decide", str(latin1))
    assert result.exit_code == 2 and "latin1.json: not UTF-8 text" in result.output


def test_licenses_list_show_and_add_specific(run: Invoke, tmp_path: Path) -> None:
    all_ = json.loads(run("licenses", "list", "--format", "json").output)
    assert [r["id"] for r in all_] == ["CYBER-GL-1", "CYBER-GL-1A", "CYBER-GL-1B", "CYBER-GL-1C"]
    on_day = json.loads(run("licenses", "list", "--as-of", "2022-07-15", "--format", "json").output)
    assert [(r["id"], r["valid_until"]) for r in on_day] == [("CYBER-GL-1B", "2023-04-26")]
    table = run("licenses", "list")
    assert table.exit_code == 0 and "CYBER-GL" in table.output and "EO14078" in table.output

    shown = json.loads(run("licenses", "show", "CYBER-GL-1B", "--format", "json").output)
    assert shown["superseded_by"] == "CYBER-GL-1C"
    assert shown["valid_until_effective"] == "2023-04-26"
    assert shown["conditions"]["excluded_regions"]["value"][1] == {
        "code": "UA-40",
        "reference": shown["conditions"]["excluded_regions"]["value"][1]["reference"],
        "verified": False,
    }
    text = run("licenses", "show", "CYBER-GL-1A")
    assert "caps:" in text.output and "amount=5000" in text.output
    assert run("licenses", "show", "NOPE").exit_code == 2

    spec = write(
        tmp_path,
        "spec.yaml",
        "number: RUSSIA-2022-9\nholder: ACME Corp\nvalid_from: 2022-07-01\n"
        "parties: [{list: ofac-sdn, id: '21344'}]\nprograms: [RUSSIA-EO14024]\n"
        "purposes: [import-authorization-fee]\nvalue_limit: {amount: 5000, currency: USD}\n"
        "reference: example\n",
    )
    added = run("licenses", "add-specific", spec)
    assert added.exit_code == 0 and "registered specific license RUSSIA-2022-9" in added.output
    assert "already registered" in run("licenses", "add-specific", spec).output
    listed = json.loads(run("licenses", "list", "--as-of", "2022-07-15", "--format", "json").output)
    assert [r["id"] for r in listed] == ["CYBER-GL-1B", "RUSSIA-2022-9"]
    assert listed[1]["authorities"] == ["EO14024"]
    assert "RUSSIA-2022-9" in run("licenses", "show", "RUSSIA-2022-9").output
    bad = write(tmp_path, "bad.yaml", "number: X\nholder: A\n")
    result = run("licenses", "add-specific", bad)
    assert result.exit_code == 2 and "bad.yaml" in result.output
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes(Path(spec).read_bytes().replace(b"ACME", b"Caf\xe9"))
    result = run("licenses", "add-specific", str(latin1))
    assert result.exit_code == 2 and "latin1.yaml: not UTF-8 text" in result.output


def test_ownership_import(run: Invoke, tmp_path: Path) -> None:
    good = write(
        tmp_path, "own.csv", "owner,owned,percentage\nofac-sdn:21344,Lubyanka Print OOO,60\n"
    )
    result = run("ownership", "import", good)
    assert result.exit_code == 0 and "imported 1 ownership links" in result.output
    second = json.loads(run("ownership", "import", good, "--format", "json").output)
    assert second["replaces"] == 1 and second["import"] == 2
    bad = write(tmp_path, "bad.csv", "ofac-sdn:21344,X,sixty\n")
    result = run("ownership", "import", bad)
    assert result.exit_code == 2 and "bad.csv:1: percentage" in result.output


def test_rules_errors_are_reported(run: Invoke, tmp_path: Path) -> None:
    result = run("licenses", "list", "--rules", str(tmp_path))
    assert result.exit_code == 2 and "programs.yaml: missing" in result.output


def rules_with(folder: Path, license_id: str) -> Path:
    """The packaged rules plus one general license `license_id`, in `folder`."""
    shutil.copytree(packaged_rules(), folder)
    (folder / "general_licenses" / f"{license_id}.yaml").write_text(
        f"id: {license_id}\nfamily: {license_id}\ntitle: test\nissued: 2020-01-01\n"
        "valid_from: 2020-01-01\nauthorities: [EO13685]\nparties: any\n"
        "purposes: [regulatory-compliance]\nreference: test\n",
        encoding="utf-8",
    )
    return folder


@pytest.fixture
def settings_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder whose `clearance.toml` sets `rules_dir` (rules with FILE-GL-1)."""
    folder = rules_with(tmp_path / "file-rules", "FILE-GL-1")
    (tmp_path / "clearance.toml").write_text(f"rules_dir = '{folder}'\n", encoding="utf-8")
    monkeypatch.delenv("CLEARANCE_CONFIG", raising=False)
    monkeypatch.delenv("CLEARANCE_RULES_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    return folder


def test_rules_dir_from_file_then_environment_then_flag(
    run: Invoke, settings_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def general(*args: str) -> set[str]:
        result = run("licenses", "list", "--format", "json", *args)
        assert result.exit_code == 0, result.output
        return {r["id"] for r in json.loads(result.output)} - {"CYBER-GL-1", "CYBER-GL-1A"}

    assert general() == {"CYBER-GL-1B", "CYBER-GL-1C", "FILE-GL-1"}
    monkeypatch.setenv("CLEARANCE_RULES_DIR", str(rules_with(tmp_path / "env", "ENV-GL-1")))
    assert general() == {"CYBER-GL-1B", "CYBER-GL-1C", "ENV-GL-1"}
    flag = rules_with(tmp_path / "flag", "FLAG-GL-1")
    assert general("--rules", str(flag)) == {"CYBER-GL-1B", "CYBER-GL-1C", "FLAG-GL-1"}


@pytest.mark.slow  # screens against a whole SDN snapshot
def test_rules_dir_from_the_settings_file_is_used_and_recorded(
    run: Invoke, settings_file: Path, tmp_path: Path
) -> None:
    path = write(tmp_path, "fee.json", json.dumps(FEE))
    decided = run("decide", path)
    assert decided.exit_code == 0, decided.output
    body = json.loads(decided.output)
    used = load_rules(settings_file).version
    assert body["rules_version"] == used != load_rules(packaged_rules()).version
    shown = run("audit", "show", str(body["audit_record"]["seq"]), "--format", "json")
    payload = json.loads(shown.output)["payload"]
    assert payload["rules"]["version"] == body["rules_version"]
    assert payload["settings"]["rules_dir"] == {"value": str(settings_file), "source": "file"}


def test_every_command_is_documented() -> None:
    doc = (REPO / "docs" / "decisions.md").read_text(encoding="utf-8")
    commands = [
        "clearance decide",
        "clearance licenses list",
        "clearance licenses show",
        "clearance licenses add-specific",
        "clearance ledger show",
        "clearance ledger reverse",
        "clearance ownership import",
    ]
    for command in commands:
        assert command in doc, f"{command} is not documented in docs/decisions.md"
    for option in (
        "--record",
        "--format",
        "--cap-holder",
        "--rules",
        "--as-of",
        "--holder",
        "--year",
        "--note",
        "CLEARANCE_RULES_DIR",
    ):
        assert option in doc, f"{option} is not documented in docs/decisions.md"


@pytest.mark.slow  # screens against a whole SDN snapshot
def test_screening_results_warn_about_incomplete_and_stale_lists(run: Invoke) -> None:
    # The store holds the SDN sets of 31 Dec 2018 (complete) and 28 Jun 2022 (sdn.csv alone).
    text = run("screen", "Federal Security Service", "--as-of", "2022-07-15")
    assert text.exit_code == 0, text.output
    assert "WARNING list-incomplete: ofac-sdn version 2 of 2022-06-28 was imported without" in (
        text.output
    )
    body = json.loads(
        run(
            "screen", "Federal Security Service", "--as-of", "2022-12-01", "--format", "json"
        ).output
    )
    assert [(w["code"], w["list"], w["version"]) for w in body["warnings"]] == [
        ("list-incomplete", "ofac-sdn", 2),
        ("list-stale", "ofac-sdn", 2),
    ]
    fresh = json.loads(
        run(
            "screen", "Federal Security Service", "--as-of", "2019-01-10", "--format", "json"
        ).output
    )
    # Complete and 10 days old, but the store skips from 2018 to June 2022: for this past date
    # the versions published in between were not imported.
    [gap] = fresh["warnings"]
    assert gap["code"] == "list-stale" and "next stored version is of 2022-06-28" in gap["text"]
