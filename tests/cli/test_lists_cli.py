"""`clearance lists ...` end to end through the real command, on real files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from clearance.cli import cli


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.sqlite'}"


def test_import_show_versions_history(db: str, lists_dir: Path) -> None:
    sdn = lists_dir / "ofac/sdn_csv"
    first = run(
        "lists",
        "import",
        str(sdn / "2022-06-17"),
        "--published",
        "2022-06-17",
        "--db",
        db,
        "--format",
        "json",
    )
    assert first.exit_code == 0, first.output
    assert json.loads(first.output)["entries"] == 10241
    second = run(
        "lists",
        "import",
        str(sdn / "2022-06-28" / "sdn.csv"),
        "--source",
        "ofac-sdn",
        "--published",
        "2022-06-28",
        "--db",
        db,
    )
    assert second.exit_code == 0 and "imported ofac-sdn published 2022-06-28" in second.output
    again = run("lists", "import", str(sdn / "2022-06-28"), "--published", "2022-06-28", "--db", db)
    assert "nothing changed" in again.output

    shown = run(
        "lists",
        "show",
        "ofac-sdn",
        "21344",
        "--as-of",
        "2022-06-20",
        "--db",
        db,
        "--format",
        "json",
    )
    body = json.loads(shown.output)
    assert {"source", "id", "type", "names", "programs", "addresses", "remarks"} <= body.keys()
    assert body["id"] == "21344" and body["type"] == "organization"
    assert {"name": "FEDERAL SECURITY SERVICE", "kind": "primary"}.items() <= body["names"][
        0
    ].items()
    assert "RUSSIA-EO14024" not in body["programs"]
    later = json.loads(
        run(
            "lists",
            "show",
            "ofac-sdn",
            "21344",
            "--as-of",
            "2022-07-01",
            "--db",
            db,
            "--format",
            "json",
        ).output
    )
    assert "RUSSIA-EO14024" in later["programs"]

    versions = json.loads(run("lists", "versions", "--db", db, "--format", "json").output)
    assert [(v["published"], v["entries"]) for v in versions] == [
        ("2022-06-17", 10241),
        ("2022-06-28", 10409),
    ]

    diff = json.loads(
        run(
            "lists", "diff", "ofac-sdn", "2022-06-17", "2022-06-28", "--db", db, "--format", "json"
        ).output
    )
    assert diff["counts"]["added"] == 10409 - 10241 + diff["counts"]["removed"]
    assert "21344" in {c["id"] for c in diff["changed"]}

    history = json.loads(
        run("lists", "history", "ofac-sdn", "21344", "--db", db, "--format", "json").output
    )
    assert [h["status"] for h in history] == ["added", "changed"]
    table = run("lists", "history", "ofac-sdn", "21344", "--db", db)
    assert "programs" in table.output


def test_bad_file_fails_naming_file_and_line_and_keeps_previous(
    db: str, lists_dir: Path, tmp_path: Path
) -> None:
    good = lists_dir / "ofac/sdn_csv/2022-06-17/sdn.csv"
    assert run("lists", "import", str(good), "--published", "2022-06-17", "--db", db).exit_code == 0
    broken = tmp_path / "broken" / "sdn.csv"
    broken.parent.mkdir()
    data = (lists_dir / "ofac/sdn_csv/2022-06-28/sdn.csv").read_bytes()
    broken.write_bytes(data[: len(data) // 2])  # cut mid-file, mid-row
    result = CliRunner().invoke(
        cli, ["lists", "import", str(broken), "--published", "2022-06-28", "--db", db]
    )
    assert result.exit_code == 2
    assert str(broken) in result.output and "sdn.csv:" in result.output
    shown = json.loads(
        run(
            "lists",
            "show",
            "ofac-sdn",
            "21344",
            "--as-of",
            "2022-07-01",
            "--db",
            db,
            "--format",
            "json",
        ).output
    )
    assert shown["list_version"]["published"] == "2022-06-17"


def test_show_without_version_is_a_clear_error(db: str) -> None:
    result = CliRunner().invoke(cli, ["lists", "show", "ofac-sdn", "21344", "--db", db])
    assert result.exit_code == 2
    assert "no version of 'ofac-sdn'" in result.output
