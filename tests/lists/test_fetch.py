"""Downloading lists, against a real local HTTP server serving the shared list files."""

from __future__ import annotations

import hashlib
import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pytest

from clearance.lists.fetch import FetchError, fetch_source
from clearance.model import ListSource


@dataclass
class Faults:
    """Per-path misbehaviour the server should show (the next N requests)."""

    errors: dict[str, int] = field(default_factory=dict)  # path -> count of HTTP 503
    truncate: set[str] = field(default_factory=set)  # paths served with a short body
    requests: list[str] = field(default_factory=list)


class _Handler(http.server.SimpleHTTPRequestHandler):
    faults: Faults

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        self.faults.requests.append(self.path)
        remaining = self.faults.errors.get(self.path, 0)
        if remaining:
            self.faults.errors[self.path] = remaining - 1
            self.send_error(503, "try later")
            return
        if self.path in self.faults.truncate:
            body = Path(self.translate_path(self.path)).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            return
        super().do_GET()


@dataclass
class Mirror:
    root: Path
    base_url: str
    faults: Faults


@pytest.fixture
def mirror(tmp_path: Path, lists_dir: Path) -> Iterator[Mirror]:
    """A mirror laid out as `{base}/{source}/{file}`, linking to the shared files."""
    root = tmp_path / "mirror"
    sdn = root / "ofac-sdn"
    sdn.mkdir(parents=True)
    for name in ("sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv"):
        (sdn / name).symlink_to(lists_dir / "ofac/sdn_csv/2021-07" / name)
    un = root / "un"
    un.mkdir()
    (un / "consolidated.xml").symlink_to(lists_dir / "un/2018-06-07/consolidated.xml")
    faults = Faults()
    handler = partial(type("H", (_Handler,), {"faults": faults}), directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Mirror(root, f"http://127.0.0.1:{server.server_address[1]}", faults)
    finally:
        server.shutdown()
        server.server_close()


def _no_sleep(_seconds: float) -> None:
    pass


def test_fetch_downloads_every_file_and_swaps_current(mirror: Mirror, tmp_path: Path) -> None:
    got = fetch_source(ListSource.OFAC_SDN, tmp_path / "dl", base_url=mirror.base_url)
    current = tmp_path / "dl/ofac-sdn/current"
    assert current.is_symlink() and current.resolve() == got.folder.resolve()
    for name in ("sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv"):
        assert (current / name).read_bytes() == (mirror.root / "ofac-sdn" / name).read_bytes()
    assert got.main_file.name == "sdn.csv" and got.changed

    again = fetch_source(ListSource.OFAC_SDN, tmp_path / "dl", base_url=mirror.base_url)
    assert again.folder == got.folder and not again.changed
    leftovers = [p.name for p in (tmp_path / "dl/ofac-sdn").iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_missing_optional_side_file_is_fine(mirror: Mirror, tmp_path: Path) -> None:
    (mirror.root / "ofac-sdn/sdn_comments.csv").unlink()
    got = fetch_source(ListSource.OFAC_SDN, tmp_path / "dl", base_url=mirror.base_url)
    assert sorted(p.name for p in got.folder.iterdir()) == ["add.csv", "alt.csv", "sdn.csv"]


def test_transient_errors_are_retried(mirror: Mirror, tmp_path: Path) -> None:
    mirror.faults.errors["/un/consolidated.xml"] = 2
    got = fetch_source(
        ListSource.UN, tmp_path / "dl", base_url=mirror.base_url, retries=3, sleep=_no_sleep
    )
    assert mirror.faults.requests.count("/un/consolidated.xml") == 3
    assert got.main_file.read_bytes() == (mirror.root / "un/consolidated.xml").read_bytes()


def test_persistent_errors_fail_and_keep_previous(mirror: Mirror, tmp_path: Path) -> None:
    first = fetch_source(ListSource.UN, tmp_path / "dl", base_url=mirror.base_url)
    mirror.faults.errors["/un/consolidated.xml"] = 10
    with pytest.raises(FetchError, match=r"HTTP 503 .* after 3 attempt"):
        fetch_source(
            ListSource.UN, tmp_path / "dl", base_url=mirror.base_url, retries=2, sleep=_no_sleep
        )
    assert (tmp_path / "dl/un/current").resolve() == first.folder.resolve()
    assert [p.name for p in (tmp_path / "dl/un").iterdir() if p.name.startswith(".")] == []


def test_truncated_download_is_rejected(mirror: Mirror, tmp_path: Path) -> None:
    mirror.faults.truncate.add("/un/consolidated.xml")
    with pytest.raises(FetchError, match="truncated"):
        fetch_source(
            ListSource.UN, tmp_path / "dl", base_url=mirror.base_url, retries=1, sleep=_no_sleep
        )
    assert not (tmp_path / "dl/un/current").exists()


def test_checksum_mismatch_is_rejected(mirror: Mirror, tmp_path: Path) -> None:
    xml = (mirror.root / "un/consolidated.xml").read_bytes()
    good = hashlib.sha256(xml).hexdigest()
    (mirror.root / "un/SHA256SUMS").write_text(f"{good}  consolidated.xml\n")
    fetch_source(ListSource.UN, tmp_path / "ok", base_url=mirror.base_url)

    (mirror.root / "un/SHA256SUMS").write_text(f"{'0' * 64}  consolidated.xml\n")
    with pytest.raises(FetchError, match="does not match SHA256SUMS"):
        fetch_source(ListSource.UN, tmp_path / "bad", base_url=mirror.base_url)
    assert not (tmp_path / "bad/un/current").exists()


def test_offline_gives_a_clear_error(tmp_path: Path) -> None:
    # Port 9 (discard) on loopback: nothing listens there, so the connection is refused.
    with pytest.raises(FetchError, match=r"could not download after 2 attempt.*offline"):
        fetch_source(
            ListSource.UN,
            tmp_path / "dl",
            base_url="http://127.0.0.1:9",
            retries=1,
            sleep=_no_sleep,
        )


def test_cli_fetch_imports_from_the_mirror(mirror: Mirror, tmp_path: Path) -> None:
    import json

    from click.testing import CliRunner

    from clearance.cli import cli

    db = f"sqlite:///{tmp_path / 'fetch.sqlite'}"
    env = {"CLEARANCE_DATA_DIR": str(tmp_path / "data")}
    args = ["lists", "fetch", "ofac-sdn", "un", "--base-url", mirror.base_url, "--db", db]
    result = CliRunner(env=env).invoke(cli, [*args, "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    imported = {v["list"]: v for v in json.loads(result.output)}
    assert imported["ofac-sdn"]["entries"] == 8976 and imported["ofac-sdn"]["created"]
    assert imported["un"]["published"] == "2018-06-07"
    assert imported["un"]["entries"] == 693 + 405
    again = CliRunner(env=env).invoke(cli, args, catch_exceptions=False)
    assert "ofac-sdn: unchanged" in again.output and "un: unchanged" in again.output

    offline = CliRunner(env=env).invoke(
        cli, ["lists", "fetch", "un", "--base-url", "http://127.0.0.1:9", "--db", db]
    )
    assert offline.exit_code == 2 and "could not download" in offline.output


def test_old_downloads_are_pruned(mirror: Mirror, tmp_path: Path) -> None:
    xml = mirror.root / "un/consolidated.xml"
    original = xml.resolve().read_bytes()
    xml.unlink()
    for n in range(7):  # seven different contents in turn
        xml.write_bytes(
            original.replace(
                b"</CONSOLIDATED_LIST>", f"<!-- {n} -->".encode() + b"</CONSOLIDATED_LIST>"
            )
        )
        got = fetch_source(ListSource.UN, tmp_path / "dl", base_url=mirror.base_url)
    folders = [p for p in (tmp_path / "dl/un").iterdir() if p.is_dir() and not p.is_symlink()]
    assert len(folders) == 5
    assert got.folder in folders
    assert (tmp_path / "dl/un/current").resolve() == got.folder.resolve()
