"""The doors onto monitoring: `clearance parties ...` / `clearance monitor ...` and
`POST /monitor/run`, `GET /monitor/runs`; and how a run's kind is chosen (a changed review
threshold re-screens everything, a run that another finished before commits nothing).

These use the small 2025-05 SDN subset (17 entries): the delta logic itself is tested on the
real 2022 update in test_monitor_story.py.
"""

from __future__ import annotations

import json
import warnings
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from monitor_support import write_book
from sqlalchemy import Engine

from clearance.access import Role
from clearance.api import create_app
from clearance.cli import cli
from clearance.lists.ofac_csv import parse
from clearance.monitoring import MonitorError
from clearance.monitoring.runs import RunKind
from clearance.service import Clearance
from clearance.service.keys import create_key
from clearance.service.monitoring import import_parties, run_monitor
from clearance.settings import load_settings
from clearance.store.db import open_store
from clearance.store.versions import import_list

with warnings.catch_warnings():  # starlette's TestClient would rather have httpx2
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

PUBLISHED = date(2025, 5, 16)
BOOK = [
    ("k1", "Dmitry Khoroshev", "person", "", "", ""),  # KHOROSHEV, Dmitry Yuryevich (48603)
    ("k2", "Artem Lifshits", "person", "", "", ""),  # LIFSHITS, Artem Mikhaylovich (29702)
    ("k3", "Bel Kap Steel", "organization", "", "", ""),  # BEL-KAP-STEEL LLC (44525)
    ("k4", "Artem Lifshitz Cohen", "person", "", "", ""),  # 0.74 to LIFSHITS: below 0.75
    ("k5", "Greta Lindqvist", "person", "", "", ""),
]


def subset(lists_dir: Path) -> Path:
    return lists_dir / "ofac" / "sdn_csv" / "samples" / "2025-05_subset"


def test_cli(tmp_path: Path, lists_dir: Path) -> None:
    db = f"sqlite:///{tmp_path / 'store.sqlite'}"
    runner = CliRunner()
    env = {"CLEARANCE_DATA_DIR": str(tmp_path / "data"), "CLEARANCE_ACTOR": "cli-test"}

    def run(*args: str) -> tuple[int, str]:
        result = runner.invoke(cli, [*args, "--db", db], env=env, catch_exceptions=False)
        return result.exit_code, result.output

    code, _ = run("lists", "import", str(subset(lists_dir)), "--published", "2025-05-16")
    assert code == 0
    book = write_book(tmp_path / "book.csv", BOOK)
    code, out = run("parties", "import", str(book), "--format", "json")
    assert code == 0 and json.loads(out)["inserted"] == 5

    code, out = run("monitor", "run", "--as-of", "2025-06-01", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert list(data) == ["parties", "screened", "new_alerts", "list_versions"]
    assert (data["parties"], data["screened"]) == (5, 5)
    assert sorted((a["party_id"], a["source_id"], a["reason"]) for a in data["new_alerts"]) == [
        ("k1", "48603", "new-party"),
        ("k2", "29702", "new-party"),
        ("k3", "44525", "new-party"),
    ]
    assert [v["published"] for v in data["list_versions"]] == ["2025-05-16"]

    code, out = run("monitor", "run", "--as-of", "2025-06-01")
    assert code == 0 and "0 screened, 0 new alerts" in out
    code, out = run("monitor", "runs", "--format", "json")
    runs = json.loads(out)
    assert [(r["kind"], r["new_alerts"]) for r in runs] == [("delta", 0), ("first", 3)]
    code, out = run("monitor", "runs")
    assert code == 0 and "first" in out

    code, out = run("parties", "show", "k1", "--format", "json")
    assert json.loads(out)["party"]["name"] == "Dmitry Khoroshev"
    code, out = run("parties", "list", "--limit", "2", "--format", "json")
    assert [p["id"] for p in json.loads(out)] == ["k1", "k2"]
    code, out = run("parties", "remove", "k5", "--format", "json")
    assert code == 0 and json.loads(out)["removed"] == ["k5"]
    code, out = run("parties", "remove", "k5")
    assert code == 2 and "not in the book" in out
    (tmp_path / "bad.csv").write_text("id,name\n1,\n", encoding="utf-8")
    code, out = run("parties", "import", str(tmp_path / "bad.csv"))
    assert code == 2 and "line 2" in out
    code, out = run("monitor", "run", "--as-of", "2020-01-01")
    assert code == 2 and "no list versions" in out


def small_app(engine: Engine, lists_dir: Path, tmp_path: Path, **flags: object) -> Clearance:
    loaded = load_settings({"data_dir": str(tmp_path / "data"), **flags}, env={})
    return Clearance(engine, loaded, "tests")


def test_changed_review_threshold_rescreens_the_book(
    engine: Engine, lists_dir: Path, tmp_path: Path
) -> None:
    import_list(engine, parse(subset(lists_dir)), published=PUBLISHED)
    app = small_app(engine, lists_dir, tmp_path)
    import_parties(app, write_book(tmp_path / "book.csv", BOOK))
    first = run_monitor(app, as_of=PUBLISHED)
    assert {a.party_id for a in first.new_alerts} == {"k1", "k2", "k3"}
    lower = small_app(engine, lists_dir, tmp_path, review_threshold=0.5)
    again = run_monitor(lower, as_of=PUBLISHED)
    assert again.run.kind is RunKind.FULL and "review threshold changed" in again.note
    assert again.run.screened == 5
    # Only the hits the lower threshold lets through are new; their reason says why.
    assert {(a.party_id, a.reason) for a in again.new_alerts} == {("k4", "rescreen")}


def test_a_run_finished_meanwhile_wins(engine: Engine, lists_dir: Path, tmp_path: Path) -> None:
    import_list(engine, parse(subset(lists_dir)), published=PUBLISHED)
    app = small_app(engine, lists_dir, tmp_path)
    import_parties(app, write_book(tmp_path / "book.csv", BOOK))
    others: list[int] = []

    def another_run(_: int) -> None:  # while the first pages are screened, a run finishes
        if not others:
            others.append(run_monitor(app, as_of=PUBLISHED).run.id)

    with pytest.raises(MonitorError, match=r"monitor run 1 finished while this one ran"):
        run_monitor(app, as_of=PUBLISHED, progress=another_run)
    assert others == [1]
    assert run_monitor(app, as_of=PUBLISHED).run.previous_run == 1


@pytest.fixture
def served(store_url: str, lists_dir: Path, tmp_path: Path) -> tuple[TestClient, dict[str, str]]:
    engine = open_store(store_url)
    import_list(engine, parse(subset(lists_dir)), published=PUBLISHED)
    loaded = load_settings({"db": store_url, "data_dir": str(tmp_path / "data")}, env={})
    admin = Clearance(engine, loaded, "tests")
    import_parties(admin, write_book(tmp_path / "book.csv", BOOK))
    keys = {r.value: create_key(admin, name=f"{r.value}-key", role=r).key for r in Role}
    engine.dispose()
    return TestClient(create_app(loaded)), keys


def test_api(served: tuple[TestClient, dict[str, str]]) -> None:
    client, keys = served

    def auth(role: str) -> dict[str, str]:
        return {"Authorization": f"ApiKey {keys[role]}"}

    assert client.post("/monitor/run").status_code == 401
    assert client.post("/monitor/run", headers=auth("viewer")).status_code == 403
    ran = client.post("/monitor/run", json={"as_of": "2025-06-01"}, headers=auth("analyst"))
    assert ran.status_code == 200
    body = ran.json()
    assert list(body) == ["parties", "screened", "new_alerts", "list_versions"]
    assert {a["party_id"] for a in body["new_alerts"]} == {"k1", "k2", "k3"}
    again = client.post("/monitor/run", json={"as_of": "2025-06-01"}, headers=auth("analyst"))
    assert again.json()["new_alerts"] == [] and again.json()["screened"] == 0
    early = client.post("/monitor/run", json={"as_of": "2020-01-01"}, headers=auth("analyst"))
    assert early.status_code == 422 and "no list versions" in early.json()["detail"]
    assert client.post("/monitor/run", json={"when": "x"}, headers=auth("admin")).status_code == 422

    runs = client.get("/monitor/runs", headers=auth("viewer"))
    assert runs.status_code == 200
    listed = runs.json()
    assert [(r["kind"], r["new_alerts"], r["actor"]) for r in listed] == [
        ("delta", 0, "analyst-key"),
        ("first", 3, "analyst-key"),
    ]
    assert len(listed[1]["summary"]["alerts"]) == 3
    assert client.get("/monitor/runs?limit=1", headers=auth("viewer")).json()[0]["kind"] == "delta"
    assert client.get("/monitor/runs").status_code == 401
