"""A real Dask cluster on 127.0.0.1 (`dask scheduler` and two `dask worker` processes), and a
store holding a real list.

The cluster is started once per test session (per xdist worker) on free ports, without
dashboards, with this checkout's `src` on the workers' path, and torn down at the end.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from clearance.lists import parse_list
from clearance.model import ListSource, ListVersion
from clearance.service import Clearance
from clearance.settings import load_settings
from clearance.store.versions import import_list

SRC = Path(__file__).resolve().parents[2] / "src"
DASK = Path(sys.executable).with_name("dask")
AS_OF = date(2018, 5, 1)
QUIET = ("--no-dashboard", "--dashboard-address", "127.0.0.1:0")
WORKER = ("--nthreads", "1", "--no-nanny", *QUIET)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def worker_env() -> dict[str, str]:
    """The environment with this checkout's source first on the path (workers unpickle the
    index and run clearance's task functions)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), *filter(None, [env.get("PYTHONPATH")])])
    return env


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in reversed(processes):
        if process.poll() is None:
            process.terminate()
    for process in reversed(processes):
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def dask_scheduler(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The address of a running scheduler with two single-threaded worker processes."""
    from distributed import Client

    logs = tmp_path_factory.mktemp("dask-logs")
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = worker_env()
    processes: list[subprocess.Popen[bytes]] = []
    try:
        processes.append(
            subprocess.Popen(
                # No dashboard; its HTTP server (/health) on a free port, not the usual 8787.
                [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", str(port), *QUIET],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=(logs / "scheduler.log").open("wb"),
            )
        )
        for name in ("w1", "w2"):
            processes.append(
                subprocess.Popen(
                    [str(DASK), "worker", address, "--name", name, "--host", "127.0.0.1", *WORKER],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=(logs / f"{name}.log").open("wb"),
                )
            )
        deadline = time.monotonic() + 90
        while True:
            try:
                with Client(address, timeout="5s", set_as_default=False) as client:
                    client.wait_for_workers(2, timeout=60)
                break
            except (OSError, TimeoutError):
                if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
                    problems = "\n".join(p.read_text()[-2000:] for p in logs.iterdir())
                    pytest.fail(f"the Dask test cluster did not start:\n{problems}")
                time.sleep(0.5)
        yield address
    finally:
        _stop(processes)


# --- a store and inputs ----------------------------------------------------------------------


def import_consolidated(engine: Engine, lists_dir: Path) -> ListVersion:
    folder = lists_dir / "ofac" / "consolidated" / "2018-04-06"
    return import_list(engine, parse_list(folder, ListSource.OFAC_CONS), date(2018, 4, 6)).version


@pytest.fixture
def app(engine: Engine, tmp_path: Path, lists_dir: Path) -> Clearance:
    """A store on each backend holding the real OFAC Consolidated list of 2018-04-06."""
    import_consolidated(engine, lists_dir)
    loaded = load_settings({"data_dir": str(tmp_path / "data")}, env={})
    return Clearance(engine, loaded, "tester")
