"""The keyed chain, the exported head and the purge rules against someone who can write rows.

The attacker here has plain DML on the store (and, where a test says so, drops the append-only
triggers as a database owner could); never the audit key. Every attack must leave `audit
verify` failing when the key is configured. Both backends.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from audit_support import drop_append_only_triggers, write_records
from click.testing import CliRunner
from sqlalchemy import Engine, select, text, update
from sqlalchemy.exc import DBAPIError

from clearance.audit import chain
from clearance.audit.chain import (
    KEY_ROTATED,
    AuditError,
    AuditKey,
    audit_key,
    record_hash,
    verify_chain,
)
from clearance.audit.records import export_records, iter_records, purge, read_export
from clearance.audit.tables import audit_chain_head, audit_record
from clearance.cli import cli
from clearance.model import canonical_json
from clearance.service import Clearance, audit_trail
from clearance.settings import LoadedSettings, load_settings
from clearance.store.db import make_engine, migrate

SECRET = "correct horse battery staple, kept in a vault"
OTHER_SECRET = "a second key for the yearly rotation"


def keyed(secret: str = SECRET) -> LoadedSettings:
    return load_settings({"audit_key": secret}, env={})


def app_on(engine: Engine, loaded: LoadedSettings) -> Clearance:
    return Clearance(engine, loaded, "tester")


def _rows(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(audit_record).order_by(audit_record.c.seq)))


def rewrite_chain(engine: Engine, edit: dict[str, Any], *, keep_macs: bool = False) -> None:
    """The red team's rewrite: every record re-inserted with recomputed SHA-256 hashes and the
    chain head moved, by plain SQL, with `edit` merged into record 2's payload."""
    drop_append_only_triggers(engine)
    rows = _rows(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_record"))
        prev = chain.GENESIS
        for row in rows:
            payload = row.payload
            if row.seq == 2:
                payload = canonical_json({**json.loads(payload), **edit})
            created = chain.as_utc(row.created_at)
            digest = record_hash(prev, row.seq, row.id, row.kind, created, row.actor, payload)
            conn.execute(
                audit_record.insert().values(
                    seq=row.seq,
                    id=row.id,
                    kind=row.kind,
                    created_at=created,
                    actor=row.actor,
                    payload=payload,
                    prev_hash=prev,
                    hash=digest,
                    mac=row.mac if keep_macs else None,
                )
            )
            prev = digest
        conn.execute(update(audit_chain_head).values(seq=rows[-1].seq, hash=prev))


def insert_forged(
    engine: Engine,
    kind: str,
    payload: dict[str, Any],
    created: datetime,
    key: AuditKey | None = None,
) -> int:
    """Append one record by plain SQL, hash and head right, as any writer of rows can (MAC'd
    with a key of the attacker's own, if given)."""
    with engine.begin() as conn:
        seq, prev = conn.execute(select(audit_chain_head.c.seq, audit_chain_head.c.hash)).one()
        seq += 1
        body, record_id = canonical_json(payload), str(uuid.uuid4())
        digest = record_hash(prev, seq, record_id, kind, created, "mallory", body)
        conn.execute(
            audit_record.insert().values(
                seq=seq,
                id=record_id,
                kind=kind,
                created_at=created,
                actor="mallory",
                payload=body,
                prev_hash=prev,
                hash=digest,
                mac=key.mac(digest) if key is not None else None,
            )
        )
        conn.execute(update(audit_chain_head).values(seq=seq, hash=digest))
    return int(seq)


# --- the keyed chain ---------------------------------------------------------------------------


def test_keyed_records_carry_macs_and_the_key_is_introduced_by_a_rotation(
    engine: Engine,
) -> None:
    loaded = keyed()
    key = audit_key(loaded.settings)
    assert key is not None
    write_records(engine, loaded, 3)
    records = list(iter_records(engine))
    assert [r.kind for r in records] == [KEY_ROTATED, "screening", "screening", "screening"]
    assert records[0].payload["key_id"] == key.key_id
    assert records[0].payload["previous_key_id"] is None
    assert all(r.mac is not None and r.mac.startswith(key.key_id + ":") for r in records)
    # Neither the key nor anything but its masked form reaches a record.
    for row in _rows(engine):
        assert SECRET not in row.payload
    assert records[1].payload["settings"]["audit_key"]["value"] == "**********"

    result = verify_chain(engine, key=key)
    assert result.ok, result.problems
    assert (result.keyed, result.key_id, result.macs_checked, result.note) == (
        True,
        key.key_id,
        4,
        None,
    )
    # Without the key only the hashes are checked, and verify says so.
    unchecked = verify_chain(engine)
    assert unchecked.ok and unchecked.macs_checked == 0
    assert unchecked.note is not None and "no audit key is configured" in unchecked.note


def test_an_unkeyed_chain_verifies_but_says_it_proves_little(
    engine: Engine, loaded: LoadedSettings
) -> None:
    write_records(engine, loaded, 2)
    result = verify_chain(engine)
    assert result.ok and not result.keyed
    assert result.note is not None and "unkeyed" in result.note
    assert result.to_dict()["note"] == result.note


def test_a_keyed_chain_refuses_records_written_without_the_key(engine: Engine) -> None:
    write_records(engine, keyed(), 1)
    with pytest.raises(AuditError, match=r"keyed .* no audit key is configured"):
        write_records(engine, load_settings({}, env={}), 1)
    assert len(_rows(engine)) == 2


@pytest.mark.parametrize("keep_macs", [False, True])
def test_rewriting_the_whole_chain_with_recomputed_hashes_fails_with_the_key(
    engine: Engine, keep_macs: bool
) -> None:
    loaded = keyed()
    write_records(engine, loaded, 4)
    rewrite_chain(engine, {"n": 99, "party": "someone else"}, keep_macs=keep_macs)
    # The hashes all agree: without the key, MACs left in place pass unchecked.
    assert verify_chain(engine).ok is keep_macs
    result = verify_chain(engine, key=audit_key(loaded.settings))
    assert not result.ok
    messages = [p.message for p in result.problems]
    if keep_macs:
        assert result.problems[0].seq == 2
        assert "MAC does not match" in messages[0]
    else:
        assert any("never MAC'd this chain" in m for m in messages)


def test_records_appended_by_plain_sql_after_the_key_fail(engine: Engine) -> None:
    loaded = keyed()
    write_records(engine, loaded, 2)
    seq = insert_forged(engine, "decision", {"decision": "CLEAR"}, datetime.now(UTC))
    result = verify_chain(engine, key=audit_key(loaded.settings))
    assert [p.seq for p in result.problems][:1] == [seq]
    assert "no MAC, but the chain is keyed since record 1" in result.problems[0].message


def test_a_rotation_to_the_attackers_own_key_is_not_laundered(engine: Engine) -> None:
    loaded = keyed()
    key = audit_key(loaded.settings)
    assert key is not None
    write_records(engine, loaded, 2)
    theirs = AuditKey(b"mallory's own key, long enough")
    now = datetime.now(UTC)
    insert_forged(engine, KEY_ROTATED, {"key_id": theirs.key_id}, now, theirs)
    forged = insert_forged(engine, "decision", {"decision": "CLEAR"}, now, theirs)
    result = verify_chain(engine, key=key)
    assert not result.ok
    assert "after the configured key took over at record 1" in str(result.problems[0])
    # The next honest write does not vouch for the forgery with a rotation back.
    with pytest.raises(AuditError, match="rotated away from it without it"):
        write_records(engine, loaded, 1)
    assert _rows(engine)[-1].seq == forged


def test_key_rotation_is_recorded_and_old_records_stay_covered(engine: Engine) -> None:
    first, second = keyed(), keyed(OTHER_SECRET)
    old_key, new_key = audit_key(first.settings), audit_key(second.settings)
    assert old_key is not None and new_key is not None and old_key.key_id != new_key.key_id
    write_records(engine, first, 2)
    write_records(engine, second, 1)
    kinds = [(r.kind, r.payload.get("key_id")) for r in iter_records(engine)]
    assert kinds[3] == (KEY_ROTATED, new_key.key_id)
    rotation = list(iter_records(engine))[3]
    assert rotation.payload["previous_key_id"] == old_key.key_id
    result = verify_chain(engine, key=new_key)
    assert result.ok, result.problems
    assert result.macs_checked == 2  # the rotation and the record after it
    # The retired key no longer vouches for the chain's end.
    stale = verify_chain(engine, key=old_key)
    assert "after the configured key took over" in stale.problems[0].message
    assert "not the configured key" in stale.problems[-1].message


def test_a_key_configured_for_an_unkeyed_store_is_introduced_by_rotate_key(
    engine: Engine, loaded: LoadedSettings
) -> None:
    write_records(engine, loaded, 2)  # written before anyone configured a key
    app = app_on(engine, keyed())
    before = audit_trail.verify(app)
    assert not before.ok and "rotate-key" in (before.first_problem or "")
    record = audit_trail.rotate_key(app)
    assert record is not None and record.seq == 3 and record.kind == KEY_ROTATED
    assert audit_trail.rotate_key(app) is None  # already in use: nothing written
    after = audit_trail.verify(app)
    assert after.ok, after.problems
    assert after.macs_checked == 1 and after.note is None


def test_a_short_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AuditError, match="at least 16 bytes"):
        AuditKey(b"short")
    key_file = tmp_path / "audit.key"
    key_file.write_text(SECRET + "\n", encoding="utf-8")
    from_file = audit_key(load_settings({"audit_key_file": str(key_file)}, env={}).settings)
    from_value = audit_key(keyed().settings)
    assert from_file is not None and from_value is not None
    assert from_file.key_id == from_value.key_id
    with pytest.raises(AuditError, match="audit_key_file"):
        audit_key(load_settings({"audit_key_file": str(tmp_path / "none")}, env={}).settings)


def test_keyed_export_verifies_offline_with_the_key(engine: Engine, tmp_path: Path) -> None:
    loaded = keyed()
    write_records(engine, loaded, 3)
    for export_format in ("jsonl", "csv"):
        path = tmp_path / f"export.{export_format}"
        with path.open("w", encoding="utf-8", newline="") as out:
            export_records(engine, out, export_format)  # type: ignore[arg-type]
        assert audit_trail.verify_export(path, loaded).ok
        assert audit_trail.verify_export(path, loaded).macs_checked == 4
        with path.open(encoding="utf-8", newline="") as source:
            assert all(r.mac for r in read_export(source))
        wrong = audit_trail.verify_export(path, keyed(OTHER_SECRET))
        assert not wrong.ok


# --- the exported head -----------------------------------------------------------------------


def test_expect_head_detects_truncation_and_rewrite(engine: Engine) -> None:
    loaded = keyed()
    app = app_on(engine, loaded)
    write_records(engine, loaded, 3)
    exported = str(audit_trail.head(app))
    seq, digest = exported.split(":")
    assert int(seq) == 4 and len(digest) == 64
    write_records(engine, loaded, 2)
    good = audit_trail.verify(app, expect_head=exported)
    assert good.ok and good.expected_head == exported

    # Truncated back to record 3, head moved along: the exported record 4 is gone.
    drop_append_only_triggers(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_record WHERE seq > 3"))
        row = conn.execute(select(audit_record).where(audit_record.c.seq == 3)).one()
        conn.execute(update(audit_chain_head).values(seq=3, hash=row.hash))
    unkeyed_app = app_on(engine, load_settings({}, env={}))
    truncated = audit_trail.verify(unkeyed_app, expect_head=exported)
    assert not truncated.ok
    assert "exported head record 4 is not in the chain" in (truncated.first_problem or "")


def test_expect_head_detects_a_rewritten_chain_without_any_key(
    engine: Engine, loaded: LoadedSettings
) -> None:
    app = app_on(engine, loaded)
    write_records(engine, loaded, 3)
    exported = str(audit_trail.head(app))
    rewrite_chain(engine, {"n": 7})
    assert audit_trail.verify(app).ok  # the hashes were recomputed: only the head shows it
    result = audit_trail.verify(app, expect_head=exported)
    assert not result.ok and "rewritten since the head was exported" in str(result.problems[0])
    with pytest.raises(AuditError, match="not a chain head"):
        audit_trail.verify(app, expect_head="3:nothex")


# --- purge only past retention -----------------------------------------------------------------


def _marker_payload(before: date, from_seq: int, to_seq: int, anchor: str) -> dict[str, Any]:
    moment = datetime.combine(before, datetime.min.time(), UTC) - timedelta(days=1)
    return {
        "before": before.isoformat(),
        "retention_years": 10,
        "purged": {
            "count": to_seq - from_seq + 1,
            "from_seq": from_seq,
            "to_seq": to_seq,
            "first_created_at": chain.utc_iso(moment),
            "last_created_at": chain.utc_iso(moment),
        },
        "anchor": {"seq": to_seq, "hash": anchor},
    }


def test_a_forged_marker_inside_retention_lets_nothing_be_deleted(
    engine: Engine, loaded: LoadedSettings
) -> None:
    write_records(engine, loaded, 3)
    anchor = _rows(engine)[1].hash
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    insert_forged(
        engine, "purge_marker", _marker_payload(tomorrow, 1, 2, anchor), datetime.now(UTC)
    )
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_record WHERE seq <= 2"))
    assert len(_rows(engine)) == 4


def test_a_forged_marker_inside_retention_fails_verify(
    engine: Engine, loaded: LoadedSettings
) -> None:
    write_records(engine, loaded, 3)
    anchor = _rows(engine)[1].hash
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    insert_forged(
        engine, "purge_marker", _marker_payload(tomorrow, 1, 2, anchor), datetime.now(UTC)
    )
    drop_append_only_triggers(engine)  # a database owner deletes anyway
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_record WHERE seq <= 2"))
    result = verify_chain(engine)
    assert not result.ok
    assert "inside the 10-year retention" in str(result.problems[0])


def test_a_future_dated_forged_marker_passes_the_trigger_but_fails_verify(
    engine: Engine,
) -> None:
    loaded = keyed()
    write_records(engine, loaded, 3)
    anchor = _rows(engine)[2].hash
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    dated = datetime.now(UTC) + timedelta(days=366 * 11)  # ten years past the cut-off
    insert_forged(engine, "purge_marker", _marker_payload(tomorrow, 1, 3, anchor), dated)
    with engine.begin() as conn:  # the trigger only sees a marker that claims the retention
        conn.execute(text("DELETE FROM audit_record WHERE seq <= 3"))
    unkeyed = verify_chain(engine)
    assert not unkeyed.ok and "in the future" in str(unkeyed.problems)
    result = verify_chain(engine, key=audit_key(loaded.settings))
    assert any("no MAC" in p.message for p in result.problems)


def test_purge_through_the_use_case_is_keyed_and_verifies(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded = keyed()
    old = datetime(2019, 3, 1, 12, tzinfo=UTC)
    monkeypatch.setattr(chain, "_utcnow", lambda: old)
    write_records(engine, loaded, 3)
    monkeypatch.setattr(chain, "_utcnow", lambda: datetime(2030, 6, 1, 12, tzinfo=UTC))
    write_records(engine, loaded, 1)
    result = purge(engine, date(2020, 1, 1), settings=loaded, actor="ops")
    assert (result.from_seq, result.to_seq, result.purged) == (1, 4, 4)
    assert result.marker is not None and result.marker.mac is not None
    key = audit_key(loaded.settings)
    verified = verify_chain(engine, key=key)
    assert verified.ok, verified.problems
    assert verified.anchored_at == result.marker.seq


# --- the doors -------------------------------------------------------------------------------


def test_cli_head_rotate_key_and_expect_head(store_url: str, tmp_path: Path) -> None:
    def run(*args: str, key: bool = True) -> Any:
        env = {"CLEARANCE_AUDIT_KEY": SECRET if key else "", "CLEARANCE_DATA_DIR": str(tmp_path)}
        return CliRunner().invoke(cli, [*args, "--db", store_url], env=env)

    unkeyed = run("audit", "verify", key=False)
    assert unkeyed.exit_code == 0 and "WARNING" not in unkeyed.output  # nothing to vouch for
    rotated = run("audit", "rotate-key")
    assert rotated.exit_code == 0 and "record 1: audit key" in rotated.output
    head = run("audit", "head")
    assert head.exit_code == 0
    exported = head.output.strip()
    assert exported.startswith("1:") and len(exported) == 66
    assert json.loads(run("audit", "head", "--format", "json").output)["head"] == exported
    verified = run("audit", "verify", "--expect-head", exported)
    assert verified.exit_code == 0, verified.output
    assert "keyed: 1 MACs checked" in verified.output
    assert f"contains the exported head {exported}" in verified.output
    without_key = run("audit", "verify", key=False)
    assert without_key.exit_code == 0 and "WARNING: the chain carries MACs" in without_key.output
    refused = run("audit", "rotate-key", key=False)
    assert refused.exit_code == 2 and "no audit key is configured" in refused.output
    wrong = run("audit", "verify", "--expect-head", "1:" + "0" * 64)
    assert wrong.exit_code == 1 and "rewritten since the head was exported" in wrong.output
    bad = run("audit", "verify", "--expect-head", "one")
    assert bad.exit_code == 2 and "not a chain head" in bad.output


def test_cli_verify_warns_that_an_unkeyed_chain_proves_little(
    store_url: str, tmp_path: Path
) -> None:
    env = {"CLEARANCE_DATA_DIR": str(tmp_path), "CLEARANCE_AUDIT_KEY": ""}
    engine = make_engine(store_url)
    migrate(engine)
    write_records(engine, load_settings({}, env={}), 1)
    engine.dispose()
    result = CliRunner().invoke(cli, ["audit", "verify", "--db", store_url], env=env)
    assert result.exit_code == 0
    assert "WARNING: the chain is unkeyed" in result.output


def test_a_marker_is_held_to_the_retention_it_records(
    engine: Engine, loaded: LoadedSettings
) -> None:
    write_records(engine, loaded, 2)
    anchor = _rows(engine)[1].hash
    # Eleven years before the marker's date: enough for ten years, not for the twelve it says.
    forged = _marker_payload(date(2020, 1, 1), 1, 2, anchor) | {"retention_years": 12}
    insert_forged(engine, "purge_marker", forged, datetime(2031, 1, 2, tzinfo=UTC))
    drop_append_only_triggers(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_record WHERE seq <= 2"))
    result = verify_chain(engine)
    assert "inside the 12-year retention" in str(result.problems)
