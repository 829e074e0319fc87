"""`screen_file` in several processes: the same output byte for byte, the same first error,
and a clear failure when a worker dies. Real SDN 2023-12-28 index, real forked processes.

Chunks are made small (`CHUNK_ROWS`) so a file of a few thousand rows has many of them, as a
file of a hundred thousand rows has at the real size.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from test_batch_files import party_lines, plain_names, with_line, write_parties

from clearance.model import Entry
from clearance.screening import BatchInputError, ScreeningIndex, ScreeningWorkerError, batch
from clearance.screening import screen_file as screen_file_

CHUNK = 200
ROWS = 2_100  # 11 chunks, the last one short


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch, "CHUNK_ROWS", CHUNK)


@pytest.fixture(scope="module")
def names(sdn_2023: list[Entry]) -> list[str]:
    return plain_names(sdn_2023)


def screen_file(index: ScreeningIndex, source: Path, output: Path, **options: object) -> object:
    """`screen_file`, noting whether worker processes were alive while it wrote."""
    seen: list[int] = []

    def progress(rows: int) -> None:
        seen.append(len(multiprocessing.active_children()))

    summary = screen_file_(index, source, output, progress=progress, **options)  # type: ignore[arg-type]
    return summary, max(seen, default=0)


def parquet_parties(source: Path, target: Path) -> Path:
    rows = [line.decode().rstrip("\n").split(",") for line in source.read_bytes().splitlines()]
    header, body = rows[0], rows[1:]
    pq.write_table(pa.table({c: [r[k] for r in body] for k, c in enumerate(header)}), target)
    return target


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
@pytest.mark.parametrize("options", [{}, {"threshold": 0.0, "top": 3}])
def test_several_processes_write_what_one_writes(
    sdn_index: ScreeningIndex,
    tmp_path: Path,
    names: list[str],
    suffix: str,
    options: dict[str, object],
) -> None:
    source = write_parties(tmp_path / "parties.csv", party_lines(names, ROWS))
    if suffix == ".parquet":
        source = parquet_parties(source, tmp_path / "parties.parquet")
    one, workers_one = screen_file(sdn_index, source, tmp_path / f"one{suffix}", **options)
    for processes in (2, 3):
        output = tmp_path / f"p{processes}{suffix}"
        summary, workers = screen_file(sdn_index, source, output, processes=processes, **options)
        assert workers == processes  # the chunks were screened by forked workers
        assert summary == one
        assert output.read_bytes() == (tmp_path / f"one{suffix}").read_bytes()
    assert workers_one == 0
    assert one.rows == ROWS and one.matches > 500  # type: ignore[attr-defined]
    assert multiprocessing.active_children() == []  # the workers are gone


def test_a_file_of_fewer_than_two_chunks_stays_in_one_process(
    sdn_index: ScreeningIndex, tmp_path: Path, names: list[str]
) -> None:
    source = write_parties(tmp_path / "parties.csv", party_lines(names, CHUNK))
    summary, workers = screen_file(sdn_index, source, tmp_path / "hits.csv", processes=2)
    assert workers == 0
    assert summary.rows == CHUNK  # type: ignore[attr-defined]


def test_the_first_bad_line_is_reported_as_one_process_reports_it(
    sdn_index: ScreeningIndex, tmp_path: Path, names: list[str]
) -> None:
    """A bad row in chunk 8 and a bad byte in chunk 9: the reader reaches the byte while a
    worker screens chunk 8, but the row comes first in the file, so it is the error."""
    lines = with_line(party_lines(names, ROWS), 1_550, b"p1549,Bank Maskan,company,,\n")
    lines = with_line(lines, 1_750, b"p1749,M\xfcller GmbH,,,\n")
    source = write_parties(tmp_path / "parties.csv", lines)
    output = tmp_path / "hits.csv"
    output.write_bytes(b"the previous run's hits\n")
    for processes in (1, 2):
        with pytest.raises(BatchInputError, match="line 1550: unknown type 'company'"):
            screen_file_(sdn_index, source, output, processes=processes)
        assert output.read_bytes() == b"the previous run's hits\n"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["hits.csv", "parties.csv"]

    only_byte = write_parties(
        tmp_path / "parties.csv", with_line(party_lines(names, ROWS), 1_750, b"p,M\xfcller,,,\n")
    )
    with pytest.raises(BatchInputError, match=r"parties\.csv: line 1750: 'utf-8' codec"):
        screen_file_(sdn_index, only_byte, output, processes=2)
    assert output.read_bytes() == b"the previous run's hits\n"
    assert multiprocessing.active_children() == []


def test_a_worker_that_dies_fails_the_run_without_output(
    sdn_index: ScreeningIndex, tmp_path: Path, names: list[str]
) -> None:
    source = write_parties(tmp_path / "parties.csv", party_lines(names, ROWS * 2))
    output = tmp_path / "hits.parquet"

    def kill_a_worker(rows: int) -> None:
        for child in multiprocessing.active_children():
            assert child.pid is not None
            os.kill(child.pid, signal.SIGKILL)
            return

    with pytest.raises(ScreeningWorkerError, match="worker process stopped unexpectedly"):
        screen_file_(sdn_index, source, output, processes=2, progress=kill_a_worker)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["parties.csv"]
    assert multiprocessing.active_children() == []


def test_the_cli_flag_and_setting_choose_the_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lists_dir: Path, names: list[str]
) -> None:
    from click.testing import CliRunner

    from clearance.cli import cli
    from clearance.lists.ofac_csv import parse
    from clearance.screening import service as screening_service
    from clearance.store.db import open_store
    from clearance.store.versions import import_list

    db = f"sqlite:///{tmp_path / 'store.sqlite'}"
    engine = open_store(db)
    import_list(engine, parse(lists_dir / "ofac" / "sdn_csv" / "2023-12-28"), date(2023, 12, 28))
    engine.dispose()
    screening_service.clear_memory_cache()
    monkeypatch.setenv("CLEARANCE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CLEARANCE_CONFIG", raising=False)
    source = write_parties(tmp_path / "parties.csv", party_lines(names, 3 * CHUNK))
    runner = CliRunner()

    def screen(output: str, *flags: str) -> Path:
        args = ["screen", "--input", str(source), "--output", str(tmp_path / output)]
        result = runner.invoke(cli, [*args, "--as-of", "2024-01-01", *flags, "--db", db])
        assert result.exit_code == 0, result.output
        return tmp_path / output

    one = screen("one.csv", "--processes", "1").read_bytes()
    assert screen("two.csv", "--processes", "2").read_bytes() == one
    monkeypatch.setenv("CLEARANCE_SCREEN_PROCESSES", "3")
    assert screen("env.csv").read_bytes() == one
    monkeypatch.setenv("CLEARANCE_SCREEN_PROCESSES", "0")
    refused = runner.invoke(cli, ["screen", "--input", str(source), "--output", "x.csv"])
    assert refused.exit_code == 2 and "CLEARANCE_SCREEN_PROCESSES (env)" in refused.output
    alone = runner.invoke(cli, ["screen", "Bank Maskan", "--processes", "2", "--db", db])
    assert alone.exit_code == 2 and "give --input and --output" in alone.output
