"""What the browser tests share: the served site, Chromium's place and flags, and the watch
that fails a test on any page error (fixtures in conftest.py)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CLEARANCE_CHROMIUM", "/usr/bin/chromium"))
# As the machine's notes say Chromium must start here: no network of its own, no sandbox as
# root, nothing downloaded.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SDN_DATES = ("2022-06-17", "2022-06-28", "2023-12-28")
PASSWORDS = {
    "ana": ("analyst", "ana's long passphrase"),
    "abe": ("approver", "abe's long passphrase"),
    "vic": ("viewer", "vic's long passphrase"),
}


def cli_command(*args: str) -> list[str]:
    return [sys.executable, "-c", "from clearance.cli import main; main()", *args]


def child_env(data_dir: Path, **extra: str) -> dict[str, str]:
    return os.environ | {
        "CLEARANCE_DATA_DIR": str(data_dir),
        "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")]),
        **extra,
    }


@dataclass
class Site:
    base_url: str
    db_url: str
    engine: Engine
    data_dir: Path
    shots: Path

    def url(self, path: str) -> str:
        return self.base_url + path

    def cli(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            cli_command(*args, "--db", self.db_url),
            input=stdin,
            capture_output=True,
            text=True,
            env=child_env(self.data_dir),
            timeout=120,
            check=False,
        )


def wait_for_port(log: Path, proc: subprocess.Popen[bytes]) -> int:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        found = re.search(r"Uvicorn running on http://127\.0\.0\.1:(\d+)", log.read_text())
        if found:
            return int(found.group(1))
        if proc.poll() is not None:
            raise RuntimeError(f"clearance serve exited {proc.returncode}:\n{log.read_text()}")
        time.sleep(0.2)
    raise RuntimeError(f"clearance serve did not start:\n{log.read_text()}")


@dataclass
class Watch:
    """What went wrong on the pages of one browser context."""

    problems: list[str] = field(default_factory=list)
    statuses: list[tuple[int, str]] = field(default_factory=list)

    def attach(self, context: Any) -> None:
        context.on("console", self._console)
        context.on("weberror", lambda error: self.problems.append(f"page error: {error.error}"))
        context.on("requestfailed", self._failed)
        context.on("response", self._response)

    def _console(self, message: Any) -> None:
        if message.type in ("error", "warning"):
            self.problems.append(f"console {message.type}: {message.text}")

    def _failed(self, request: Any) -> None:
        self.problems.append(f"request failed: {request.method} {request.url} {request.failure}")

    def _response(self, response: Any) -> None:
        if response.status >= 400:
            self.statuses.append((response.status, response.url))

    def expect(self, status: int) -> None:
        """A refusal the test provoked on purpose (wrong password: 401)."""
        for i, (seen, _) in enumerate(self.statuses):
            if seen == status:
                del self.statuses[i]
                return
        raise AssertionError(f"expected a {status} response, saw {self.statuses}")

    def check(self) -> None:
        # A browser logs every 4xx/5xx as a console error too; those are in `statuses`.
        problems = [p for p in self.problems if "Failed to load resource" not in p]
        assert problems == [] and self.statuses == [], (problems, self.statuses)
