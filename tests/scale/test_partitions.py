"""Partitions read back exactly what the single-process run reads: the same rows, numbered
the same way, in the same 5,000-row chunks, and the input's checksum taken on the way."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from itertools import chain
from pathlib import Path

import pytest
from scale_support import party_rows, write_csv, write_parquet

from clearance.scale.partitions import CsvPartition, ParquetPartition, Plan
from clearance.screening import BatchInputError
from clearance.screening.batch import SCREEN_OPTIONAL, SCREEN_REQUIRED, _read_chunks


def whole(path: Path) -> list[list[tuple[str, dict[str, str]]]]:
    """The chunks `screen_file` reads."""
    return list(_read_chunks(path, SCREEN_REQUIRED, SCREEN_OPTIONAL))


def partitioned(plan: Plan) -> Iterator[list[tuple[str, dict[str, str]]]]:
    return chain.from_iterable(part.chunks() for part in list(plan))


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
    with pytest.raises(BatchInputError) as parts:
        list(Plan(str(ragged), str(ragged), 5_000))
    assert str(parts.value) == str(single.value) == f"{ragged}: line 3: 3 fields, header has 2"
    headless = tmp_path / "headless.csv"
    headless.write_text("id,nom\n1,x\n", encoding="utf-8")
    with pytest.raises(BatchInputError, match="missing column"):
        list(Plan(str(headless), str(headless), 5_000))
    with pytest.raises(BatchInputError, match="no such file"):
        list(Plan(str(tmp_path / "gone.csv"), "gone.csv", 5_000))
    with pytest.raises(ValueError, match="multiple of 5000"):
        Plan(str(ragged), str(ragged), 7_000)
