"""Fixtures of the API tests: stores with real SDN data, a key per role, a real uvicorn server.

`served` starts `clearance serve` (uvicorn) in a subprocess on a free port of 127.0.0.1, once
per backend for the session, against a store holding the SDN list of 2023-12-28; tests talk
to it over HTTP. Quick input checks use FastAPI's in-process TestClient on a small store.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from api_support import (
    SDN_DATE,
    Served,
    make_keys,
    settings_for,
    start_server,
    stop_server,
)

from clearance.lists.ofac_csv import parse
from clearance.store.db import open_store
from clearance.store.versions import import_list


@pytest.fixture
def db_url(store_url: str) -> str:
    """An empty store on each backend (`store_url`), for tests that start their own engines."""
    return store_url


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, lists_dir: Path
) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp(f"served-{request.param}")
    if request.param == "sqlite":
        db_url = f"sqlite:///{folder / 'store.sqlite'}"
    else:
        # A schema per setup: a worker may set this fixture up again after sqlite's turn.
        db_url = request.getfixturevalue("new_pg_url")()
    engine = open_store(db_url)
    parsed = parse(lists_dir / "ofac" / "sdn_csv" / SDN_DATE)
    import_list(engine, parsed, published=date.fromisoformat(SDN_DATE))
    keys = make_keys(engine, settings_for(db_url, folder))

    proc, base_url = start_server(db_url, folder)
    try:
        yield Served(base_url, db_url, engine, keys)
    finally:
        stop_server(proc)
        engine.dispose()
