"""The `screen` and `decide` commands write through the audit trail; `audit replay` replays
what they recorded. Real files: the SDN sample subset (small, so the index builds fast)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from clearance.cli import cli

KHOROSHEV = "48603"  # KHOROSHEV, Dmitry Yuryevich (CYBER2) in the 2025-05 subset


@pytest.fixture
def db_url(store_url: str) -> str:
    """An empty store on each backend (`store_url`), for tests that start their own engines."""
    return store_url


@pytest.fixture
def clearance(db_url: str, tmp_path: Path, lists_dir: Path) -> CliRunner:
    runner = CliRunner(env={"CLEARANCE_DB": db_url, "CLEARANCE_DATA_DIR": str(tmp_path / "data")})
    subset = lists_dir / "ofac" / "sdn_csv" / "samples" / "2025-05_subset"
    imported = runner.invoke(cli, ["lists", "import", str(subset), "--published", "2025-05-16"])
    assert imported.exit_code == 0, imported.output
    return runner


def run(runner: CliRunner, *args: str) -> Result:
    return runner.invoke(cli, list(args), catch_exceptions=False)


def test_screen_records_alerts_and_suppression(clearance: CliRunner) -> None:
    first = run(clearance, "screen", "Dmitry Khoroshev", "--type", "person", "--format", "json")
    assert first.exit_code == 0, first.output
    body = json.loads(first.output)
    [hit] = [h for h in body["hits"] if h["source_id"] == KHOROSHEV]
    assert hit["review"]["status"] == "alert" and hit["review"]["new_alert"]
    record = json.loads(
        run(clearance, "audit", "show", str(body["audit_record"]["seq"]), "--format", "json").output
    )
    assert record["kind"] == "screening"
    assert record["payload"]["party"]["name"] == "Dmitry Khoroshev"
    assert record["payload"]["list_versions"][0]["published"] == "2025-05-16"
    assert record["payload"]["hits"][0]["source_id"] == KHOROSHEV

    alert = str(hit["review"]["alert"])
    decided = run(
        clearance,
        "review",
        "decide",
        alert,
        "--false-positive",
        "--reviewer",
        "ann",
        "--note",
        "born 1987, a different man",
    )
    assert decided.exit_code == 0, decided.output
    again = run(clearance, "screen", "Dmitry Khoroshev", "--type", "person")
    assert f"suppressed (alert {alert})" in again.output
    assert "reviewed as a false positive by ann" in again.output

    replayed = run(clearance, "audit", "replay", str(body["audit_record"]["seq"]))
    assert replayed.exit_code == 0 and "replay: IDENTICAL" in replayed.output
    review_seq = str(body["audit_record"]["seq"] + 1)  # the review record came next
    not_replayable = run(clearance, "audit", "replay", review_seq)
    assert not_replayable.exit_code == 2 and "only screening" in not_replayable.output


def test_decide_records_and_replays(clearance: CliRunner, tmp_path: Path) -> None:
    txn = {
        "id": "T-1",
        "date": "2025-06-02",
        "parties": [{"name": "Dmitry Yuryevich Khoroshev", "country": "RU", "role": "payee"}],
        "purpose": "import-authorization-fee",
        "goods": [
            {"description": "laser printers", "eccn": "5A992.c", "export_authorization": "NLR"}
        ],
        "regions": ["RU"],
        "amount": {"value": "100", "currency": "USD"},
    }
    path = tmp_path / "txn.json"
    path.write_text(json.dumps(txn), encoding="utf-8")
    decided = run(clearance, "decide", str(path))
    assert decided.exit_code == 0, decided.output
    answer = json.loads(decided.output)
    seq = answer["audit_record"]["seq"]
    assert [r["source_id"] for r in answer["review"]] == [KHOROSHEV]
    record = json.loads(run(clearance, "audit", "show", str(seq), "--format", "json").output)
    assert record["kind"] == "decision"
    assert record["payload"]["decision"]["decision"] == answer["decision"]
    assert record["payload"]["transaction"]["id"] == "T-1"
    text = run(clearance, "decide", str(path), "--format", "text")
    assert f"audit record {seq + 1}" in text.output

    replayed = run(clearance, "audit", "replay", str(seq), "--current", "--format", "json")
    assert replayed.exit_code == 0, replayed.output
    report = json.loads(replayed.output)
    assert report["identical"] and report["current"]["identical"]
    assert report["replay"]["answer"]["decision"] == answer["decision"]
    assert run(clearance, "audit", "verify").exit_code == 0


def test_batch_screening_is_one_record_with_checksums(clearance: CliRunner, tmp_path: Path) -> None:
    source = tmp_path / "parties.csv"
    source.write_text(
        "id,name,type\n1,Dmitry Khoroshev,person\n2,Jane Example,person\n3,Suex OTC,organization\n",
        encoding="utf-8",
    )
    output = tmp_path / "hits.csv"
    screened = run(clearance, "screen", "--input", str(source), "--output", str(output))
    assert screened.exit_code == 0, screened.output
    found = re.search(r"audit record (\d+)", screened.output)
    assert found is not None, screened.output
    seq = found.group(1)  # record 1 is the list import
    record = json.loads(run(clearance, "audit", "show", seq, "--format", "json").output)
    assert record["kind"] == "screening_batch"
    payload = record["payload"]
    assert payload["rows"] == 3
    assert payload["input"]["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    assert payload["output"]["sha256"] == hashlib.sha256(output.read_bytes()).hexdigest()
    replayed = run(clearance, "audit", "replay", seq)
    assert replayed.exit_code == 0 and "IDENTICAL" in replayed.output, replayed.output
    source.write_text("id,name\n1,Someone Else\n", encoding="utf-8")
    gone = run(clearance, "audit", "replay", seq)
    assert gone.exit_code == 2 and "changed since" in gone.output
