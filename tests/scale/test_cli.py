"""`clearance screen --input … --scheduler/--workers`: the door onto the partitioned run, with
Dask's progress bar on a terminal and the dashboard when asked for."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from scale_support import party_rows, write_csv

from clearance.cli import cli
from clearance.scale.cluster import ClusterSpec, open_cluster
from clearance.screening import service as screening_service
from clearance.store.db import open_store
from conftest import import_consolidated, worker_env

CLEARANCE = Path(sys.executable).with_name("clearance")


@pytest.fixture
def db_url(tmp_path: Path, lists_dir: Path) -> str:
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    engine = open_store(url)
    import_consolidated(engine, lists_dir)
    engine.dispose()
    screening_service.clear_memory_cache()
    return url


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {"CLEARANCE_DATA_DIR": str(tmp_path / "data"), "CLEARANCE_DASK_PARTITION_ROWS": "5000"}
    for name in [n for n in os.environ if n.startswith("CLEARANCE_DASK_")]:
        monkeypatch.delenv(name)
    monkeypatch.delenv("CLEARANCE_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    return values


def screen_args(source: Path, output: Path, db_url: str, *more: str) -> list[str]:
    where = ["--input", str(source), "--output", str(output), "--db", db_url]
    return ["screen", *where, "--as-of", "2018-05-01", *more]


def run_in_terminal(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    """Run the CLI with its stdout on a pseudo-terminal; (exit code, terminal text, stderr)."""
    main, child = pty.openpty()
    process = subprocess.Popen(
        [str(CLEARANCE), *args],
        stdout=child,
        stderr=subprocess.PIPE,
        env={**worker_env(), **env},
    )
    os.close(child)
    seen = b""
    while True:
        ready, _, _ = select.select([main], [], [], 1.0)
        if ready:
            try:
                data = os.read(main, 65536)
            except OSError:  # the child closed the terminal
                break
            if not data:
                break
            seen += data
        elif process.poll() is not None:
            break
    os.close(main)
    assert process.stderr is not None
    errors = process.stderr.read().decode()
    return process.wait(timeout=120), seen.decode(errors="replace"), errors


def test_workers_start_a_local_cluster_with_dask_progress_on_a_terminal(
    tmp_path: Path, lists_dir: Path, db_url: str, env: dict[str, str]
) -> None:
    source = write_csv(tmp_path / "parties.csv", party_rows(lists_dir, 11_000))
    single = CliRunner().invoke(cli, screen_args(source, tmp_path / "single.csv", db_url), env=env)
    assert single.exit_code == 0, single.output
    dashboard = {"CLEARANCE_DASK_DASHBOARD": "127.0.0.1:0"}
    code, terminal, errors = run_in_terminal(
        screen_args(source, tmp_path / "local.csv", db_url, "--workers", "2"), env | dashboard
    )
    assert code == 0, errors
    assert "% Completed" in terminal  # Dask's own text progress bar
    assert re.search(r"dask: 2 worker\(s\) at tcp://127\.0\.0\.1:\d+, dashboard http://", errors)
    assert "screened 11000 row(s) in 3 partition(s)" in errors
    assert (tmp_path / "local.csv").read_bytes() == (tmp_path / "single.csv").read_bytes()


def test_scheduler_flag_and_environment(
    tmp_path: Path, lists_dir: Path, db_url: str, env: dict[str, str], dask_scheduler: str
) -> None:
    source = write_csv(tmp_path / "parties.csv", party_rows(lists_dir, 2_000))
    runner = CliRunner()
    single = runner.invoke(cli, screen_args(source, tmp_path / "single.csv", db_url), env=env)
    flagged = runner.invoke(
        cli,
        screen_args(source, tmp_path / "flag.csv", db_url, "--scheduler", dask_scheduler),
        env=env,
    )
    assert flagged.exit_code == 0, flagged.output
    from_env = runner.invoke(
        cli,
        screen_args(source, tmp_path / "env.csv", db_url),
        env=env | {"CLEARANCE_DASK_SCHEDULER": dask_scheduler},
    )
    assert from_env.exit_code == 0, from_env.output
    for result in (flagged, from_env):
        assert f"dask: 2 worker(s) at {dask_scheduler}" in result.output
        assert "in 1 partition(s)" in result.output
    assert (tmp_path / "flag.csv").read_bytes() == (tmp_path / "single.csv").read_bytes()
    assert (tmp_path / "env.csv").read_bytes() == (tmp_path / "single.csv").read_bytes()
    seq = re.findall(r"audit record (\d+)", from_env.output)[-1]
    shown = runner.invoke(cli, ["audit", "show", seq, "--format", "json", "--db", db_url], env=env)
    payload = json.loads(shown.output)["payload"]
    assert payload["cluster"]["scheduler"] == dask_scheduler and payload["partitions"] == 1
    assert payload["settings"]["dask_scheduler"]["source"] == "env"
    assert single.exit_code == 0


def test_cluster_flags_are_refused_where_they_mean_nothing(
    tmp_path: Path, db_url: str, env: dict[str, str]
) -> None:
    runner = CliRunner()
    both = runner.invoke(
        cli,
        screen_args(
            tmp_path / "in.csv", tmp_path / "out.csv", db_url, "--workers", "2", "--scheduler", "x"
        ),
        env=env,
    )
    assert both.exit_code == 2 and "either --scheduler or --workers" in both.output
    one_name = runner.invoke(cli, ["screen", "Bank Maskan", "--workers", "2", "--db", db_url])
    assert one_name.exit_code == 2 and "screen files" in one_name.output


def test_the_dashboard_answers_when_enabled_and_only_then() -> None:
    with open_cluster(ClusterSpec(workers=1, dashboard="127.0.0.1:0")) as client:
        page = urllib.request.urlopen(client.dashboard_link, timeout=30)
        assert page.status == 200 and b"Dask" in page.read()
    with open_cluster(ClusterSpec(workers=1)) as client:
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(client.dashboard_link, timeout=30)
        assert missing.value.code == 404
