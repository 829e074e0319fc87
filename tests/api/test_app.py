"""The app in process (FastAPI's TestClient): health on empty and unreachable stores, the
permission table through `require`, and that no input gets a 5xx."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from api_support import make_keys, settings_for
from fastapi import Depends
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearance.access import ROLE_PERMISSIONS, Permission, Role
from clearance.api import create_app
from clearance.api.auth import require
from clearance.lists.ofac_csv import parse
from clearance.store.db import open_store
from clearance.store.versions import import_list

with warnings.catch_warnings():  # starlette's TestClient would rather have httpx2
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

SUBSET = ("samples", "2025-05_subset")


def test_healthz_503_on_an_empty_store_then_200(
    db_url: str, tmp_path: Path, lists_dir: Path
) -> None:
    client = TestClient(create_app(settings_for(db_url, tmp_path)))
    empty = client.get("/healthz")
    assert empty.status_code == 503
    assert empty.json() == {"detail": "no list version in force: import a list first"}
    engine = open_store(db_url)
    import_list(engine, parse(lists_dir.joinpath("ofac", "sdn_csv", *SUBSET)), date(2025, 5, 16))
    engine.dispose()
    ready = client.get("/healthz")
    assert ready.status_code == 200 and ready.json()["lists"][0]["published"] == "2025-05-16"


def test_healthz_503_when_the_store_is_unreachable(tmp_path: Path) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"
    client = TestClient(create_app(settings_for(url, tmp_path)))
    response = client.get("/healthz")
    assert response.status_code == 503 and "store unreachable" in response.json()["detail"]
    # A keyed route cannot authenticate without the store: 503, not 500 and not 401.
    keyed = client.get("/keys", headers={"Authorization": "ApiKey clr_00000000_" + "A" * 43})
    assert keyed.status_code == 503


@pytest.fixture(scope="module")
def small(
    tmp_path_factory: pytest.TempPathFactory, lists_dir: Path
) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """An app on a SQLite store with the small 2025-05 SDN subset, a key per role, and one
    extra route per permission."""
    folder = tmp_path_factory.mktemp("small")
    url = f"sqlite:///{folder / 'store.sqlite'}"
    engine = open_store(url)
    import_list(engine, parse(lists_dir.joinpath("ofac", "sdn_csv", *SUBSET)), date(2025, 5, 16))
    loaded = settings_for(url, folder)
    keys = make_keys(engine, loaded)
    app = create_app(loaded)
    for permission in Permission:
        app.add_api_route(
            f"/probe/{permission.value}",
            lambda: {"ok": True},
            dependencies=[Depends(require(permission))],
        )
    with TestClient(app) as client:
        yield client, keys
    engine.dispose()


def test_every_role_gets_exactly_its_permissions(small: tuple[TestClient, dict[str, str]]) -> None:
    client, keys = small
    for role in Role:
        headers = {"Authorization": f"apikey {keys[role.value]}"}  # the scheme is case-blind
        for permission in Permission:
            status = client.get(f"/probe/{permission.value}", headers=headers).status_code
            assert status == (200 if permission in ROLE_PERMISSIONS[role] else 403), (
                role,
                permission,
            )
    assert client.get("/probe/read").status_code == 401
    revoked = {"Authorization": f"ApiKey {keys['revoked']}"}
    assert client.get("/probe/read", headers=revoked).status_code == 401


def test_body_limit_setting(tmp_path: Path) -> None:
    loaded = settings_for(f"sqlite:///{tmp_path / 's.sqlite'}", tmp_path)
    from clearance.settings import LoadedSettings, Settings

    tight = LoadedSettings(
        Settings(**(loaded.settings.model_dump() | {"api_max_body_bytes": 100})), loaded.sources
    )
    client = TestClient(create_app(tight))
    response = client.post("/match/default", content=b"{" + b" " * 200 + b"}")
    assert response.status_code == 413
    assert response.json() == {"detail": "request body larger than 100 bytes (api_max_body_bytes)"}


@pytest.mark.parametrize(
    "path",
    ["/match/%00", "/match/a%00b?algorithm=x%00", "/entities/%00", "/entities/ofac-sdn-1%00"],
)
def test_nul_in_path_and_query_is_4xx(small: tuple[TestClient, dict[str, str]], path: str) -> None:
    client, keys = small
    headers = {"Authorization": f"ApiKey {keys['viewer']}"}
    body = {"queries": {"q": {"schema": "Person", "properties": {"name": ["Khoroshev"]}}}}
    response = (
        client.post(path, json=body, headers=headers)
        if path.startswith("/match")
        else client.get(path, headers=headers)
    )
    assert 400 <= response.status_code < 500 and response.json()["detail"]


_scalars = st.one_of(
    st.text(max_size=30), st.integers(), st.floats(allow_nan=False), st.booleans(), st.none()
)
_json = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=12,
)
_query = st.fixed_dictionaries(
    {
        "schema": st.sampled_from(["Person", "Company", "Vessel", "Thing", "Nope", ""]),
        "properties": st.dictionaries(
            st.sampled_from(["name", "birthDate", "country", "idNumber", "x y", "alias"]),
            st.one_of(st.text(max_size=40), st.lists(st.text(max_size=40), max_size=3), _json),
            max_size=4,
        ),
    }
)
_body = st.one_of(
    _json,
    st.fixed_dictionaries({"queries": st.dictionaries(st.text(max_size=8), _query, max_size=2)}),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=_body,
    params=st.dictionaries(
        st.sampled_from(["limit", "threshold", "as_of", "algorithm"]),
        st.text(max_size=12),
        max_size=2,
    ),
)
def test_no_input_gets_a_5xx(
    small: tuple[TestClient, dict[str, str]], body: object, params: dict[str, str]
) -> None:
    client, keys = small
    response = client.post(
        "/match/default",
        content=json.dumps(body),
        params=params,
        headers={"Authorization": f"ApiKey {keys['viewer']}", "Content-Type": "application/json"},
    )
    assert response.status_code < 500, response.text
    if response.status_code != 200:
        assert isinstance(response.json()["detail"], str)
