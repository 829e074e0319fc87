"""The web UI in a real browser: one `clearance serve` and one Chromium for the whole module.

`site` imports the real SDN sets of 2022-06-17, 2022-06-28 and 2023-12-28 into a SQLite store,
creates an analyst, an approver and a viewer with `clearance users create --password-stdin`,
and starts `clearance serve` on a free port with four-eyes review on. `browser` is Debian's
Chromium (/usr/bin/chromium) driven by Playwright; Playwright's own browser is never
downloaded. Every test's pages are watched: a JavaScript error, a console error, a failed
request or an unexpected 4xx/5xx fails the test.

Screenshots go to `$CLEARANCE_SCREENSHOTS` when set (`make screenshots` writes
docs/screenshots/), else to a temporary folder.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from web_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PASSWORDS,
    SDN_DATES,
    Site,
    child_env,
    cli_command,
    wait_for_port,
)

from clearance.model import Party
from clearance.service import Clearance
from clearance.service.lists import import_list_file
from clearance.service.screening import ScreenRequest, screen_party
from clearance.settings import load_settings
from clearance.store.db import open_store


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, lists_dir: Path) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("web")
    db_url = f"sqlite:///{folder / 'store.sqlite'}"
    data_dir = folder / "data"
    loaded = load_settings({"db": db_url, "data_dir": str(data_dir), "actor": "ops"}, env={})
    ops = Clearance.open(loaded)
    for day in SDN_DATES:
        published = date.fromisoformat(day)
        import_list_file(ops, lists_dir / "ofac" / "sdn_csv" / day, published=published)
        # Build each version's screening index now, into the index cache the server reads
        # (same data_dir), so that no page waits for one while the browser's clock runs.
        screen_party(ops, Party("warm-up"), ScreenRequest(as_of=published), audit=False)
    ops.close()
    shots = Path(os.environ.get("CLEARANCE_SCREENSHOTS") or folder / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    engine = open_store(db_url)
    log = folder / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cli_command("serve", "--host", "127.0.0.1", "--port", "0", "--db", db_url),
            env=child_env(data_dir, CLEARANCE_FOUR_EYES="true"),
            stdout=out,
            stderr=out,
        )
    try:
        port = wait_for_port(log, proc)
        made = Site(f"http://127.0.0.1:{port}", db_url, engine, data_dir, shots)
        for name, (role, password) in PASSWORDS.items():
            done = made.cli(
                "users", "create", name, "--role", role, "--password-stdin", stdin=password
            )
            assert done.returncode == 0, done.stderr
        yield made
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"no Chromium at {CHROMIUM}: `apt-get install -y chromium` (.ci/run does), or set "
            "CLEARANCE_CHROMIUM"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()
