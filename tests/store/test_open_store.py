"""Opening a store migrates it only when its schema is behind (issue 13: start-up).

`open_store` reads the migration heads from the migration files' text and the store's
`alembic_version`; when they agree, alembic is not even imported. These tests hold that
reading to alembic's own, and show a store that is behind still gets migrated.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from clearance.store.db import alembic_config, is_current, make_engine, migration_heads, open_store


def test_heads_read_from_the_files_are_alembics() -> None:
    script = ScriptDirectory.from_config(alembic_config(make_engine("sqlite://")))
    assert migration_heads() == frozenset(script.get_heads())


def test_a_new_store_is_migrated(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.sqlite'}"
    fresh = make_engine(url)
    assert not is_current(fresh)
    fresh.dispose()
    engine = open_store(url)
    assert is_current(engine)
    assert {"list_version", "audit_record", "alert"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_a_store_behind_by_one_migration_is_brought_up(engine: Engine) -> None:
    """One branch downgraded (its table dropped, its head unstamped): not current, and
    opening the store again upgrades it."""
    command.downgrade(alembic_config(engine), "0006_users@0001_lists")
    assert not is_current(engine)
    assert "app_user" not in inspect(engine).get_table_names()
    reopened = open_store(engine.url.render_as_string(hide_password=False))
    try:
        assert is_current(reopened)
        assert "app_user" in inspect(reopened).get_table_names()
    finally:
        reopened.dispose()


def test_a_current_store_opens_without_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    open_store(url).dispose()
    probe = (
        "import sys\nfrom clearance.store.db import open_store\n"
        f"open_store({url!r}).dispose()\n"
        "print('alembic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("stamp", [[], ["0001_lists"], ["0002_decisions"]])
def test_a_store_stamped_otherwise_is_not_current(tmp_path: Path, stamp: list[str]) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM alembic_version"))
        for revision in stamp:
            conn.execute(text("INSERT INTO alembic_version VALUES (:r)"), {"r": revision})
    assert not is_current(engine)
    engine.dispose()
