"""clearance's own routes in process (FastAPI's TestClient), on SQLite and PostgreSQL, over the
SDN sets of 2022-06-17 and 2022-06-28 (the day the FSB was designated under E.O. 14024), with
four-eyes review on: each route answers the wire schema's JSON of its use case, with the key's
name as the audit actor and the role table deciding who may do what."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_support import FSB, make_keys

from clearance.access import Role
from clearance.api import create_app
from clearance.lists.ofac_csv import parse
from clearance.service import Clearance
from clearance.service.keys import create_key
from clearance.settings import load_settings
from clearance.store.db import open_store
from clearance.store.versions import import_list

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

FEE = {
    "id": "fee-2022-06-20",
    "date": "2022-06-20",
    "parties": [
        {
            "name": "Federal Security Service",
            "type": "organization",
            "country": "RU",
            "role": "payee",
        }
    ],
    "purpose": "import-authorization-fee",
    # Exported under a BIS license: from 8 Apr 2022 NLR no longer suffices to Russia.
    "goods": [
        {"description": "laser printers", "eccn": "5A992.c", "export_authorization": "D123456"}
    ],
    "regions": ["RU"],
    "amount": {"value": 1200.10, "currency": "USD"},
    "cap_holder": "ACME Corp",
}
LICENSE = """number: CYBER-2019-77
holder: ACME Corp
issued: 2019-01-10
valid_from: 2019-01-10
valid_until: 2019-12-31
parties:
  - {list: ofac-sdn, id: 21344}
authorities: [EO13694, CAATSA-224]
purposes: [import-authorization-fee]
value_limit: {amount: 10000, currency: USD}
quantity_limit: 200
overrun_percent: 5
reference: OFAC license CYBER-2019-77 (example)
"""


class Api:
    """The in-process app, and a client per role."""

    def __init__(self, client: TestClient, keys: dict[str, str]) -> None:
        self.client, self.keys = client, keys

    def __call__(self, role: str, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"ApiKey {self.keys[role]}"} | kwargs.pop("headers", {})
        return self.client.request(method, url, headers=headers, **kwargs)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, lists_dir: Path
) -> Iterator[Api]:
    folder = tmp_path_factory.mktemp(f"routes-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'store.sqlite'}"
    else:
        url = request.getfixturevalue("pg_module_url")
    engine = open_store(url)
    for day in ("2022-06-17", "2022-06-28"):
        import_list(engine, parse(lists_dir / "ofac" / "sdn_csv" / day), date.fromisoformat(day))
    flags = {"db": url, "data_dir": str(folder), "actor": "tests", "four_eyes": True}
    loaded = load_settings(flags, env={})
    keys = make_keys(engine, loaded)
    admin = Clearance(engine, loaded, "tests")
    keys["analyst2"] = create_key(admin, name="analyst2-key", role=Role.ANALYST).key
    with TestClient(create_app(loaded)) as client:
        yield Api(client, keys)
    engine.dispose()


def last_record(api: Api, kind: str) -> dict[str, Any]:
    page = api("viewer", "GET", "/audit/records", params={"kind": kind, "limit": 1000}).json()
    record: dict[str, Any] = page["records"][-1]
    return record


# --- screening -------------------------------------------------------------------------------


def test_screen_one_party_is_audited_with_the_key_name(api: Api) -> None:
    party = {"name": "Federal Security Service", "type": "organization", "country": "RU"}
    response = api("viewer", "POST", "/screen", json=party, params={"as_of": "2022-06-28"})
    assert response.status_code == 200, response.text
    body = response.json()
    top = body["hits"][0]
    assert (top["list"], top["source_id"], top["match"]) == ("ofac-sdn", FSB, True)
    assert "RUSSIA-EO14024" in top["programs"] and top["review"]["status"] == "alert"
    assert body["as_of"] == "2022-06-28" and body["list_versions"][0]["published"] == "2022-06-28"
    record = last_record(api, "screening")
    assert record["seq"] == body["audit_record"]["seq"] and record["actor"] == "viewer-key"
    earlier = api(
        "viewer", "POST", "/screen", json=party, params={"as_of": "2022-06-20", "top": 1}
    ).json()
    assert "RUSSIA-EO14024" not in earlier["hits"][0]["programs"]
    assert len(earlier["hits"]) == 1


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        (b'{"name": ', 400, "malformed JSON"),
        (json.dumps({"name": "Ivan\x00Petrov"}), 422, "NUL"),
        (json.dumps({"name": "x" * 10_000}), 422, "at most 500 characters"),
        (json.dumps({"name": "Ivan", "type": "spaceship"}), 422, "unknown type"),
        (json.dumps({"name": "Ivan", "dob": "1952-13-45"}), 422, "not a real date"),
        (json.dumps({"name": "Ivan", "country": "XX"}), 422, "ISO 3166-1"),
        (
            json.dumps({"name": "Ivan", "identifiers": [{"kind": "x", "value": "a\x00"}]}),
            422,
            "NUL",
        ),
        (json.dumps({"name": "Ivan", "role": "payee\x00"}), 422, "control"),
        (json.dumps(["Ivan"]), 422, ""),
        (json.dumps({"name": "Ivan", "extra": 1}), 422, "extra"),
    ],
)
def test_screen_bad_input_is_4xx_with_a_message(
    api: Api, body: str | bytes, status: int, says: str
) -> None:
    headers = {"Content-Type": "application/json"}
    response = api("viewer", "POST", "/screen", content=body, headers=headers)
    assert response.status_code == status, response.text
    assert says in response.json()["detail"]


def test_screen_a_reversed_name_is_found_as_displayed_and_flagged(api: Api) -> None:
    """Stored `NIHZOGIRP Yinegvey` behind a right-to-left override, displayed `yevgeniY
    PRIGOZHIN`: the default scorer (clearance-v1.1) screens both readings (issue 15)."""
    response = api("viewer", "POST", "/screen", json={"name": "\u202eNIHZOGIRP Yinegvey"})
    assert response.status_code == 200, response.text
    [hit] = [h for h in response.json()["hits"] if h["source_id"] == "21171"]
    assert hit["match"] and [f["name"] for f in hit["features"]] == ["name", "bidi"]
    assert "displayed as 'yevgeniY PRIGOZHIN'" in hit["explanation"]


def test_screen_before_any_list_is_404_and_unknown_list_too(api: Api) -> None:
    party = {"name": "Federal Security Service"}
    early = api("viewer", "POST", "/screen", json=party, params={"as_of": "1990-01-01"})
    assert early.status_code == 404 and "1990-01-01" in early.json()["detail"]
    unknown = api("viewer", "POST", "/screen", json=party, params={"lists": "nope"})
    assert unknown.status_code == 404 and "nope" in unknown.json()["detail"]


# --- decisions and the ledger ----------------------------------------------------------------


def test_decide_viewers_without_recording_analysts_with(api: Api) -> None:
    before = api("viewer", "POST", "/decide", json=FEE)
    assert before.status_code == 200, before.text
    assert before.json()["decision"] == "AUTHORIZED" and before.json()["recorded"] is False
    after = api("viewer", "POST", "/decide", json=FEE | {"id": "fee-2", "date": "2022-07-15"})
    assert after.json()["decision"] == "PROHIBITED"  # RUSSIA-EO14024 is uncovered
    assert last_record(api, "decision")["actor"] == "viewer-key"

    refused = api("viewer", "POST", "/decide", json=FEE, params={"record": "true"})
    assert refused.status_code == 403 and "record" in refused.json()["detail"]
    recorded = api("analyst", "POST", "/decide", json=FEE, params={"record": "true"})
    assert recorded.status_code == 200 and recorded.json()["recorded"] is True
    assert recorded.json()["audit_record"]["seq"] == last_record(api, "decision")["seq"]

    ledger = api("viewer", "GET", "/ledger", params={"holder": "ACME Corp", "year": 2022}).json()
    [cap] = ledger["caps"]
    # The amount is read as `clearance decide` reads it: 1200.10 exactly, not a float.
    assert (cap["family"], cap["used"], cap["remaining"]) == ("CYBER-GL-1", "1200.10", "3799.90")

    assert (
        api("viewer", "POST", f"/ledger/{FEE['id']}/reverse", json={"note": "x"}).status_code == 403
    )
    reversed_ = api("analyst", "POST", f"/ledger/{FEE['id']}/reverse", json={"note": "refunded"})
    assert reversed_.status_code == 200 and reversed_.json()[0]["amount"] == "-1200.10"
    again = api("analyst", "POST", f"/ledger/{FEE['id']}/reverse", json={"note": "refunded"})
    assert again.status_code == 409 and "already reversed" in again.json()["detail"]
    unknown = api("analyst", "POST", "/ledger/no-such-txn/reverse", json={"note": "x"})
    assert unknown.status_code == 404
    assert last_record(api, "ledger")["actor"] == "analyst-key"


def test_decide_an_array_and_bad_transactions(api: Api) -> None:
    many = api("viewer", "POST", "/decide", json=[FEE, FEE | {"id": "b", "date": "2022-07-15"}])
    assert [d["decision"] for d in many.json()] == ["AUTHORIZED", "PROHIBITED"]
    for body, status in [
        (FEE | {"purpose": "gifts"}, 422),
        (FEE | {"id": "fee\x00"}, 422),
        (FEE | {"goods": [{"description": "printers\x00"}]}, 422),
        (FEE | {"amount": {"value": 1.234, "currency": "USD"}}, 422),
        (FEE | {"parties": [{"name": "\x00"}]}, 422),
        ({"id": "x"}, 422),
        ([], 422),
    ]:
        response = api("viewer", "POST", "/decide", json=body)
        assert response.status_code == status, (body, response.text)
        assert response.json()["detail"]


# --- review ----------------------------------------------------------------------------------


def test_alert_review_with_four_eyes_needs_an_approver_for_the_second_look(api: Api) -> None:
    party = {"name": "Federal Security Service", "type": "organization", "country": "RU"}
    api("viewer", "POST", "/screen", json=party, params={"as_of": "2022-06-28"})
    opened = api("viewer", "GET", "/alerts", params={"state": "open"}).json()
    alert = next(a for a in opened if a["source_id"] == FSB and a["party"]["country"] == "RU")
    url = f"/alerts/{alert['id']}/review"
    verdict = {"outcome": "true_match", "note": "the FSB itself"}
    assert api("viewer", "POST", url, json=verdict).status_code == 403
    first = api("analyst", "POST", url, json=verdict)
    assert first.status_code == 200 and first.json()["pending_confirmation"] is True
    same = api("analyst", "POST", url, json=verdict)
    assert same.status_code == 409 and "different reviewer" in same.json()["detail"]
    # A second analyst may not give the second review; an approver may.
    other = api("analyst2", "POST", url, json=verdict)
    assert other.status_code == 403 and "needs an approver" in other.json()["detail"]
    second = api("approver", "POST", url, json=verdict)
    assert second.status_code == 200 and second.json()["final"] is True
    shown = api("viewer", "GET", f"/alerts/{alert['id']}").json()
    assert [(h["reviewer"], h["action"]) for h in shown["history"]] == [
        ("analyst-key", "decide"),
        ("approver-key", "confirm"),
    ]
    assert api("viewer", "GET", "/alerts/999999").status_code == 404
    bad = api("analyst", "POST", url, json={"outcome": "maybe", "note": "x"})
    assert bad.status_code == 422
    assert api("viewer", "GET", "/alerts", params={"state": "nope"}).status_code == 422


# --- lists -----------------------------------------------------------------------------------


def test_lists_versions_diff_entries_history(api: Api) -> None:
    [sdn] = api("viewer", "GET", "/lists").json()
    assert sdn["list"] == "ofac-sdn" and sdn["versions"] == 2
    assert sdn["in_force"]["published"] == "2022-06-28"
    versions = api("viewer", "GET", "/lists/ofac-sdn/versions").json()
    assert [v["published"] for v in versions] == ["2022-06-17", "2022-06-28"]
    diff = api(
        "viewer", "GET", "/lists/ofac-sdn/diff", params={"from": "2022-06-17", "to": "2022-06-28"}
    ).json()
    [fsb] = [c for c in diff["changed"] if c["id"] == FSB]
    [programs] = [f for f in fsb["fields"] if f["field"] == "programs"]
    assert "RUSSIA-EO14024" in programs["after"] and "RUSSIA-EO14024" not in programs["before"]
    entry = api("viewer", "GET", f"/lists/ofac-sdn/entries/{FSB}", params={"as_of": "2022-06-20"})
    assert entry.json()["list_version"]["published"] == "2022-06-17"
    assert "RUSSIA-EO14024" not in entry.json()["programs"]
    history = api("viewer", "GET", f"/lists/ofac-sdn/entries/{FSB}/history").json()
    assert [h["status"] for h in history] == ["added", "changed"]
    for url in (
        "/lists/nope/versions",
        "/lists/ofac-sdn/entries/99999999",
        "/lists/nope/entries/1/history",
    ):
        assert api("viewer", "GET", url).status_code == 404, url
    early = api("viewer", "GET", f"/lists/ofac-sdn/entries/{FSB}", params={"as_of": "2000-01-01"})
    assert early.status_code == 404
    assert api("viewer", "GET", "/lists/ofac-sdn/diff", params={"from": "x"}).status_code == 422


# --- audit -----------------------------------------------------------------------------------


def test_audit_verify_records_paging_and_replay(api: Api) -> None:
    party = {"name": "Federal Security Service"}
    screened = api("viewer", "POST", "/screen", json=party, params={"as_of": "2022-06-28"}).json()
    verified = api("viewer", "GET", "/audit/verify").json()
    assert verified["ok"] is True and verified["checked"] >= 1
    assert verified["keyed"] is False and "unkeyed" in verified["note"]
    head = api("viewer", "GET", "/audit/head").json()
    assert head["head"] == f"{head['seq']}:{head['hash']}" and head["seq"] >= 1
    expected = api("viewer", "GET", "/audit/verify", params={"expect_head": head["head"]})
    assert expected.json()["expected_head"] == head["head"]
    rewritten = api(
        "viewer", "GET", "/audit/verify", params={"expect_head": f"{head['seq']}:{'0' * 64}"}
    ).json()
    assert rewritten["ok"] is False and "exported head" in rewritten["first_problem"]
    malformed = api("viewer", "GET", "/audit/verify", params={"expect_head": "one"})
    assert malformed.status_code == 400 and "not a chain head" in malformed.text

    first = api("viewer", "GET", "/audit/records", params={"limit": 2}).json()
    assert len(first["records"]) == 2 and first["next_after"] == first["records"][-1]["seq"]
    second = api(
        "viewer", "GET", "/audit/records", params={"limit": 2, "after": first["next_after"]}
    ).json()
    assert second["records"][0]["seq"] > first["next_after"]
    today = date.today().isoformat()
    kinds = api(
        "viewer",
        "GET",
        "/audit/records",
        params={"kind": ["screening", "decision"], "from": today, "to": "9999-12-31"},
    ).json()
    assert {r["kind"] for r in kinds["records"]} <= {"screening", "decision"}
    assert api("viewer", "GET", "/audit/records", params={"to": "2000-01-01"}).json() == {
        "records": [],
        "next_after": None,
    }

    seq = screened["audit_record"]["seq"]
    replayed = api("viewer", "POST", f"/audit/replay/{seq}")
    assert replayed.status_code == 200 and replayed.json()["identical"] is True
    assert api("viewer", "POST", "/audit/replay/99999999").status_code == 404
    assert api("viewer", "POST", "/audit/replay/1").status_code == 400  # a key record


# --- licenses --------------------------------------------------------------------------------


def test_licenses_and_registering_a_specific_one(api: Api) -> None:
    in_force = api("viewer", "GET", "/licenses", params={"as_of": "2022-06-20"}).json()
    assert [r["id"] for r in in_force if r["kind"] == "general"] == ["CYBER-GL-1B"]
    detail = api("viewer", "GET", "/licenses/CYBER-GL-1B").json()
    assert detail["superseded_by"] == "CYBER-GL-1C"
    assert api("viewer", "GET", "/licenses/NOPE").status_code == 404

    yaml_type = {"Content-Type": "application/yaml"}
    assert (
        api("analyst", "POST", "/licenses/specific", content=LICENSE, headers=yaml_type).status_code
        == 403
    )
    created = api("admin", "POST", "/licenses/specific", content=LICENSE, headers=yaml_type)
    assert created.status_code == 201, created.text
    assert created.json()["number"] == "CYBER-2019-77" and created.json()["created"] is True
    again = api("admin", "POST", "/licenses/specific", content=LICENSE, headers=yaml_type)
    assert again.status_code == 200 and again.json()["created"] is False
    record = last_record(api, "license")
    assert record["actor"] == "admin-key" and record["payload"]["origin"] == "api:admin-key"
    assert api("viewer", "GET", "/licenses/CYBER-2019-77").json()["holder"] == "ACME Corp"
    broken = api("admin", "POST", "/licenses/specific", content="number: [", headers=yaml_type)
    assert broken.status_code == 400 and "not valid YAML" in broken.json()["detail"]
    wrong = LICENSE.replace("[import-authorization-fee]", "[gifts]").replace("77", "78")
    refused = api("admin", "POST", "/licenses/specific", content=wrong, headers=yaml_type)
    assert refused.status_code == 400 and "unknown purpose" in refused.json()["detail"]
