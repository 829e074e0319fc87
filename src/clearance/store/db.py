"""Engines and migrations."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers (screening) run while an import writes; the busy timeout makes
    # concurrent writers wait for the lock instead of failing at once.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        # psycopg 3 is the driver we install; plain postgresql:// would ask for psycopg2.
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return create_engine(url, **kwargs)


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (idempotent)."""
    from alembic import command  # alembic (and mako) load only when a migration may run

    command.upgrade(alembic_config(engine), "heads")


_REVISION = re.compile(r"^revision\s*(?::[^=]*)?=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision\s*(?::[^=]*)?=\s*(.+)$", re.MULTILINE)


@functools.cache
def migration_heads() -> frozenset[str] | None:
    """The revisions no other migration builds on, read from the migration files' text (as
    alembic declares them: `revision = "..."`, `down_revision = ...`); None when a file does
    not declare them that way (then only alembic can tell)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        revision, down = _REVISION.search(source), _DOWN_REVISION.search(source)
        if revision is None or down is None:
            return None
        revisions.add(revision.group(1))
        parents.update(re.findall(r"['\"]([^'\"]+)['\"]", down.group(1)))
    return frozenset(revisions - parents) or None


def is_current(engine: Engine) -> bool:
    """Whether the store's schema is at every head already (alembic_version holds exactly
    the heads): then opening it needs no migration, nor alembic itself, which costs a tenth of
    a second of every command's start-up to import."""
    heads = migration_heads()
    if heads is None:
        return False
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT version_num FROM alembic_version"))
            stamped = {row[0] for row in rows}
    except DBAPIError:  # no alembic_version table yet: a new store
        return False
    return stamped == heads


def open_store(url: str, **kwargs: Any) -> Engine:
    """An engine on `url` with the schema migrated; a failed migration disposes it."""
    engine = make_engine(url, **kwargs)
    try:
        if not is_current(engine):
            migrate(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def begin_write(conn: Connection) -> None:
    """Start `conn`'s transaction as a writer (call first thing inside `conn.begin()`).

    SQLite: `BEGIN IMMEDIATE` takes the database write lock before anything is read; a
    deferred transaction would read first and could fork the audit chain or overdraw a cap.
    PostgreSQL locks rows instead (`SELECT ... FOR UPDATE` on the chain head and the caps).
    """
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def within(bind: Engine | Connection) -> Iterator[Connection]:
    """A connection in a transaction: the caller's own (a unit of work, which commits it) or,
    given an engine, a new one committed when the block ends."""
    if isinstance(bind, Connection):
        yield bind
        return
    with bind.begin() as conn:
        yield conn
