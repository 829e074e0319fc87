"""`clearance screen` (one name, a file) and `clearance compare`, against a real store."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner, Result

from clearance.cli import cli
from clearance.lists import parse_list
from clearance.model import ListSource
from clearance.screening import service as screening_service
from clearance.store.db import open_store
from clearance.store.versions import import_list


@pytest.fixture
def db_url(tmp_path: Path, lists_dir: Path) -> str:
    """A SQLite store holding the real OFAC Consolidated list of 2018-04-06."""
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    engine = open_store(url)
    folder = lists_dir / "ofac" / "consolidated" / "2018-04-06"
    import_list(engine, parse_list(folder, ListSource.OFAC_CONS), date(2018, 4, 6))
    engine.dispose()
    screening_service.clear_memory_cache()
    return url


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CLEARANCE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CLEARANCE_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, [*args], catch_exceptions=False)

    return invoke


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_screen_one_name_as_json(run, db_url: str) -> None:  # type: ignore[no-untyped-def]
    result = run(
        "screen", "Bank Maskan", "--as-of", "2018-05-01", "--format", "json", "--db", db_url
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["algorithm"] == "clearance-v1.1"
    assert data["hits"][0]["source_id"] == "4633"
    assert data["hits"][0]["match"] is True
    assert "bank~BANK 1.00, maskan~MASKAN 1.00" in data["hits"][0]["explanation"]


def test_screen_one_name_as_table_and_no_hits_is_not_an_error(run, db_url: str) -> None:  # type: ignore[no-untyped-def]
    hit = run("screen", "Bank Maskan", "--as-of", "2018-05-01", "--db", db_url)
    assert hit.exit_code == 0
    assert "4633" in hit.output and "MATCH" in hit.output
    nothing = run("screen", "Acme Printers GmbH", "--as-of", "2018-05-01", "--db", db_url)
    assert nothing.exit_code == 0
    assert "Acme Printers GmbH: 0 hit(s)" in nothing.output


def test_screen_options(run, db_url: str) -> None:  # type: ignore[no-untyped-def]
    args = ("--as-of", "2018-05-01", "--format", "json", "--db", db_url)
    best = json.loads(run("screen", "Bank Maskan", "--threshold", "0", "--top", "4", *args).output)
    assert len(best["hits"]) == 4
    typed = run("screen", "Bank Maskan", "--type", "person", "--dob", "1970", *args)
    data = json.loads(typed.output)
    assert data["party"]["type"] == "person" and data["party"]["dob"] == "1970"
    assert "query person vs listed organization" in data["hits"][0]["explanation"]
    bad = run("screen", "Bank Maskan", "--dob", "70s", "--db", db_url)
    assert bad.exit_code == 2
    assert run("screen", "--db", db_url).exit_code == 2  # neither NAME nor --input
    missing = run("screen", "Bank Maskan", "--lists", "un", "--as-of", "2018-05-01", "--db", db_url)
    assert missing.exit_code == 2
    assert "no version of un" in missing.output


def test_screen_a_csv_file(run, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "parties.csv"
    source.write_text(
        "id,name,type,dob,country\n"
        "c1,Bank Maskan,organization,,IR\n"
        "c2,Acme Printers GmbH,,,\n"
        "c3,Ismail Haniya,person,1962,\n",
        encoding="utf-8",
    )
    out = tmp_path / "hits.csv"
    result = run(
        "screen",
        "--input",
        str(source),
        "--output",
        str(out),
        "--as-of",
        "2018-05-01",
        "--db",
        db_url,
    )
    assert result.exit_code == 0, result.output
    rows = read_csv(out)
    assert list(rows[0]) == [
        "query_id",
        "rank",
        "score",
        "match",
        "list",
        "source_id",
        "entry_name",
        "matched_name",
        "programs",
        "explanation",
    ]
    by_query = {}
    for row in rows:
        by_query.setdefault(row["query_id"], []).append(row)
    assert "c2" not in by_query
    assert by_query["c1"][0]["source_id"] == "4633" and by_query["c1"][0]["match"] == "true"
    assert by_query["c1"][0]["rank"] == "1" and by_query["c1"][0]["programs"] == "IRAN"
    assert by_query["c3"][0]["source_id"] == "9639"
    assert "dob: query 1962 agrees with listed 1962" in by_query["c3"][0]["explanation"]


def test_screen_threshold_zero_gives_top_n_per_row_in_parquet(
    run, db_url: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "parties.parquet"
    names = ["Bank Maskan", "Refah Printers Bank", "Acme Printers GmbH"]
    pq.write_table(pa.table({"id": ["a", "b", "c"], "name": names}), source)
    out = tmp_path / "hits.parquet"
    result = run(
        "screen",
        "--input",
        str(source),
        "--output",
        str(out),
        "--threshold",
        "0",
        "--top",
        "3",
        "--as-of",
        "2018-05-01",
        "--db",
        db_url,
    )
    assert result.exit_code == 0, result.output
    table = pq.read_table(out).to_pylist()
    # Three candidates whatever their score, as long as retrieval finds any: a name sharing
    # no similar word with any listed name (`Acme Printers GmbH` here) has none.
    assert [(r["query_id"], r["rank"]) for r in table] == [
        ("a", 1),
        ("a", 2),
        ("a", 3),
        ("b", 1),
        ("b", 2),
        ("b", 3),
    ]
    assert table[0]["match"] is True and table[0]["source_id"] == "4633"
    assert table[3]["entry_name"] == "BANK REFAH KARGARAN"
    assert all(r["match"] is False for r in table[3:])


def test_bad_input_rows_name_file_and_line(run, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    def screen_text(name: str, text: str):  # type: ignore[no-untyped-def]
        source = tmp_path / name
        source.write_text(text, encoding="utf-8")
        output = str(tmp_path / "o.csv")
        args = ("--input", str(source), "--output", output, "--as-of", "2018-05-01")
        return source, run("screen", *args, "--db", db_url)

    source, result = screen_text("bad.csv", "id,name,type\n1,Bank Maskan,company\n")
    assert result.exit_code == 2
    assert f"{source}: line 2: unknown type 'company'" in result.output
    _, result = screen_text("missing.csv", "id,fullname\n1,x\n")
    assert result.exit_code == 2
    assert "missing column(s) name" in result.output
    _, result = screen_text("empty.csv", "id,name\n1,Bank Maskan\n2,  \n")
    assert result.exit_code == 2
    assert "line 3: empty name" in result.output


def test_a_file_stopped_at_line_7001_leaves_no_output(run, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The first 5,000-row chunk used to be written before the bad row stopped the run."""
    names = ["Bank Maskan", "Banco Nacional de Cuba", "Acme Printers GmbH", "Olga Petrova"]
    lines = [f"p{k},{names[k % len(names)]},,,\n" for k in range(2, 7_001)]
    source = tmp_path / "parties.csv"
    source.write_text(
        "id,name,type,dob,country\n" + "".join(lines) + "p7001,Bank Maskan,,,XX\n",
        encoding="utf-8",
    )
    output = tmp_path / "out" / "hits.csv"
    args = ("--input", str(source), "--output", str(output), "--as-of", "2018-05-01")
    result = run("screen", *args, "--db", db_url)
    assert result.exit_code == 2
    assert f"{source}: line 7001: country must be an ISO 3166-1 alpha-2 code" in result.output
    assert not output.parent.exists() or list(output.parent.iterdir()) == []


def test_compare_pairs(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pairs = tmp_path / "pairs.csv"
    pairs.write_text(
        "pair_id,left,right,type\n"
        'p1,Vladimir Putin,"PUTIN, Vladimir Vladimirovich",person\n'
        "p2,Acme Trading Company,Zenith Trading Company,organization\n"
        "p3,OOO Romashka,Romashka LLC,\n",
        encoding="utf-8",
    )
    out = tmp_path / "scores.csv"
    result = run("compare", "--pairs", str(pairs), "--output", str(out))
    assert result.exit_code == 0, result.output
    rows = {r["pair_id"]: r for r in read_csv(out)}
    assert list(next(iter(rows.values()))) == ["pair_id", "score", "match"]
    assert rows["p1"]["match"] == "true" and rows["p3"]["score"] == "1.0"
    assert rows["p2"]["match"] == "false" and float(rows["p2"]["score"]) < 0.7
