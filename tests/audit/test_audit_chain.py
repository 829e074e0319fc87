"""The hash chain on both backends: appends, concurrency, the append-only triggers, and
tampering by someone with database rights (triggers dropped first), which verify must name."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from audit_support import drop_append_only_triggers, write_records
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError

from clearance.audit.chain import GENESIS, append_record, verify_chain
from clearance.audit.tables import audit_chain_head, audit_record
from clearance.settings import LoadedSettings


def _rows(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(audit_record).order_by(audit_record.c.seq)))


def test_append_links_records_and_verify_accepts_them(engine: Engine) -> None:
    first = append_record(engine, "screening", {"party": "ACME", "score": 0.5}, actor="ann")
    second = append_record(engine, "decision", {"decision": "CLEAR"}, actor="bob")
    assert (first.seq, second.seq) == (1, 2)
    assert first.prev_hash == GENESIS and second.prev_hash == first.hash
    assert first.created_at.tzinfo is not None
    stored = _rows(engine)
    assert [r.hash for r in stored] == [first.hash, second.hash]
    assert stored[0].payload == '{"party":"ACME","score":0.5}'
    result = verify_chain(engine)
    assert result.ok, result.problems
    assert (result.checked, result.first_seq, result.last_seq) == (2, 1, 2)
    with engine.connect() as conn:
        head = conn.execute(select(audit_chain_head)).one()
    assert (head.seq, head.hash) == (2, second.hash)


def test_empty_chain_verifies(engine: Engine) -> None:
    result = verify_chain(engine)
    assert result.ok and result.checked == 0


def test_concurrent_appends_never_fork_the_chain(engine: Engine) -> None:
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            for n in range(15):
                append_record(engine, "screening", {"writer": name, "n": n}, actor=name)
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    rows = _rows(engine)
    assert [r.seq for r in rows] == list(range(1, 61))
    assert len({r.prev_hash for r in rows}) == 60  # no two records share a predecessor
    assert verify_chain(engine).ok


def test_database_refuses_update_and_delete(engine: Engine, loaded: LoadedSettings) -> None:
    write_records(engine, loaded, 2)
    for statement in (
        "UPDATE audit_record SET payload = '{}' WHERE seq = 1",
        "DELETE FROM audit_record WHERE seq = 2",
        "DELETE FROM audit_record",
    ):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    assert len(_rows(engine)) == 2
    assert verify_chain(engine).ok


@pytest.mark.postgres
def test_postgres_refuses_truncate_and_the_old_purge_setting_permits_nothing(
    pg_engine: Engine, loaded: LoadedSettings
) -> None:
    write_records(pg_engine, loaded, 3)
    with pytest.raises(DBAPIError, match="append-only"), pg_engine.begin() as conn:
        conn.execute(text("TRUNCATE audit_record"))
    # Before 0008_audit_mac any writer could set this and delete; now only a marker can.
    with pytest.raises(DBAPIError, match="append-only"), pg_engine.begin() as conn:
        conn.execute(text("SELECT set_config('clearance.purge_up_to', '99', true)"))
        conn.execute(text("DELETE FROM audit_record WHERE seq = 2"))
    assert len(_rows(pg_engine)) == 3


def test_rules_snapshots_cannot_be_changed(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO rules_snapshot (hash, body, created_at) "
                "VALUES ('abc', '{}', CURRENT_TIMESTAMP)"
            )
        )
    for statement in ("UPDATE rules_snapshot SET body = '[]'", "DELETE FROM rules_snapshot"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))


# --- tampering -------------------------------------------------------------------------------


def test_edited_payload_is_named(engine: Engine, loaded: LoadedSettings) -> None:
    write_records(engine, loaded, 5)
    drop_append_only_triggers(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_record SET payload = :p WHERE seq = 3"), {"p": '{"n":99}'})
    result = verify_chain(engine)
    assert not result.ok
    assert result.problems[0].seq == 3
    assert "altered" in str(result.problems[0])


def test_edit_with_recomputed_hash_breaks_the_next_link(
    engine: Engine, loaded: LoadedSettings
) -> None:
    write_records(engine, loaded, 4)
    drop_append_only_triggers(engine)
    original = _rows(engine)[1]
    forged_payload = original.payload.replace('"n":1', '"n":7')
    from clearance.audit.chain import record_hash

    forged_hash = record_hash(
        original.prev_hash,
        original.seq,
        original.id,
        original.kind,
        original.created_at,
        original.actor,
        forged_payload,
    )
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE audit_record SET payload = :p, hash = :h WHERE seq = 2"),
            {"p": forged_payload, "h": forged_hash},
        )
    result = verify_chain(engine)
    assert [p.seq for p in result.problems] == [3]
    assert "record 2" in result.problems[0].message


def test_deleted_record_is_named(engine: Engine, loaded: LoadedSettings) -> None:
    write_records(engine, loaded, 5)
    drop_append_only_triggers(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_record WHERE seq = 2"))
    result = verify_chain(engine)
    assert not result.ok
    first = result.problems[0]
    assert first.seq == 3 and "record 2 missing" in first.message


def test_deleted_tail_is_noticed_against_the_head(engine: Engine, loaded: LoadedSettings) -> None:
    write_records(engine, loaded, 4)
    drop_append_only_triggers(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_record WHERE seq >= 3"))
    result = verify_chain(engine)
    assert not result.ok
    assert result.problems[0].seq == 3 and "removed from the end" in result.problems[0].message


def test_deleted_prefix_without_purge_is_named(engine: Engine, loaded: LoadedSettings) -> None:
    write_records(engine, loaded, 4)
    drop_append_only_triggers(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_record WHERE seq <= 2"))
    result = verify_chain(engine)
    assert result.problems[0].seq == 3
    assert "no purge marker" in result.problems[0].message


def test_swapped_records_are_named(engine: Engine, loaded: LoadedSettings) -> None:
    write_records(engine, loaded, 5)
    drop_append_only_triggers(engine)
    rows = {r.seq: r for r in _rows(engine)}
    columns = ("id", "kind", "created_at", "actor", "payload", "prev_hash", "hash")
    with engine.begin() as conn:
        # Move record 2 out of the way (ids are unique), then exchange the contents.
        conn.execute(text("UPDATE audit_record SET id = 'tmp' || seq WHERE seq IN (2, 4)"))
        for seq, source in ((2, rows[4]), (4, rows[2])):
            conn.execute(
                text(
                    "UPDATE audit_record SET "
                    + ", ".join(f"{c} = :{c}" for c in columns)
                    + " WHERE seq = :seq"
                ),
                {c: getattr(source, c) for c in columns} | {"seq": seq},
            )
    result = verify_chain(engine)
    assert not result.ok
    assert result.problems[0].seq == 2
    assert {p.seq for p in result.problems} >= {2, 4}
