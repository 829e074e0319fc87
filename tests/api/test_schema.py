"""schemathesis against the app's own OpenAPI document, in process (ASGI): for inputs it
generates from each operation's schema (valid and invalid), no answer is a 5xx, every status
is documented, and every body matches the schema documented for it.

A bounded number of examples per operation keeps the whole run well under a minute; the store
is SQLite with the small 2025-05 SDN subset, so screening and decisions are fast.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from api_support import make_keys, settings_for
from hypothesis import HealthCheck, given, settings

from clearance.api import create_app
from clearance.lists.ofac_csv import parse
from clearance.store.db import open_store
from clearance.store.versions import import_list

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

SUBSET = ("samples", "2025-05_subset")
EXAMPLES = 12  # per operation and generation mode


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, lists_dir: Path) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("schema")
    url = f"sqlite:///{folder / 'store.sqlite'}"
    engine = open_store(url)
    import_list(engine, parse(lists_dir.joinpath("ofac", "sdn_csv", *SUBSET)), date(2025, 5, 16))
    loaded = settings_for(url, folder)
    keys = make_keys(engine, loaded)
    app = create_app(loaded)
    with TestClient(app):  # runs the lifespan (start-up and shutdown) around the tests
        yield {"app": app, "key": keys["admin"]}
    engine.dispose()


@pytest.fixture(scope="module")
def api_schema(api: dict[str, Any]) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", api["app"])


def _operations() -> list[tuple[str, str]]:
    """(method, path) of every operation, from the document of an app that has no store yet
    (creating the app opens nothing)."""
    document = create_app(settings_for("sqlite:///unused.sqlite", Path("unused"))).openapi()
    return sorted(
        (method.upper(), path) for path, item in document["paths"].items() for method in item
    )


@pytest.mark.parametrize("mode", ["positive", "negative"])
@pytest.mark.parametrize(("method", "path"), _operations(), ids=lambda v: str(v))
def test_every_operation_answers_as_documented(
    api: dict[str, Any], api_schema: Any, method: str, path: str, mode: str
) -> None:
    operation = api_schema[path][method.lower()]
    if mode == "negative" and not list(operation.iter_parameters()) and method == "GET":
        pytest.skip("nothing to make invalid: no parameters and no body")
    strategy = operation.as_strategy(schemathesis.GenerationMode(mode))
    headers = {"Authorization": f"ApiKey {api['key']}"}

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def check(case: Any) -> None:
        case.call_and_validate(
            headers=headers,
            checks=[
                schemathesis.checks.not_a_server_error,
                status_code_conformance,
                content_type_conformance,
                response_schema_conformance,
            ],
        )

    check()
