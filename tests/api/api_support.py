"""Helpers of the API tests: the served store, its keys, starting and stopping servers.

Kept out of conftest.py so that test modules import them by a name no other test folder uses.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import Engine

from clearance.access import Role
from clearance.service import Clearance
from clearance.service.keys import create_key, revoke_key
from clearance.settings import LoadedSettings, load_settings

SDN_DATE = "2023-12-28"
FSB = "21344"
PUTIN = "35096"
REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Served:
    """A running server, its store and a key for each role (plus a revoked one)."""

    base_url: str
    db_url: str
    engine: Engine
    keys: dict[str, str]

    def client(self, role: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"ApiKey {self.keys[role]}"} if role else {}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=120)


def settings_for(db_url: str, data_dir: Path) -> LoadedSettings:
    return load_settings({"db": db_url, "data_dir": str(data_dir), "actor": "tests"}, env={})


def make_keys(engine: Engine, loaded: LoadedSettings) -> dict[str, str]:
    admin = Clearance(engine, loaded, loaded.settings.actor)
    keys = {role.value: create_key(admin, name=f"{role.value}-key", role=role).key for role in Role}
    keys["revoked"] = create_key(admin, name="old", role=Role.ADMIN).key
    revoke_key(admin, "old")
    return keys


def _wait_for_port(log: Path, proc: subprocess.Popen[bytes]) -> int:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        found = re.search(r"Uvicorn running on http://127\.0\.0\.1:(\d+)", log.read_text())
        if found:
            return int(found.group(1))
        if proc.poll() is not None:
            raise RuntimeError(f"clearance serve exited {proc.returncode}:\n{log.read_text()}")
        time.sleep(0.2)
    raise RuntimeError(f"clearance serve did not start:\n{log.read_text()}")


def start_server(
    db_url: str, folder: Path, name: str = "server", env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """`clearance serve` on a free port of 127.0.0.1 over `db_url`: the process, its URL.
    `env` adds settings (`CLEARANCE_...`) to the server's environment."""
    log = folder / f"{name}.log"
    env = os.environ | {
        "CLEARANCE_DATA_DIR": str(folder / "data"),
        "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")]),
        **(env or {}),
    }
    command = [sys.executable, "-c", "from clearance.cli import main; main()"]
    args = ["serve", "--host", "127.0.0.1", "--port", "0", "--db", db_url]
    with log.open("wb") as out:
        proc = subprocess.Popen([*command, *args], env=env, stdout=out, stderr=out)
    try:
        port = _wait_for_port(log, proc)
    except BaseException:
        stop_server(proc)
        raise
    return proc, f"http://127.0.0.1:{port}"


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
