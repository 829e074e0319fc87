"""`clearance audit ...` and `clearance review ...` end to end, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from audit_support import (
    drop_append_only_triggers,
    entry_of,
    hit_on,
    import_version,
    record_screening,
)
from click.testing import CliRunner, Result
from sqlalchemy import Engine

from clearance.cli import cli
from clearance.model import EntryType, Party
from clearance.settings import LoadedSettings
from clearance.store.db import make_engine, migrate


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def db_url(store_url: str) -> str:
    """An empty store on each backend (`store_url`), for tests that start their own engines."""
    return store_url


@pytest.fixture
def db_engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    migrate(engine)
    yield engine
    engine.dispose()


def _screened(engine: Engine, loaded: LoadedSettings, lists_dir: Path) -> int:
    version = import_version(engine, lists_dir / "un" / "2018-08-24" / "consolidated.xml")
    bank = entry_of(engine, version, "6908499")
    party = Party(name="Daedong Credit Bank", type=EntryType.ORGANIZATION)
    recorded = record_screening(
        engine,
        party,
        [hit_on(version, bank, party.name, 0.91, match=True)],
        review_threshold=0.7,
        details={},
        settings=loaded,
        actor="screener",
    )
    alert_id = recorded.hits[0].alert_id
    assert alert_id is not None
    return alert_id


def test_review_and_audit_commands(
    db_url: str, db_engine: Engine, loaded: LoadedSettings, lists_dir: Path, tmp_path: Path
) -> None:
    alert_id = _screened(db_engine, loaded, lists_dir)

    listed = run("review", "list", "--state", "open", "--db", db_url, "--format", "json")
    assert listed.exit_code == 0, listed.output
    assert [a["id"] for a in json.loads(listed.output)] == [alert_id]
    table = run("review", "list", "--db", db_url)
    assert "DAEDONG" in table.output

    missing = run(
        "review", "decide", str(alert_id), "--reviewer", "ann", "--note", "x", "--db", db_url
    )
    assert missing.exit_code == 2 and "--false-positive" in missing.output
    decided = run(
        "review",
        "decide",
        str(alert_id),
        "--false-positive",
        "--reviewer",
        "ann",
        "--note",
        "a bakery in Lyon",
        "--db",
        db_url,
    )
    assert decided.exit_code == 0, decided.output
    assert f"alert {alert_id}: false_positive (audit record 2)" in decided.output
    shown = run("review", "show", str(alert_id), "--db", db_url, "--format", "json")
    body = json.loads(shown.output)
    assert body["state"] == "false_positive"
    assert [h["note"] for h in body["history"]] == ["a bakery in Lyon"]
    assert "a bakery in Lyon" in run("review", "show", str(alert_id), "--db", db_url).output
    assert run("review", "show", "99", "--db", db_url).exit_code == 2

    record = run("audit", "show", "2", "--db", db_url, "--format", "json")
    data = json.loads(record.output)
    assert data["kind"] == "review" and data["hash_matches_content"] is True
    assert data["payload"]["settings"]["four_eyes"]["source"] == "default"
    assert "matches content" in run("audit", "show", data["id"], "--db", db_url).output
    assert run("audit", "show", "77", "--db", db_url).exit_code == 2

    export = tmp_path / "audit.csv"
    exported = run("audit", "export", "--format", "csv", "--output", str(export), "--db", db_url)
    assert exported.exit_code == 0
    assert len(export.read_text(encoding="utf-8").splitlines()) == 3
    today = date.today().isoformat()
    jsonl = run("audit", "export", "--from", today, "--to", today, "--db", db_url)
    assert [json.loads(line)["seq"] for line in jsonl.output.splitlines()] == [1, 2]
    assert (
        run("audit", "export", "--from", today, "--to", "2000-01-01", "--db", db_url).exit_code == 2
    )

    verified = run("audit", "verify", "--db", db_url)
    assert verified.exit_code == 0 and "audit chain OK: 2 records" in verified.output
    assert run("audit", "verify", "--file", str(export)).exit_code == 0

    refused = run("audit", "purge", "--before", today, "--yes", "--db", db_url)
    assert refused.exit_code == 2 and "must be kept 10 years" in refused.output
    nothing = run("audit", "purge", "--before", "2001-01-01", "--yes", "--db", db_url)
    assert nothing.exit_code == 0 and "nothing to purge" in nothing.output

    drop_append_only_triggers(db_engine)
    with db_engine.begin() as conn:
        conn.exec_driver_sql("UPDATE audit_record SET actor = 'mallory' WHERE seq = 1")
    broken = run("audit", "verify", "--db", db_url)
    assert broken.exit_code == 1
    assert broken.output.startswith("audit chain BROKEN at record 1 (")
    as_json = json.loads(run("audit", "verify", "--db", db_url, "--format", "json").output)
    assert as_json["ok"] is False and as_json["first_problem"].startswith("record 1")
