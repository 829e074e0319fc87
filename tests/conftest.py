"""Shared fixtures: the real list data, and real databases (SQLite and PostgreSQL).

The list data is read where it lies (`../shared/data/lists` from the repo root, or
`CLEARANCE_LISTS_DIR`); it is never copied into the repo.

`engine` is parametrized over both backends. PostgreSQL tests get a fresh schema per test on
the server at `CLEARANCE_TEST_PG` (default `postgresql://postgres@127.0.0.1:5432/test`); where
no server answers, they are skipped with a message saying so.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from clearance.store.db import make_engine, migrate

REPO_ROOT = Path(__file__).resolve().parents[1]
LISTS_DIR = Path(
    os.environ.get("CLEARANCE_LISTS_DIR") or REPO_ROOT.parent / "shared" / "data" / "lists"
)
PG_URL = os.environ.get("CLEARANCE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def lists_dir() -> Path:
    if not LISTS_DIR.is_dir():
        pytest.fail(f"shared list data not found at {LISTS_DIR} (set CLEARANCE_LISTS_DIR)")
    return LISTS_DIR


def _pg_available() -> str | None:
    try:
        probe = create_engine(PG_URL)
        with probe.connect() as conn:
            conn.execute(text("select 1"))
        probe.dispose()
    except Exception as exc:  # any failure to reach the server means: skip, and say why
        return f"PostgreSQL not reachable at {PG_URL}: {exc.__class__.__name__}"
    return None


_PG_PROBLEM: str | None = None
_PG_CHECKED = False


def pg_problem() -> str | None:
    global _PG_PROBLEM, _PG_CHECKED
    if not _PG_CHECKED:
        _PG_PROBLEM, _PG_CHECKED = _pg_available(), True
    return _PG_PROBLEM


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'clearance.sqlite'}")
    migrate(engine)
    yield engine
    engine.dispose()


@contextmanager
def fresh_pg_schema() -> Iterator[str]:
    """A new, empty schema on the PostgreSQL server, dropped afterwards; skips when no server."""
    problem = pg_problem()
    if problem:
        pytest.skip(problem)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield schema
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def pg_engine() -> Iterator[Engine]:
    with fresh_pg_schema() as schema:
        engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
        migrate(engine)
        try:
            yield engine
        finally:
            engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> Engine:
    """A migrated, empty store on each backend."""
    name = "sqlite_engine" if request.param == "sqlite" else "pg_engine"
    result: Engine = request.getfixturevalue(name)
    return result


@pytest.fixture
def pg_url_for_schema() -> Iterator[str]:
    """A URL with its own fresh schema, for tests that start processes (CLI, servers)."""
    with fresh_pg_schema() as schema:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of an empty store on each backend, for tests that start other processes."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}"
    url: str = request.getfixturevalue("pg_url_for_schema")
    return url


@pytest.fixture(scope="session")
def pg_session_url() -> Iterator[str]:
    """A URL with its own fresh schema for the whole session (a server shared by tests)."""
    with fresh_pg_schema() as schema:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"


@pytest.fixture(scope="session")
def new_pg_url() -> Iterator[Callable[[], str]]:
    """Makes URLs, each of a fresh schema dropped at the end of the session: for session
    fixtures that pytest may set up more than once (parametrized ones, when the tests of one
    worker switch between their parameters from one module to the next)."""
    with ExitStack() as stack:

        def make() -> str:
            schema = stack.enter_context(fresh_pg_schema())
            return f"{PG_URL}?options=-csearch_path%3D{schema}"

        yield make


@pytest.fixture(scope="module")
def pg_module_url() -> Iterator[str]:
    """A URL with its own fresh schema for one test module (a store its tests share)."""
    with fresh_pg_schema() as schema:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
