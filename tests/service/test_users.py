"""People of the web UI: the use cases (`clearance.service.users`) and `clearance users`, on
SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select, update

from clearance.access import AccessError, Role
from clearance.access.users import app_user, web_session
from clearance.audit.chain import verify_chain
from clearance.audit.records import (
    USER_CREATED,
    USER_DISABLED,
    USER_SIGNED_IN,
    USER_SIGNED_OUT,
    iter_records,
)
from clearance.cli import cli
from clearance.service import Clearance
from clearance.service.users import (
    check_csrf,
    create_user,
    current_user,
    disable_user,
    list_users,
    sign_in,
    sign_out,
)
from clearance.settings import load_settings

PASSWORD = "a long enough passphrase"


@pytest.fixture
def ops(engine: Engine) -> Clearance:
    return Clearance(engine, load_settings({"actor": "ops"}, env={}), "ops")


def test_create_sign_in_out(engine: Engine, ops: Clearance) -> None:
    info = create_user(ops, name="ana", role=Role.ANALYST, password=PASSWORD)
    assert (info.name, info.role, info.created_by, info.active) == (
        "ana",
        Role.ANALYST,
        "ops",
        True,
    )

    # Only an argon2id hash is stored, never the password.
    with engine.connect() as conn:
        stored = conn.execute(select(app_user.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored

    assert sign_in(ops, "ana", "a wrong passphrase!") is None
    assert sign_in(ops, "nobody", PASSWORD) is None
    opened = sign_in(ops, "ana", PASSWORD)
    assert opened is not None and opened.user.name == "ana" and opened.user.role is Role.ANALYST

    # The cookie's token is stored only as its SHA-256.
    with engine.connect() as conn:
        row = conn.execute(select(web_session)).one()._mapping
    assert opened.token not in {str(v) for v in row.values()}

    user = current_user(ops, opened.token)
    assert user is not None and user.name == "ana"
    assert (
        check_csrf(user, user.csrf)
        and not check_csrf(user, "forged")
        and not check_csrf(user, None)
    )
    assert current_user(ops, opened.token + "x") is None
    assert current_user(ops, None) is None

    assert sign_out(ops, opened.token) is True
    assert current_user(ops, opened.token) is None
    assert sign_out(ops, opened.token) is False

    records = list(iter_records(engine))
    assert [r.kind for r in records] == [USER_CREATED, USER_SIGNED_IN, USER_SIGNED_OUT]
    # The person acting is the actor: the admin who created, the user who signed in and out.
    assert [r.actor for r in records] == ["ops", "ana", "ana"]
    assert PASSWORD not in json.dumps([r.payload for r in records])
    assert verify_chain(engine).ok


def test_refusals(ops: Clearance) -> None:
    create_user(ops, name="ana", role=Role.ANALYST, password=PASSWORD)
    with pytest.raises(AccessError, match="exists already"):
        create_user(ops, name="ana", role=Role.VIEWER, password=PASSWORD)
    with pytest.raises(AccessError, match="at least 12"):
        create_user(ops, name="bob", role=Role.VIEWER, password="short")
    with pytest.raises(AccessError, match="user name"):
        create_user(ops, name="bo b", role=Role.VIEWER, password=PASSWORD)
    with pytest.raises(AccessError, match="must not be the user name"):
        create_user(ops, name="bobbobbobbob", role=Role.VIEWER, password="BobBobBobBob")
    assert [u.name for u in list_users(ops)] == ["ana"]


def test_disable_ends_sessions(engine: Engine, ops: Clearance) -> None:
    create_user(ops, name="ana", role=Role.ANALYST, password=PASSWORD)
    opened = sign_in(ops, "ana", PASSWORD)
    assert opened is not None
    disabled = disable_user(ops, "ana")
    assert disabled.disabled_by == "ops" and not disabled.active
    assert current_user(ops, opened.token) is None
    assert sign_in(ops, "ana", PASSWORD) is None
    with pytest.raises(AccessError, match="no active user"):
        disable_user(ops, "ana")
    # A disabled name is never given to someone else: records name users by it.
    with pytest.raises(AccessError, match="exists already"):
        create_user(ops, name="ana", role=Role.ADMIN, password=PASSWORD)
    assert [r.kind for r in iter_records(engine)][-1] == USER_DISABLED


def test_sessions_expire(engine: Engine, ops: Clearance) -> None:
    create_user(ops, name="ana", role=Role.ANALYST, password=PASSWORD)
    opened = sign_in(ops, "ana", PASSWORD)
    assert opened is not None
    assert opened.user.expires_at - datetime.now(UTC) > timedelta(hours=7.9)
    with engine.begin() as conn:
        conn.execute(update(web_session).values(expires_at=datetime.now(UTC) - timedelta(1)))
    assert current_user(ops, opened.token) is None
    # The next sign-in clears expired sessions away.
    assert sign_in(ops, "ana", PASSWORD) is not None
    with engine.connect() as conn:
        assert len(conn.execute(select(web_session)).all()) == 1


def test_users_cli(tmp_path: Path, store_url: str) -> None:
    runner = CliRunner()
    db = ["--db", store_url]
    made = runner.invoke(
        cli,
        ["users", "create", "ana", "--role", "approver", "--password-stdin", *db],
        input=PASSWORD + "\n",
    )
    assert made.exit_code == 0, made.output
    assert "'ana' (approver) created" in made.output
    again = runner.invoke(
        cli,
        ["users", "create", "ana", "--role", "viewer", "--password-stdin", *db],
        input=PASSWORD + "\n",
    )
    assert again.exit_code == 2 and "exists already" in again.output
    short = runner.invoke(
        cli, ["users", "create", "bob", "--role", "viewer", "--password-stdin", *db], input="x\n"
    )
    assert short.exit_code == 2 and "at least 12" in short.output

    listed = runner.invoke(cli, ["users", "list", "--format", "json", *db])
    users = json.loads(listed.output)
    assert [(u["name"], u["role"], u["active"]) for u in users] == [("ana", "approver", True)]
    assert "password" not in listed.output

    gone = runner.invoke(cli, ["users", "disable", "ana", "--format", "json", *db])
    assert gone.exit_code == 0 and json.loads(gone.output)["active"] is False
    table = runner.invoke(cli, ["users", "list", *db])
    assert "ana" in table.output and table.exit_code == 0

    # The password given on stdin signs in (the line end is not part of it).
    app = Clearance.open(load_settings({"db": store_url, "data_dir": str(tmp_path)}, env={}))
    try:
        create = runner.invoke(
            cli,
            ["users", "create", "eve", "--role", "viewer", "--password-stdin", *db],
            input=PASSWORD + "\r\n",
        )
        assert create.exit_code == 0
        assert sign_in(app, "eve", PASSWORD) is not None
    finally:
        app.close()
