"""`POST /lists/import` and `POST /lists/fetch` through a real `clearance serve`, with the real
list files: the UN XML of 2026-02-27 as a raw body, OFAC SDN CSV sets as zip and tar archives,
and fetching from a local mirror (`http.server` over the shared list files) set as
`CLEARANCE_FETCH_BASE_URL`.

The server has a store of its own (empty at the start) per module and backend, so the lists
imported here never reach the other API tests.
"""

from __future__ import annotations

import http.server
import io
import tarfile
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_support import make_keys, settings_for, start_server, stop_server

from clearance.store.db import open_store

UN_2026 = ("un", "2026-02-27", "consolidated.xml")
SUBSET = ("ofac", "sdn_csv", "samples", "2025-05_subset")
OFAC_PARTS = ("sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv")
MAX_UPLOAD = 5_000_000


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass


@dataclass(frozen=True)
class Importer:
    base_url: str
    keys: dict[str, str]

    def client(self, role: str | None = "admin") -> httpx.Client:
        headers = {"Authorization": f"ApiKey {self.keys[role]}"} if role else {}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=300)


def _mirror(root: Path, lists_dir: Path) -> None:
    """`{base}/{source}/{file}`, as `lists fetch` reads a mirror: the UN list of 2018-06-07
    and the OFAC SDN CSV set of 2021-07 (no `uk-hmt` folder: that fetch fails)."""
    (root / "un").mkdir(parents=True)
    (root / "un" / "consolidated.xml").symlink_to(lists_dir / "un/2018-06-07/consolidated.xml")
    (root / "ofac-sdn").mkdir()
    for name in OFAC_PARTS:
        (root / "ofac-sdn" / name).symlink_to(lists_dir / "ofac/sdn_csv/2021-07" / name)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def importer(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, lists_dir: Path
) -> Iterator[Importer]:
    folder = tmp_path_factory.mktemp(f"import-{request.param}")
    if request.param == "sqlite":
        db_url = f"sqlite:///{folder / 'store.sqlite'}"
    else:
        db_url = request.getfixturevalue("new_pg_url")()
    engine = open_store(db_url)
    keys = make_keys(engine, settings_for(db_url, folder))
    _mirror(folder / "mirror", lists_dir)
    handler = partial(_Quiet, directory=str(folder / "mirror"))
    mirror = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=mirror.serve_forever, daemon=True).start()
    env = {
        "CLEARANCE_FETCH_BASE_URL": f"http://127.0.0.1:{mirror.server_address[1]}",
        "CLEARANCE_FETCH_RETRIES": "0",
        "CLEARANCE_API_MAX_UPLOAD_BYTES": str(MAX_UPLOAD),
    }
    proc, base_url = start_server(db_url, folder, env=env)
    try:
        yield Importer(base_url, keys)
    finally:
        stop_server(proc)
        mirror.shutdown()
        mirror.server_close()
        engine.dispose()


def _versions(client: httpx.Client, list_name: str) -> list[dict[str, Any]]:
    answer = client.get(f"/lists/{list_name}/versions")
    if answer.status_code == 404:
        return []
    assert answer.status_code == 200, answer.text
    versions: list[dict[str, Any]] = answer.json()
    return versions


def _last_import_record(client: httpx.Client) -> dict[str, Any]:
    page = client.get("/audit/records", params={"kind": "list_import", "limit": 1000}).json()
    record: dict[str, Any] = page["records"][-1]
    return record


def _zip_of(folder: Path, inside: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        for name in OFAC_PARTS:
            zipped.write(folder / name, f"{inside}{name}")
    return buffer.getvalue()


def _tar_of(folder: Path, inside: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tarred:
        for name in OFAC_PARTS:
            tarred.add(folder / name, f"{inside}{name}")
    return buffer.getvalue()


def test_only_admins_may_import_or_fetch(importer: Importer, lists_dir: Path) -> None:
    body = lists_dir.joinpath(*UN_2026).read_bytes()[:1000]
    for role in ("viewer", "analyst", "approver"):
        with importer.client(role) as client:
            refused = client.post("/lists/import", content=body)
            assert refused.status_code == 403, refused.text
            assert "import_lists" in refused.json()["detail"]
            assert client.post("/lists/fetch", json={"sources": ["un"]}).status_code == 403
    with importer.client(None) as anonymous:
        assert anonymous.post("/lists/import", content=body).status_code == 401
        assert anonymous.post("/lists/fetch").status_code == 401


def test_un_xml_imports_once_and_a_truncated_file_changes_nothing(
    importer: Importer, lists_dir: Path
) -> None:
    un_xml = lists_dir.joinpath(*UN_2026).read_bytes()
    with importer.client() as client:
        before = _versions(client, "un")
        imported = client.post("/lists/import", content=un_xml)
        assert imported.status_code == 201, imported.text
        [version] = imported.json()
        assert version["list"] == "un" and version["source"] == "un"
        assert version["published"] == "2026-02-27"
        assert version["created"] is True and version["entries"] > 900
        stored = {k: v for k, v in version.items() if k != "created"}
        assert _versions(client, "un") == [*before, stored]
        record = _last_import_record(client)
        assert record["actor"] == "admin-key"
        assert record["payload"]["version"]["id"] == version["id"]

        again = client.post("/lists/import", content=un_xml, params={"filename": "un.xml"})
        assert again.status_code == 200, again.text
        assert again.json() == [version | {"created": False}]
        assert len(_versions(client, "un")) == len(before) + 1

        truncated = client.post(
            "/lists/import", content=un_xml[: len(un_xml) // 2], params={"filename": "un.xml"}
        )
        assert truncated.status_code == 400, truncated.text
        detail = truncated.json()["detail"]
        assert detail.startswith("un.xml"), detail
        assert "uploads" not in detail  # never the server's folder
        in_force = client.get("/lists", params={"as_of": "2026-03-01"}).json()
        [un] = [row for row in in_force if row["list"] == "un"]
        assert un["in_force"]["id"] == version["id"]
        assert _last_import_record(client)["payload"]["version"]["id"] == version["id"]


def test_ofac_csv_set_as_zip_then_tar(importer: Importer, lists_dir: Path) -> None:
    subset = lists_dir.joinpath(*SUBSET)
    with importer.client() as client:
        before = _versions(client, "ofac-sdn")
        undated = client.post("/lists/import", content=_zip_of(subset))
        assert undated.status_code in (400, 422), undated.text
        assert "publi" in undated.json()["detail"]  # OFAC CSV carries no date: say so

        zipped = client.post(
            "/lists/import", content=_zip_of(subset), params={"published": "2025-05-16"}
        )
        assert zipped.status_code == 201, zipped.text
        [version] = zipped.json()
        assert (version["list"], version["published"], version["created"]) == (
            "ofac-sdn",
            "2025-05-16",
            True,
        )
        assert version["entries"] == 17
        # The same four files, in a folder of a tar.gz this time: identical content.
        tarred = client.post(
            "/lists/import",
            content=_tar_of(subset, "2025-05_subset/"),
            params={"published": "2025-05-16"},
            headers={"Content-Type": "application/gzip"},
        )
        assert tarred.status_code == 200, tarred.text
        assert tarred.json() == [version | {"created": False}]
        assert len(_versions(client, "ofac-sdn")) == len(before) + 1


def test_bad_uploads_are_client_errors(importer: Importer, lists_dir: Path) -> None:
    subset = lists_dir.joinpath(*SUBSET)
    escaping = io.BytesIO()
    with zipfile.ZipFile(escaping, "w") as zipped:
        zipped.write(subset / "sdn.csv", "../sdn.csv")
    with importer.client() as client:
        empty = client.post("/lists/import", content=b"")
        assert empty.status_code == 422
        assert "empty upload" in empty.json()["detail"]
        unknown = client.post("/lists/import", content=b"just some text\n")
        assert unknown.status_code == 400
        assert "cannot tell which list" in unknown.json()["detail"]
        outside = client.post(
            "/lists/import", content=escaping.getvalue(), params={"published": "2025-05-16"}
        )
        assert outside.status_code == 400
        assert "outside" in outside.json()["detail"]
        several = client.post("/lists/import", content=_zip_of(subset), params={"source": "un"})
        assert several.status_code == 400
        assert "a un list is one file, but the archive holds 4 files" in several.json()["detail"]
        too_big = client.post("/lists/import", content=b"x" * (MAX_UPLOAD + 1))
        assert too_big.status_code == 413
        assert "api_max_upload_bytes" in too_big.json()["detail"]
        wrong_kind = client.post("/lists/import", params={"source": "nope"}, content=b"x")
        assert wrong_kind.status_code == 422


def test_fetch_from_the_configured_mirror(importer: Importer) -> None:
    with importer.client() as client:
        before = _versions(client, "un")
        fetched = client.post("/lists/fetch", json={"sources": ["un"]})
        assert fetched.status_code == 200, fetched.text
        [version] = fetched.json()
        assert (version["list"], version["published"]) == ("un", "2018-06-07")
        assert version["created"] is True
        assert version["origin"].endswith("consolidated.xml")
        assert _last_import_record(client)["actor"] == "admin-key"

        again = client.post("/lists/fetch", json={"sources": ["un"]})
        assert again.status_code == 200
        assert again.json() == [version | {"created": False}]
        assert len(_versions(client, "un")) == len(before) + 1

        missing = client.post("/lists/fetch", json={"sources": ["uk-hmt"]})
        assert missing.status_code == 502, missing.text
        assert "uk-hmt" in missing.json()["detail"]
        assert client.post("/lists/fetch", json={"sources": ["nope"]}).status_code == 422


def _thinned_un(un_xml: bytes) -> bytes:
    """The UN list of 2026-02-27 a day later with every second person gone: well-formed, and
    far smaller than the version before it (what a publisher's half-written file can look like)."""
    from lxml import etree

    root = etree.fromstring(un_xml)
    root.set("dateGenerated", "2026-02-28T00:00:09.554Z")
    people = root.find("INDIVIDUALS")
    assert people is not None
    for person in list(people)[::2]:
        people.remove(person)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def test_a_large_drop_is_refused_unless_allowed_and_then_audited(
    importer: Importer, lists_dir: Path
) -> None:
    un_xml = lists_dir.joinpath(*UN_2026).read_bytes()
    thinned = _thinned_un(un_xml)
    with importer.client() as client:
        first = client.post("/lists/import", content=un_xml)
        assert first.status_code in (200, 201), first.text
        before = _versions(client, "un")

        refused = client.post("/lists/import", content=thinned, params={"filename": "un.xml"})
        assert refused.status_code == 400, refused.text
        assert "import_max_drop" in refused.json()["detail"]
        assert _versions(client, "un") == before

        allowed = client.post(
            "/lists/import", content=thinned, params={"filename": "un.xml", "allow_drop": "true"}
        )
        assert allowed.status_code == 201, allowed.text
        [version] = allowed.json()
        assert version["published"] == "2026-02-28"
        record = _last_import_record(client)
        assert record["payload"]["version"]["id"] == version["id"]
        overrode = record["payload"]["allow_drop"]["overrode"]
        assert overrode["entries"] == version["entries"] < overrode["previous_entries"]
