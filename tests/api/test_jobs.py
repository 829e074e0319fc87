"""Batch jobs through a real server (`clearance serve`) on SQLite and PostgreSQL: the upload
streams in (past the body limit), the answer is immediate, the job outlives its client, its
hits are exactly `screen --input`'s and it is audited the same way; a server killed under a
running job marks it failed when it starts again."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import signal
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_support import REPO, SDN_DATE, Served, make_keys, settings_for, start_server, stop_server

from clearance.audit.records import iter_records
from clearance.lists.ofac_csv import parse
from clearance.service import Clearance
from clearance.service.screening import ScreenRequest, screen_parties_file
from clearance.store.db import open_store
from clearance.store.versions import import_list

NAMES = [row["name"] for row in csv.DictReader((REPO / "examples" / "parties.csv").open())]


def parties_csv(rows: int, first: str | None = None) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "name", "type"])
    if first is not None:
        writer.writerow(["bad", first, "organization"])
    for i in range(rows):
        writer.writerow([f"p{i}", NAMES[i % len(NAMES)], "unknown"])
    return out.getvalue().encode()


def chunked(data: bytes, size: int = 256 * 1024) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def submit(base_url: str, key: str, data: bytes, **params: Any) -> httpx.Response:
    headers = {"Authorization": f"ApiKey {key}", "Content-Type": "text/csv"}
    # A client of its own, closed at once: the job must not depend on it.
    with httpx.Client(base_url=base_url, headers=headers, timeout=120) as client:
        return client.post("/jobs", content=chunked(data), params=params)


def wait_for(client: httpx.Client, job_id: str, timeout: float = 300) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/jobs/{job_id}").json()
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish in {timeout}s")


def test_a_job_outlives_its_client_and_answers_as_screen_input(
    served: Served, tmp_path: Path
) -> None:
    data = parties_csv(3000)
    started = time.monotonic()
    response = submit(served.base_url, served.keys["analyst"], data, as_of=SDN_DATE, top=3)
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["state"] in ("queued", "running") and response.headers["location"].endswith(
        job["id"]
    )
    assert time.monotonic() - started < 30  # the answer does not wait for the screening

    with served.client("analyst") as client:
        finished = wait_for(client, job["id"])
        assert finished["state"] == "done", finished
        assert (finished["rows_total"], finished["rows_done"]) == (3000, 3000)
        result = client.get(f"/jobs/{job['id']}/result")
    assert result.status_code == 200 and result.headers["content-type"].startswith("text/csv")

    # The same file through the use case `clearance screen --input` calls: the same hits.
    (tmp_path / "parties.csv").write_bytes(data)
    app = Clearance(served.engine, settings_for(served.db_url, tmp_path), "tests")
    request = ScreenRequest(as_of=date.fromisoformat(SDN_DATE), top=3)
    local = screen_parties_file(app, tmp_path / "parties.csv", tmp_path / "hits.csv", request)
    assert result.content == (tmp_path / "hits.csv").read_bytes()
    assert finished["output_rows"] == local.summary.output_rows > 0
    assert finished["matches"] == local.summary.matches > 0

    # Audited as `screen --input` is: one screening_batch record, the key as actor.
    [record] = [
        r
        for r in iter_records(served.engine, kinds=["screening_batch"])
        if r.seq == finished["audit_record"]
    ]
    assert record.actor == "analyst-key"
    assert record.payload["input"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert record.payload["output"]["sha256"] == hashlib.sha256(result.content).hexdigest()
    assert record.payload["request"]["as_of"] == SDN_DATE and record.payload["rows"] == 3000

    # Only the key that submitted the job sees it.
    with served.client("admin") as other:
        assert other.get(f"/jobs/{job['id']}").status_code == 404
        assert other.get(f"/jobs/{job['id']}/result").status_code == 404
        assert other.get("/jobs/" + "0" * 32).status_code == 404
        assert other.delete(f"/jobs/{job['id']}").status_code == 404
        assert other.get("/jobs/not-an-id").status_code == 422

    # Its owner deletes the files: the job stays, expired; the result is gone; the record stays.
    with served.client("analyst") as client:
        deleted = client.delete(f"/jobs/{job['id']}")
        assert deleted.status_code == 200 and deleted.json()["state"] == "expired"
        assert client.get(f"/jobs/{job['id']}").json()["state"] == "expired"
        gone = client.get(f"/jobs/{job['id']}/result")
    assert gone.status_code == 409 and "deleted" in gone.json()["detail"]
    assert record.seq in {r.seq for r in iter_records(served.engine, kinds=["screening_batch"])}


def test_uploads_past_the_body_limit_go_to_jobs_and_bad_rows_fail_the_job(
    served: Served,
) -> None:
    # 11 MB: over api_max_body_bytes (10 MB), which /jobs does not apply, streamed chunked.
    big = parties_csv(420_000, first="!!!")
    assert len(big) > 10 * 1024 * 1024
    response = submit(served.base_url, served.keys["viewer"], big)
    assert response.status_code == 202, response.text
    assert response.json()["input_bytes"] == len(big)
    with served.client("viewer") as client:
        failed = wait_for(client, response.json()["id"])
        assert failed["state"] == "failed"
        assert (
            failed["error"].startswith("upload: line 2: ")
            and "letters or digits" in (failed["error"])
        )
        assert str(REPO) not in failed["error"] and "/jobs/" not in failed["error"]
        refused = client.get(f"/jobs/{failed['id']}/result")
        assert refused.status_code == 409 and "failed" in refused.json()["detail"]
        # The same size on another route: 413.
        screen = client.post("/screen", content=chunked(big), headers={"Content-Type": "text/csv"})
        assert screen.status_code == 413


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "empty upload"),
        (b"id,label\n1,x\n", "missing column(s) name"),
        (b"\xff\xfe\x00garbage", "line 1"),
    ],
)
def test_unreadable_uploads_are_refused_at_once(served: Served, data: bytes, says: str) -> None:
    response = submit(served.base_url, served.keys["viewer"], data)
    assert response.status_code == 422, response.text
    assert says in response.json()["detail"] and "/jobs/" not in response.json()["detail"]
    parquet = submit(served.base_url, served.keys["viewer"], b"PAR1 not parquet", format="parquet")
    assert parquet.status_code == 422 and "Parquet" in parquet.json()["detail"]


def test_a_job_killed_with_its_server_is_failed_at_the_next_start(
    store_url: str, tmp_path: Path, lists_dir: Path
) -> None:
    engine = open_store(store_url)
    subset = lists_dir / "ofac" / "sdn_csv" / "samples" / "2025-05_subset"
    import_list(engine, parse(subset), published=date(2025, 5, 16))
    keys = make_keys(engine, settings_for(store_url, tmp_path))
    proc, base_url = start_server(store_url, tmp_path, "first")
    try:
        response = submit(base_url, keys["analyst"], parties_csv(300_000))
        assert response.status_code == 202, response.text
        job_id = response.json()["id"]
        headers = {"Authorization": f"ApiKey {keys['analyst']}"}
        with httpx.Client(base_url=base_url, headers=headers, timeout=60) as client:
            deadline = time.monotonic() + 120
            while (job := client.get(f"/jobs/{job_id}").json())["rows_done"] == 0:
                assert time.monotonic() < deadline and job["state"] != "failed", job
                time.sleep(0.1)
        assert job["state"] == "running" and job["rows_done"] < job["rows_total"] == 300_000
        os.kill(proc.pid, signal.SIGKILL)  # no shutdown of any kind
        proc.wait()
    finally:
        stop_server(proc)
    proc, base_url = start_server(store_url, tmp_path, "second")
    try:
        with httpx.Client(base_url=base_url, headers=headers, timeout=60) as client:
            job = client.get(f"/jobs/{job_id}").json()
    finally:
        stop_server(proc)
        engine.dispose()
    assert job["state"] == "failed" and job["error"].startswith("interrupted"), job
