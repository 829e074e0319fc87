"""Bad input to `clearance lists import` is a one-line error (exit 2), never a traceback: a
folder given for a single-file list kind (was IsADirectoryError), JSON nested 100,000 deep in an
FtM file (was RecursionError). Real files copied or edited in tmp_path."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from clearance.cli import cli


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.sqlite'}"


def assert_one_line_error(result: Result, *parts: str) -> None:
    assert result.exit_code == 2, result.output
    assert not isinstance(result.exception, RecursionError | OSError)
    message = result.output.strip()
    assert message.startswith("Error: ") and "\n" not in message
    for part in parts:
        assert part in message


@pytest.mark.parametrize(
    ("source", "file"),
    [
        ("un", "un/2018-06-07/consolidated.xml"),
        ("uk-hmt", "uk/2018-04-13/sanctionsconlist.csv"),
        ("eu-fsf", "eu/samples/2018-07-04_fsf_csv_first1000lines.csv"),
    ],
)
def test_folder_for_a_single_file_list_is_a_clear_error(
    db: str, lists_dir: Path, tmp_path: Path, source: str, file: str
) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    shutil.copy(lists_dir / file, folder)
    result = invoke(
        "lists", "import", str(folder), "--source", source, "--published", "2018-06-07", "--db", db
    )
    assert_one_line_error(result, str(folder), "is a folder", f"a {source} list is a single file")


def test_deeply_nested_json_in_an_ftm_file_is_a_clear_error(
    db: str, lists_dir: Path, tmp_path: Path
) -> None:
    real = (lists_dir / "opensanctions/yente_fixtures/zala/entities.ftm.json").read_text("utf-8")
    lines = real.splitlines()
    entity = json.loads(lines[1])
    nested = json.dumps(entity)[:-1] + ', "deep": ' + "[" * 100_000 + "]" * 100_000 + "}"
    path = tmp_path / "entities.ftm.json"
    path.write_text("\n".join([lines[0], nested, *lines[2:]]) + "\n", encoding="utf-8")
    result = invoke("lists", "import", str(path), "--source", "ftm", "--db", db)
    assert_one_line_error(result, f"{path}:2:", "JSON nested too deep")
