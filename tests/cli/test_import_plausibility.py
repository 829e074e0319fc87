"""A truncated list must not go in force: `clearance lists import` refuses it (exit 2, one line
naming the file) and the previous version stays in force, unless `--allow-drop` says the drop
is real, which the import's audit record then keeps. Real files, cut in tmp_path."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from clearance.cli import cli

FULL_ROWS, CUT_ROWS = 7379, 3000
FSB = "21344"  # listed 2018-12, after the first 3,000 rows of sdn.csv


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.sqlite'}"


@pytest.fixture
def set_2018_12(lists_dir: Path) -> Path:
    return lists_dir / "ofac/sdn_csv/2018-12"


@pytest.fixture
def imported(db: str, set_2018_12: Path) -> str:
    """The store with the complete 2018-12 SDN set in force from 2018-12-01."""
    result = invoke("lists", "import", str(set_2018_12), "--published", "2018-12-01", "--db", db)
    assert result.exit_code == 0, result.output
    assert f"{FULL_ROWS} entries" in result.output
    return db


def cut_main_file(source: Path, folder: Path, rows: int, *, side_files: bool) -> Path:
    """A copy of the set in `folder` whose sdn.csv keeps only its first `rows` lines."""
    folder.mkdir()
    if side_files:
        for side in ("add.csv", "alt.csv", "sdn_comments.csv"):
            shutil.copy(source / side, folder / side)
    lines = (source / "sdn.csv").read_bytes().splitlines(keepends=True)
    assert len(lines) == FULL_ROWS
    (folder / "sdn.csv").write_bytes(b"".join(lines[:rows]))
    return folder


def fsb_in_force(db: str, when: str) -> str:
    shown = invoke(
        "lists", "show", "ofac-sdn", FSB, "--as-of", when, "--db", db, "--format", "json"
    )
    assert shown.exit_code == 0, shown.output
    published: str = json.loads(shown.output)["list_version"]["published"]
    return published


def version_count(db: str) -> int:
    return len(json.loads(invoke("lists", "versions", "--db", db, "--format", "json").output))


def test_cut_main_file_with_its_side_files_is_refused_naming_the_side_file_and_line(
    imported: str, set_2018_12: Path, tmp_path: Path
) -> None:
    cut = cut_main_file(set_2018_12, tmp_path / "cut", CUT_ROWS, side_files=True)
    result = invoke("lists", "import", str(cut), "--published", "2018-12-20", "--db", imported)
    assert result.exit_code == 2
    message = result.output.strip()
    assert "\n" not in message and "Traceback" not in message
    assert message.startswith(f"Error: {cut / 'add.csv'}:")
    assert "sdn.csv looks cut short" in message
    # The 2018-12 set has no Ctrl-Z end markers: said as supporting evidence only.
    assert "lacks OFAC's Ctrl-Z end marker" in message
    assert version_count(imported) == 1
    assert fsb_in_force(imported, "2018-12-20") == "2018-12-01"


def test_cut_main_file_alone_is_refused_for_its_drop_and_allowed_with_allow_drop(
    imported: str, set_2018_12: Path, tmp_path: Path
) -> None:
    cut = cut_main_file(set_2018_12, tmp_path / "cut", CUT_ROWS, side_files=False) / "sdn.csv"
    args = ("lists", "import", str(cut), "--published", "2018-12-20", "--db", imported)
    refused = invoke(*args)
    assert refused.exit_code == 2
    message = refused.output.strip()
    assert "\n" not in message and str(cut) in message
    assert f"{CUT_ROWS} entries, 59% fewer than the {FULL_ROWS} of version 1" in message
    assert "--allow-drop" in message
    assert version_count(imported) == 1
    assert fsb_in_force(imported, "2018-12-20") == "2018-12-01"

    allowed = invoke(*args, "--allow-drop")
    assert allowed.exit_code == 0, allowed.output
    assert f"{CUT_ROWS} entries" in allowed.output
    assert version_count(imported) == 2
    shown = invoke("lists", "show", "ofac-sdn", FSB, "--as-of", "2018-12-20", "--db", imported)
    assert shown.exit_code == 2  # the override took effect: the FSB is no longer listed

    export = invoke("audit", "export", "--format", "jsonl", "--db", imported)
    imports = [
        json.loads(line)["payload"]
        for line in export.output.splitlines()
        if json.loads(line)["kind"] == "list_import"
    ]
    assert "allow_drop" not in imports[0]
    assert imports[1]["allow_drop"] == {
        "max_drop": 0.1,
        "overrode": {
            "previous_version": 1,
            "previous_published": "2018-12-01",
            "previous_entries": FULL_ROWS,
            "entries": CUT_ROWS,
            "drop": round(1 - CUT_ROWS / FULL_ROWS, 4),
        },
    }


def test_import_max_drop_setting_from_the_environment(
    imported: str, set_2018_12: Path, tmp_path: Path
) -> None:
    cut = cut_main_file(set_2018_12, tmp_path / "cut", CUT_ROWS, side_files=False) / "sdn.csv"
    args = ("lists", "import", str(cut), "--published", "2018-12-20", "--db", imported)
    assert invoke(*args, env={"CLEARANCE_IMPORT_MAX_DROP": "0.5"}).exit_code == 2
    result = invoke(*args, env={"CLEARANCE_IMPORT_MAX_DROP": "0.6"})
    assert result.exit_code == 0, result.output
    assert version_count(imported) == 2


def test_a_list_that_grows_or_shrinks_a_little_still_imports(
    imported: str, set_2018_12: Path, lists_dir: Path, tmp_path: Path
) -> None:
    # 7,000 of 7,379 rows: 5% fewer, within the default 10%.
    cut = cut_main_file(set_2018_12, tmp_path / "cut", 7000, side_files=False) / "sdn.csv"
    result = invoke("lists", "import", str(cut), "--published", "2018-12-20", "--db", imported)
    assert result.exit_code == 0, result.output
    # 2021-07 has 8,976 entries: more than the 7,000 before it.
    later = lists_dir / "ofac/sdn_csv/2021-07"
    result = invoke("lists", "import", str(later), "--published", "2021-07-01", "--db", imported)
    assert result.exit_code == 0, result.output
    assert version_count(imported) == 3
