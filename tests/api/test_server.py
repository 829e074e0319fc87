"""The API through a real uvicorn server (`clearance serve`) on SQLite and PostgreSQL, with
the SDN list of 2023-12-28: keys and roles, health, yente-shaped matching validated by yente's
own response models, entities, nomenklatura's YenteEnricher, limits and bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_support import FSB, PUTIN, SDN_DATE, Served, settings_for

from clearance.audit.records import iter_records
from clearance.service.replay import replay


@pytest.fixture(scope="module")
def yente_common() -> Any:
    """yente 5.5's response models (`yente.data.common`), to validate our answers with."""
    return pytest.importorskip(
        "yente.data.common",
        reason="yente 5.5.0 is installed apart: pip install --no-deps -c constraints.txt yente",
    )


FSB_ID, PUTIN_ID = f"ofac-sdn-{FSB}", f"ofac-sdn-{PUTIN}"
QUERIES = {
    "fsb": {"schema": "Organization", "properties": {"name": ["Federal Security Service"]}},
    "putin": {
        "schema": "Person",
        "properties": {
            "name": ["ПУТИН Владимир Владимирович"],
            "birthDate": ["1952-10-07"],
            "nationality": ["ru"],
        },
    },
}


def match(served: Served, role: str = "viewer", **params: Any) -> httpx.Response:
    body = params.pop("body", {"queries": QUERIES})
    with served.client(role) as client:
        return client.post("/match/default", params=params, json=body)


# --- no key needed ---------------------------------------------------------------------------


def test_health_docs_and_openapi_need_no_key(served: Served) -> None:
    with served.client() as client:
        health = client.get("/healthz")
        assert health.status_code == 200
        assert health.json()["lists"] == [
            {
                "list": "ofac-sdn",
                "published": SDN_DATE,
                "entries": health.json()["lists"][0]["entries"],
            }
        ]
        assert client.get("/docs").status_code == 200
        spec = client.get("/openapi.json").json()
    assert {"/match/{dataset}", "/entities/{entity_id}", "/healthz"} <= set(spec["paths"])


# --- keys and roles --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer abc",
        "ApiKey",
        "ApiKey not-a-key",
        "ApiKey clr_00000000_" + "A" * 43,  # well-formed, unknown
    ],
)
def test_401_without_a_valid_key(served: Served, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    with httpx.Client(base_url=served.base_url, headers=headers) as client:
        for response in (
            client.post("/match/default", json={"queries": QUERIES}),
            client.get(f"/entities/{FSB_ID}"),
        ):
            assert response.status_code == 401
            assert response.headers["www-authenticate"] == "ApiKey"
            assert response.json()["detail"]


def test_401_for_a_revoked_key(served: Served) -> None:
    assert match(served, "revoked").status_code == 401
    with served.client("revoked") as client:
        assert client.get("/keys").json() == {"detail": "invalid or revoked API key"}


@pytest.mark.parametrize(
    ("role", "keys_status"),
    [("viewer", 403), ("analyst", 403), ("approver", 403), ("admin", 200)],
)
def test_roles(served: Served, role: str, keys_status: int) -> None:
    with served.client(role) as client:
        assert client.get(f"/entities/{FSB_ID}").status_code == 200  # read: every role
        listed = client.get("/keys")
    assert listed.status_code == keys_status
    if keys_status == 403:
        assert listed.json()["detail"] == (
            f"the role '{role}' of key '{role}-key' does not allow 'manage_keys'"
        )
    else:
        names = {k["name"]: k["active"] for k in listed.json()}
        assert names["old"] is False and names["admin-key"] is True
        assert not any(served.keys[r] in listed.text for r in served.keys)


# --- matching --------------------------------------------------------------------------------


def test_match_finds_fsb_and_putin_in_yente_shape(served: Served, yente_common: Any) -> None:
    response = match(served, limit=3)
    assert response.status_code == 200, response.text
    body = response.json()
    yente_common.EntityMatchResponse.model_validate(body)  # yente's own response model
    assert body["limit"] == 3

    fsb = body["responses"]["fsb"]
    assert fsb["status"] == 200 and fsb["query"]["schema"] == "Organization"
    top = fsb["results"][0]
    assert (top["id"], top["caption"], top["schema"]) == (
        FSB_ID,
        "FEDERAL SECURITY SERVICE",
        "Organization",
    )
    assert top["match"] is True and top["score"] >= 0.95 and top["target"] is True
    assert top["datasets"] == ["ofac-sdn"]
    assert "FSB" in top["properties"]["weakAlias"]
    assert "RUSSIA-EO14024" in top["properties"]["programId"]
    assert fsb["total"] == {"value": sum(r["match"] for r in fsb["results"]), "relation": "eq"}
    for result in fsb["results"]:
        yente_common.ScoredEntityResponse.model_validate(result)

    putin = body["responses"]["putin"]
    assert putin["query"]["properties"] == {
        "name": ["ПУТИН Владимир Владимирович"],
        "birthDate": ["1952-10-07"],
        "country": ["ru"],
    }
    best = putin["results"][0]
    assert best["id"] == PUTIN_ID and best["match"] is True
    assert best["properties"]["birthDate"] == ["1952-10-07"]
    # Every result explains itself, per feature, as yente 5.5 does.
    explained = best["explanations"]
    assert explained["name"]["score"] == best["features"]["name"]
    assert "PUTIN" in explained["name"]["detail"] and "1952-10-07" in explained["dob"]["detail"]


def test_match_is_audited_with_the_key_name(served: Served) -> None:
    before = {r.seq for r in iter_records(served.engine, kinds=["screening"])}
    body = {"queries": {"q": QUERIES["fsb"]}}
    assert match(served, "analyst", body=body).status_code == 200
    new = [r for r in iter_records(served.engine, kinds=["screening"]) if r.seq not in before]
    assert [r.actor for r in new] == ["analyst-key"]
    assert new[0].payload["party"]["name"] == "Federal Security Service"
    assert new[0].payload["hits"][0]["source_id"] == FSB


def test_match_parameters(served: Served, tmp_path: Path) -> None:
    body = {"queries": {"q": QUERIES["fsb"]}}
    with served.client("viewer") as client:
        only_sdn = client.post("/match/ofac-sdn", json=body)
        assert only_sdn.status_code == 200
        assert only_sdn.json()["responses"]["q"]["results"][0]["id"] == FSB_ID
        assert client.post("/match/sanctions", json=body).status_code == 404
        too_early = client.post("/match/default", params={"as_of": "2001-01-01"}, json=body)
        assert too_early.status_code == 404 and "2001-01-01" in too_early.json()["detail"]
        logic = client.post("/match/default", params={"algorithm": "logic-v2"}, json=body)
        assert logic.status_code == 400 and "clearance-v1" in logic.json()["detail"]
        # A threshold above every score: results, but no match; the audit record says so.
        strict = client.post("/match/default", params={"threshold": 1.0, "limit": 1}, json=body)
    assert strict.status_code == 200
    [result] = strict.json()["responses"]["q"]["results"]
    assert result["id"] == FSB_ID
    last = list(iter_records(served.engine, kinds=["screening"]))[-1]
    assert last.payload["screening"]["match_threshold"] == 1.0
    assert last.payload["settings"]["match_threshold"]["source"] == "request"
    # The record holds what the request changed, so the screening replays exactly.
    loaded = settings_for(served.db_url, tmp_path)
    assert replay(served.engine, last.seq, loaded=loaded).identical


# --- entities --------------------------------------------------------------------------------


def test_entity_in_ftm_shape(served: Served, yente_common: Any) -> None:
    with served.client("viewer") as client:
        fsb = client.get(f"/entities/{FSB_ID}")
        flat = client.get(f"/entities/{FSB_ID}", params={"nested": "false"})
        missing = client.get("/entities/ofac-sdn-99999999")
        foreign = client.get("/entities/NK-abc")
    assert fsb.status_code == 200
    entity = fsb.json()
    yente_common.EntityResponse.model_validate(entity)
    assert entity["id"] == FSB_ID and entity["schema"] == "Organization"
    assert entity["first_seen"].startswith(SDN_DATE) and entity["last_seen"].startswith(SDN_DATE)
    [sanction] = entity["properties"]["sanctions"]
    assert sanction["schema"] == "Sanction"
    assert sanction["properties"]["authority"] == ["Office of Foreign Assets Control"]
    assert "sanctions" not in flat.json()["properties"]
    assert missing.status_code == 404 and missing.json() == {"detail": "No such entity!"}
    assert foreign.status_code == 404


# --- nomenklatura's yente client -------------------------------------------------------------


@pytest.fixture
def enricher_for(tmp_path: Path) -> Iterator[Any]:
    nk_db = pytest.importorskip("nomenklatura.db")
    from followthemoney import Dataset
    from nomenklatura.cache import Cache
    from nomenklatura.enrich import make_enricher
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{tmp_path / 'nk.sqlite'}")
    session = nk_db.Session(engine)
    dataset = Dataset.make({"name": "clearance_test", "title": "clearance test"})

    def make(served: Served) -> Any:
        config = {
            "type": "nomenklatura.enrich.yente:YenteEnricher",
            "api": served.base_url + "/",
            "api_key": served.keys["viewer"],
            "dataset": "default",
            "cache_days": 0,
        }
        return make_enricher(dataset, Cache(session, dataset, create=True), config)

    yield make
    engine.dispose()


def test_nomenklatura_yente_enricher_matches_and_expands(served: Served, enricher_for: Any) -> None:
    from followthemoney import StatementEntity

    enricher = enricher_for(served)
    query = StatementEntity.from_data(
        enricher.dataset,
        {
            "id": "query-fsb",
            "schema": "Organization",
            "properties": {"name": ["Federal Security Service"], "country": ["ru"]},
        },
    )
    matches = list(enricher.match(query))
    assert matches, "the enricher found nothing"
    top = matches[0]
    assert top.id == FSB_ID and top.schema.name == "Organization"
    assert "FEDERAL SECURITY SERVICE" in top.get("name")
    assert top.get("sourceUrl") == [f"{served.base_url}/entities/{FSB_ID}"]

    expanded = list(enricher.expand(query, top))
    by_schema = {e.schema.name: e for e in expanded}
    assert by_schema["Organization"].id == FSB_ID
    assert by_schema["Sanction"].get("entity") == [FSB_ID]
    assert "Office of Foreign Assets Control" in by_schema["Sanction"].get("authority")


# --- limits and bad input --------------------------------------------------------------------


def test_413_for_large_bodies_even_streamed(served: Served) -> None:
    big = (
        b'{"queries": {"q": {"schema": "Person", "properties": {"name": ["'
        + b"x" * (11 * 1024 * 1024)
        + b'"]}}}}'
    )

    def chunks() -> Iterator[bytes]:  # no Content-Length: chunked transfer encoding
        for start in range(0, len(big), 64 * 1024):
            yield big[start : start + 64 * 1024]

    with served.client("viewer") as client:
        declared = client.post("/match/default", content=big)
        streamed = client.post("/match/default", content=chunks())
        after = client.post("/match/default", json={"queries": {"q": QUERIES["fsb"]}})
    for response in (declared, streamed):
        assert response.status_code == 413
        assert "larger than 10485760 bytes" in response.json()["detail"]
    assert after.status_code == 200  # the server is fine afterwards


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        (b'{"queries": ', 400, "malformed JSON"),
        (b"\xff\xfe", 400, ""),
        (
            json.dumps(
                {"queries": {"q": {"schema": "Person", "properties": {"name": ["a\x00b"]}}}}
            ),
            422,
            "control characters",
        ),
        (
            json.dumps(
                {"queries": {"q": {"schema": "Person", "properties": {"name": ["x" * 10_000]}}}}
            ),
            422,
            "at most 1000 characters",
        ),
        (
            json.dumps({"queries": {"q": {"schema": "Spaceship", "properties": {"name": ["x"]}}}}),
            422,
            "schema",
        ),
        (
            json.dumps(
                {"queries": {"q": {"schema": "Person", "properties": {"birthDate": ["1952"]}}}}
            ),
            400,
            "needs a `name`",
        ),
        (json.dumps({"queries": {}}), 422, "queries"),
        (json.dumps([1, 2]), 422, ""),
    ],
)
def test_bad_input_is_4xx_with_a_message(
    served: Served, body: str | bytes, status: int, says: str
) -> None:
    with served.client("viewer") as client:
        response = client.post(
            "/match/default", content=body, headers={"Content-Type": "application/json"}
        )
    assert response.status_code == status, response.text
    assert says in response.json()["detail"]
    assert len(response.content) < 5000  # the input is not echoed back
