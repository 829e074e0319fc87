"""Partitions read back exactly what the single-process run reads: the same rows, numbered
the same way, in the same 5,000-row chunks, and the input's checksum taken on the way."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from itertools import chain
from pathlib import Path

import fsspec
import pytest
from scale_support import party_rows, write_csv, write_parquet

from clearance.lists import parse_list
from clearance.model import ListSource
from clearance.scale.partitions import CsvPartition, ParquetPartition, Plan, RowsPartition
from clearance.scale.run import screen_partitioned
from clearance.scale.tasks import ScreenParams, screen_partition
from clearance.screening import BatchInputError, ScreeningIndex, screen_file
from clearance.screening.batch import SCREEN_OPTIONAL, SCREEN_REQUIRED, _read_chunks


def whole(path: Path) -> list[list[tuple[str, dict[str, str]]]]:
    """The chunks `screen_file` reads."""
    return list(_read_chunks(path, SCREEN_REQUIRED, SCREEN_OPTIONAL))


@pytest.mark.parametrize("bom", [False, True])
def test_csv_partitions_read_the_same_chunks(tmp_path: Path, lists_dir: Path, bom: bool) -> None:
    path = write_csv(tmp_path / "parties.csv", party_rows(lists_dir, 17_400), bom=bom)
    plan = Plan(str(path), str(path), 10_000)
    parts = list(plan)
    assert [type(p) for p in parts] == [CsvPartition, CsvPartition]
    assert [p.rows for p in parts] == [10_000, 7_400]
    assert parts[0].end == parts[1].start and parts[1].end == path.stat().st_size
    assert list(chain.from_iterable(p.chunks() for p in parts)) == whole(path)
    assert plan.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert plan.rows == 17_400 and plan.count == 2
    # Line breaks inside quotes and blank lines put the last row past line 17,401: the
    # partitions still name every line as the whole-file reader does.
    last_line = int(whole(path)[-1][-1][0].removeprefix("line "))
    assert last_line > 17_401


def test_parquet_partitions_read_the_same_chunks(tmp_path: Path, lists_dir: Path) -> None:
    # Row groups of 3,333 rows: partitions start inside row groups, chunks cross them.
    path = write_parquet(tmp_path / "parties.parquet", party_rows(lists_dir, 16_000), 3_333)
    plan = Plan(str(path), str(path), 5_000)
    parts = list(plan)
    assert all(isinstance(p, ParquetPartition) for p in parts)
    assert [(p.start, p.stop) for p in parts] == [
        (0, 5000),
        (5000, 10000),
        (10000, 15000),
        (15000, 16000),
    ]
    assert parts[1].row_groups == (1, 2, 3)
    assert list(chain.from_iterable(p.chunks() for p in parts)) == whole(path)
    assert plan.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_bad_input_is_refused_as_the_single_process_run_refuses_it(tmp_path: Path) -> None:
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("id,name\n1,Bank Maskan\n2,Too,Many\n", encoding="utf-8")
    with pytest.raises(BatchInputError) as single:
        whole(ragged)
    with pytest.raises(BatchInputError) as parts:  # found by the worker reading its range
        [chunk for part in Plan(str(ragged), str(ragged), 5_000) for chunk in part.chunks()]
    assert str(parts.value) == str(single.value) == f"{ragged}: line 3: 3 fields, header has 2"
    headless = tmp_path / "headless.csv"
    headless.write_text("id,nom\n1,x\n", encoding="utf-8")
    with pytest.raises(BatchInputError, match="missing column"):
        list(Plan(str(headless), str(headless), 5_000))
    with pytest.raises(BatchInputError, match="no such file"):
        list(Plan(str(tmp_path / "gone.csv"), "gone.csv", 5_000))
    with pytest.raises(ValueError, match="multiple of 5000"):
        Plan(str(ragged), str(ragged), 7_000)


def test_in_process_partitions_and_urls_write_what_screen_file_writes(
    tmp_path: Path, lists_dir: Path
) -> None:
    """Without a cluster, a URL input is screened in partitions here; rows already in memory
    (a party book) go through the same task."""
    folder = lists_dir / "ofac" / "consolidated" / "2018-04-06"
    entries = parse_list(folder, ListSource.OFAC_CONS).entries
    index = ScreeningIndex.build(("ofac-cons", 1, entry) for entry in entries)
    path = write_csv(tmp_path / "parties.csv", party_rows(lists_dir, 6_000))
    expected = screen_file(index, path, tmp_path / "single.csv", threshold=0.75, top=10)

    params = ScreenParams(0.75, 10, None)
    memory = "memory://clearance-test/hits.csv"
    run = screen_partitioned(
        index, f"file://{path}", memory, params, partition_rows=5_000, spec=None
    )
    assert (run.summary, run.partitions, run.cluster) == (expected, 2, None)
    with fsspec.open(memory, "rb") as handle:
        assert handle.read() == (tmp_path / "single.csv").read_bytes()

    book = RowsPartition("party book", tuple(whole(path)))
    result = screen_partition(index, book, params)
    assert result.rows == 6_000 and result.output_rows == expected.output_rows
    assert result.matches == expected.matches > 0


@pytest.mark.parametrize(
    "oddity",
    [
        'p{n},O"Brien Trading,,,\n',  # a quote inside an unquoted field is a plain character
        'p{n},"Line\r\nbreak, CRLF",,,\r\n',  # a CRLF inside quotes
        "p{n},Lone CR,,,\rp{n}b,ends a record,,,\n",  # a lone CR ends a line and a record
        '"p{n}","""Quoted"" quotes",,,\n',
        "\n\r\n",  # blank lines
    ],
)
def test_csv_boundaries_agree_with_the_csv_module(tmp_path: Path, oddity: str) -> None:
    """Lines without quotes are counted as bytes; the others go through the csv module; the
    partitions are the whole-file reader's chunks in every case."""
    path = tmp_path / "odd.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write('id,"name",type,dob,country\r\n')
        for number in range(12_000):
            handle.write(
                oddity.format(n=number) if number % 1_000 == 999 else f"p{number},A B,,,\n"
            )
    plan = Plan(str(path), str(path), 5_000)
    parts = list(plan)
    assert list(chain.from_iterable(p.chunks() for p in parts)) == whole(path)
    assert sum(p.rows for p in parts) == sum(len(c) for c in whole(path))
    assert plan.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_bad_utf8_is_named_by_its_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        b"id,name\n" + b"".join(b"p%d,A B\n" % k for k in range(6_000)) + b"9,M\xfcller\n"
    )
    parts = list(Plan(str(path), str(path), 5_000))
    with pytest.raises(BatchInputError, match=r"line 6002: 'utf-8' codec can't decode"):
        list(parts[1].chunks())


def _refusals(path: Path) -> tuple[str, str]:
    """The single-process run's error for `path`, and the partitioned run's."""
    with pytest.raises(BatchInputError) as single:
        whole(path)
    with pytest.raises(BatchInputError) as parts:
        [chunk for part in Plan(str(path), str(path), 5_000) for chunk in part.chunks()]
    return str(single.value), str(parts.value)


@pytest.fixture
def csv_default_limit() -> Iterator[None]:
    """The csv module's field limit is process-wide, and importing followthemoney raises it
    (another test of the same worker may have): pin Python's default for this test."""
    previous = csv.field_size_limit(131_072)
    yield
    csv.field_size_limit(previous)


@pytest.mark.parametrize("line", [3, 5_500])
@pytest.mark.usefixtures("csv_default_limit")
def test_bad_utf8_and_an_unclosed_quote_are_named_by_their_line_in_both_runs(
    tmp_path: Path, lists_dir: Path, line: int
) -> None:
    rows = [
        f"p{k},{r['name'].replace(',', ' ')},,,\n".encode()
        for k, r in enumerate(party_rows(lists_dir, 6_000))
    ]
    header = b"id,name,type,dob,country\n"
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(
        header + b"".join(rows[: line - 2]) + b"9,M\xfcller\n" + b"".join(rows[line - 1 :])
    )
    single, parts = _refusals(latin1)
    assert single == parts
    assert single.startswith(f"{latin1}: line {line}: 'utf-8' codec can't decode byte 0xfc")
    unclosed = tmp_path / "unclosed.csv"
    unclosed.write_bytes(
        header + b"".join(rows[: line - 2]) + b'9,"Bank Maskan,,,\n' + b"".join(rows[line - 1 :])
    )
    single, parts = _refusals(unclosed)
    assert single == parts
    if line == 3:  # the csv module gives up once the field reaches 131,072 characters
        assert single.startswith(f"{unclosed}: line 3: field larger than field limit (131072)")
        assert "(the record runs on from line 3 to line " in single
        assert single.endswith(": a quote not closed?)")
    else:
        assert single == (
            f"{unclosed}: line {line}: a quoted field opened in this record is never closed "
            "(it runs on to the end of the file, line 6001)"
        )


def test_a_partitioned_run_that_stops_writes_nothing(tmp_path: Path, lists_dir: Path) -> None:
    """A URL output (here fsspec's memory) and a local one: no partial file, and a file
    already there as it was."""
    folder = lists_dir / "ofac" / "consolidated" / "2018-04-06"
    entries = parse_list(folder, ListSource.OFAC_CONS).entries
    index = ScreeningIndex.build(("ofac-cons", 1, entry) for entry in entries)
    rows = party_rows(lists_dir, 7_000)
    rows[6_000] = {**rows[6_000], "country": "Atlantis"}  # in the second partition
    source = write_csv(tmp_path / "parties.csv", rows)
    params = ScreenParams(0.75, 10, None)
    memory = fsspec.filesystem("memory")
    memory.pipe("/clearance-stop/hits.csv", b"earlier hits\n")
    for target in ("memory://clearance-stop/hits.csv", str(tmp_path / "out" / "hits.csv")):
        with pytest.raises(BatchInputError, match="country must be an ISO 3166-1"):
            screen_partitioned(
                index, f"file://{source}", target, params, partition_rows=5_000, spec=None
            )
    assert memory.ls("/clearance-stop", detail=False) == ["/clearance-stop/hits.csv"]
    assert memory.cat("/clearance-stop/hits.csv") == b"earlier hits\n"
    assert list((tmp_path / "out").iterdir()) == []
