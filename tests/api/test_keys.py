"""API keys and roles: the use cases (`clearance.service.keys`) and `clearance keys`, on SQLite
and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from clearance.access import ROLE_PERMISSIONS, AccessError, Permission, Role
from clearance.access.tables import api_key
from clearance.access.tokens import key_prefix
from clearance.audit.chain import verify_chain
from clearance.audit.records import iter_records
from clearance.cli import cli
from clearance.service import Clearance
from clearance.service.keys import (
    KEY_CREATED,
    KEY_REVOKED,
    authenticate,
    create_key,
    list_keys,
    revoke_key,
)
from clearance.settings import load_settings

# The role table, as a compliance officer would read it.
EXPECTED = {
    Role.VIEWER: {"read", "match", "decide"},
    Role.ANALYST: {"read", "match", "decide", "record", "review"},
    Role.APPROVER: {"read", "match", "decide", "record", "review", "approve"},
    Role.ADMIN: {p.value for p in Permission},
}


@pytest.fixture
def ops(engine: Engine) -> Clearance:
    return Clearance(engine, load_settings({"actor": "ops"}, env={}), "ops")


def test_role_table() -> None:
    assert {role: {p.value for p in perms} for role, perms in ROLE_PERMISSIONS.items()} == EXPECTED


def test_create_authenticate_revoke(engine: Engine, ops: Clearance) -> None:
    created = create_key(ops, name="kyc-batch", role=Role.ANALYST)
    assert created.to_dict() == {"key": created.key, "name": "kyc-batch", "role": "analyst"}
    assert key_prefix(created.key) == created.info.prefix

    # Only a hash is stored: the key appears nowhere in the table.
    with engine.connect() as conn:
        row = conn.execute(select(api_key)).one()._mapping
    assert created.key not in {str(v) for v in row.values()}
    assert len(row["sha256"]) == 64

    principal = authenticate(ops, created.key)
    assert principal is not None and principal.name == "kyc-batch"
    assert principal.may(Permission.RECORD) and not principal.may(Permission.APPROVE)
    # A key with one character changed, a key of the wrong shape, an empty one: nobody.
    tampered = created.key[:-1] + ("A" if created.key[-1] != "A" else "B")
    assert authenticate(ops, tampered) is None
    assert authenticate(ops, "clr_0000_xyz") is None
    assert authenticate(ops, "") is None

    revoked = revoke_key(ops.as_actor("ann"), "kyc-batch")
    assert not revoked.active and revoked.revoked_by == "ann"
    assert authenticate(ops, created.key) is None

    kinds = [(r.kind, r.actor, r.payload["name"]) for r in iter_records(engine)]
    assert kinds == [(KEY_CREATED, "ops", "kyc-batch"), (KEY_REVOKED, "ann", "kyc-batch")]
    assert all("key" not in r.payload for r in iter_records(engine))
    assert verify_chain(engine).ok


def test_names_unique_among_active_keys(engine: Engine, ops: Clearance) -> None:
    first = create_key(ops, name="app", role=Role.VIEWER)
    with pytest.raises(AccessError, match="already named 'app'"):
        create_key(ops, name="app", role=Role.ADMIN)
    revoke_key(ops, "app")
    second = create_key(ops, name="app", role=Role.ADMIN)  # reusable now
    assert authenticate(ops, first.key) is None
    assert authenticate(ops, second.key) is not None
    assert [(k.name, k.active) for k in list_keys(ops)] == [("app", False), ("app", True)]
    assert [k.role for k in list_keys(ops, include_revoked=False)] == [Role.ADMIN]
    with pytest.raises(AccessError, match="no active key named 'nobody'"):
        revoke_key(ops, "nobody")
    for bad in ("", "   ", "a\x00b", "x" * 101):
        with pytest.raises(AccessError, match="1 to 100 characters"):
            create_key(ops, name=bad, role=Role.VIEWER)
    # The refused creations left no audit record behind.
    assert [r.kind for r in iter_records(engine)] == [KEY_CREATED, KEY_REVOKED, KEY_CREATED]


def test_keys_cli_round_trip(db_url: str, tmp_path: Path) -> None:
    runner = CliRunner(env={"CLEARANCE_DATA_DIR": str(tmp_path), "CLEARANCE_ACTOR": "root"})

    def run(*args: str) -> tuple[int, str]:
        result = runner.invoke(cli, [*args, "--db", db_url], catch_exceptions=False)
        return result.exit_code, result.output

    code, out = run("keys", "create", "--name", "alice", "--role", "approver", "--format", "json")
    assert code == 0, out
    created = json.loads(out)
    assert created["name"] == "alice" and created["role"] == "approver"
    key = created["key"]

    code, out = run("keys", "create", "--name", "bob", "--role", "viewer")
    assert code == 0 and out.startswith("clr_")  # text: the key alone on stdout

    code, out = run("keys", "create", "--name", "alice", "--role", "admin")
    assert code == 2 and "already named 'alice'" in out
    code, out = run("keys", "create", "--name", "carol", "--role", "superuser")
    assert code == 2 and "superuser" in out

    code, out = run("keys", "list", "--format", "json")
    listed = json.loads(out)
    assert [(k["name"], k["role"], k["active"]) for k in listed] == [
        ("alice", "approver", True),
        ("bob", "viewer", True),
    ]
    assert key not in out and key[-20:] not in out
    code, out = run("keys", "list")
    assert code == 0 and "alice" in out and key[-20:] not in out

    code, out = run("keys", "revoke", "alice")
    assert code == 0 and "revoked" in out
    code, out = run("keys", "revoke", "alice")
    assert code == 2 and "no active key named 'alice'" in out
    code, out = run("keys", "list", "--active", "--format", "json")
    assert [k["name"] for k in json.loads(out)] == ["bob"]

    code, out = run("audit", "export", "--format", "jsonl")
    records = [json.loads(line) for line in out.splitlines()]
    assert [(r["kind"], r["actor"]) for r in records] == [
        ("api_key_created", "root"),
        ("api_key_created", "root"),
        ("api_key_revoked", "root"),
    ]
