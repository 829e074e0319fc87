"""Recording, showing, exporting and purging audit records on both backends."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from audit_support import drop_append_only_triggers, write_records
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError

from clearance.audit import chain
from clearance.audit.chain import AuditError, verify_chain, verify_records
from clearance.audit.records import (
    export_records,
    get_record,
    iter_records,
    purge,
    read_export,
    record_event,
    retention_limit,
)
from clearance.audit.tables import audit_record
from clearance.settings import LoadedSettings, load_settings


def test_record_carries_every_setting_and_its_source(engine: Engine) -> None:
    loaded = load_settings({"match_threshold": 0.9}, env={"CLEARANCE_FOUR_EYES": "true"})
    record = record_event(engine, "decision", {"decision": "CLEAR"}, settings=loaded, actor="ann")
    settings = record.payload["settings"]
    assert settings["match_threshold"] == {"value": 0.9, "source": "flag"}
    assert settings["four_eyes"] == {"value": True, "source": "env"}
    assert settings["retention_years"] == {"value": 10, "source": "default"}
    assert record.actor == "ann" and record.payload["decision"] == "CLEAR"


def test_get_record_by_seq_id_and_prefix(engine: Engine, loaded: LoadedSettings) -> None:
    write_records(engine, loaded, 3)
    second = get_record(engine, 2)
    assert get_record(engine, second.id) == second
    assert get_record(engine, second.id[:8]) == second
    assert get_record(engine, "2") == second
    with pytest.raises(AuditError, match="no audit record 9"):
        get_record(engine, 9)
    with pytest.raises(AuditError, match="neither"):
        get_record(engine, "abc")


def test_export_round_trips_and_verifies_offline(engine: Engine, loaded: LoadedSettings) -> None:
    write_records(engine, loaded, 4, party="ООО Ромашка")  # non-ASCII survives both formats
    for export_format in ("jsonl", "csv"):
        out = io.StringIO()
        assert export_records(engine, out, export_format) == 4  # type: ignore[arg-type]
        out.seek(0)
        records = list(read_export(out))
        assert [r.seq for r in records] == [1, 2, 3, 4]
        assert records[0].payload["party"] == "ООО Ромашка"
        assert verify_records(records).ok
        assert records == list(iter_records(engine))


def test_export_of_a_tampered_file_fails_offline(engine: Engine, loaded: LoadedSettings) -> None:
    write_records(engine, loaded, 3)
    out = io.StringIO()
    export_records(engine, out, "jsonl")
    tampered = out.getvalue().replace('"n": 1', '"n": 5')
    result = verify_records(read_export(io.StringIO(tampered)))
    assert result.problems[0].seq == 2


def test_export_date_range(engine: Engine, loaded: LoadedSettings) -> None:
    write_records(engine, loaded, 2)
    today = datetime.now(UTC).date()
    assert len(list(iter_records(engine, start=today, end=today))) == 2
    assert list(iter_records(engine, end=today - timedelta(days=1))) == []
    assert list(iter_records(engine, start=today + timedelta(days=1))) == []


def test_read_export_names_the_bad_line() -> None:
    with pytest.raises(AuditError, match="export line 1"):
        list(read_export(io.StringIO('{"seq": 1}\n')))
    with pytest.raises(AuditError, match="export row 2"):
        list(
            read_export(
                io.StringIO(
                    ",".join(
                        ("seq", "id", "kind", "created_at", "actor", "prev_hash", "hash", "payload")
                    )
                    + "\n1,x\n"
                )
            )
        )


def test_read_export_refuses_lines_that_are_not_objects_and_bytes_that_are_not_utf8(
    engine: Engine, loaded: LoadedSettings, tmp_path: Path
) -> None:
    write_records(engine, loaded, 1)
    out = io.StringIO()
    export_records(engine, out, "jsonl")
    with pytest.raises(AuditError, match="export line 2: not an audit record"):
        list(read_export(io.StringIO(out.getvalue() + "[1]\n")))
    export = tmp_path / "export.jsonl"
    export.write_bytes(out.getvalue().encode("utf-8") + b'{"seq": 2, "actor": "\xff"}\n')
    with (
        export.open(encoding="utf-8", newline="") as source,
        pytest.raises(AuditError, match="not UTF-8 text"),
    ):
        list(read_export(source))


# --- purge -----------------------------------------------------------------------------------


def test_purge_refuses_cutoffs_younger_than_retention(
    engine: Engine, loaded: LoadedSettings
) -> None:
    write_records(engine, loaded, 2)
    limit = retention_limit(loaded)
    # Ten years before the given day; 29 February falls back to the 28th.
    assert retention_limit(loaded, date(2025, 6, 17)) == date(2015, 6, 17)
    assert retention_limit(loaded, date(2024, 2, 29)) == date(2014, 2, 28)
    with pytest.raises(AuditError, match="kept 10 years"):
        purge(engine, limit + timedelta(days=1), settings=loaded, actor="ops")
    longer = load_settings({"retention_years": 12}, env={})
    with pytest.raises(AuditError, match="kept 12 years"):
        purge(engine, retention_limit(loaded), settings=longer, actor="ops")
    result = purge(engine, limit, settings=loaded, actor="ops")  # nothing that old
    assert result.purged == 0 and result.marker is None
    assert [r.seq for r in iter_records(engine)] == [1, 2]


def _write_on(
    monkeypatch: pytest.MonkeyPatch, engine: Engine, loaded: LoadedSettings, day: date, count: int
) -> None:
    moment = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=12)
    monkeypatch.setattr(chain, "_utcnow", lambda: moment)
    write_records(engine, loaded, count, day=day.isoformat())
    monkeypatch.undo()


def _clock_at(monkeypatch: pytest.MonkeyPatch, day: date) -> None:
    """Move the chain's clock (purges, markers and verification) to noon UTC of `day`."""
    moment = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=12)
    monkeypatch.setattr(chain, "_utcnow", lambda: moment)


def test_purge_removes_an_old_prefix_and_reanchors(
    engine: Engine, loaded: LoadedSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_on(monkeypatch, engine, loaded, date(2020, 3, 1), 3)
    _write_on(monkeypatch, engine, loaded, date(2021, 5, 1), 2)
    _write_on(monkeypatch, engine, loaded, date(2020, 12, 1), 1)  # a clock that went back
    write_records(engine, loaded, 2)
    anchor_hash = get_record(engine, 3).hash

    _clock_at(monkeypatch, date(2031, 6, 1))
    result = purge(engine, date(2021, 1, 1), settings=loaded, actor="ops")
    assert (result.purged, result.from_seq, result.to_seq) == (3, 1, 3)
    assert result.marker is not None and result.marker.seq == 9
    assert result.marker.payload["anchor"] == {"seq": 3, "hash": anchor_hash}
    assert result.marker.payload["purged"]["count"] == 3
    # Record 6 is older than the cut-off but follows a younger one: only a prefix goes.
    assert [r.seq for r in iter_records(engine)] == [4, 5, 6, 7, 8, 9]
    verified = verify_chain(engine)
    assert verified.ok, verified.problems
    assert (verified.first_seq, verified.anchored_at) == (4, 9)

    # The marker covers only the purged prefix: record 4 stays undeletable.
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_record WHERE seq = 4"))

    # A second purge anchors again, past the first marker.
    _clock_at(monkeypatch, date(2032, 6, 1))
    again = purge(engine, date(2022, 1, 1), settings=loaded, actor="ops")
    assert (again.from_seq, again.to_seq) == (4, 6)
    verified = verify_chain(engine)
    assert verified.ok, verified.problems
    assert (verified.first_seq, verified.anchored_at) == (7, 10)


def test_purge_of_everything_leaves_a_verifiable_marker(
    engine: Engine, loaded: LoadedSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_records(engine, loaded, 3)
    future = datetime.now(UTC).date() + timedelta(days=1)
    _clock_at(monkeypatch, future.replace(year=future.year + 10))
    result = purge(engine, future, settings=loaded, actor="ops")
    assert result.purged == 3
    assert [r.kind for r in iter_records(engine)] == ["purge_marker"]
    assert verify_chain(engine).ok
    write_records(engine, loaded, 1)
    assert verify_chain(engine).ok


def test_forged_anchor_or_prefix_deletion_after_purge_is_detected(
    engine: Engine, loaded: LoadedSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_on(monkeypatch, engine, loaded, date(2019, 1, 1), 2)
    write_records(engine, loaded, 3)
    _clock_at(monkeypatch, date(2030, 1, 1))
    purge(engine, date(2020, 1, 1), settings=loaded, actor="ops")
    drop_append_only_triggers(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_record WHERE seq = 3"))
    result = verify_chain(engine)
    assert result.problems[0].seq == 4
    assert "no purge marker anchors it" in result.problems[0].message


def test_purge_refuses_a_broken_chain(
    engine: Engine, loaded: LoadedSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_records(engine, loaded, 3)
    drop_append_only_triggers(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_record SET actor = 'mallory' WHERE seq = 2"))
    future = datetime.now(UTC).date() + timedelta(days=1)
    _clock_at(monkeypatch, future.replace(year=future.year + 10))
    with pytest.raises(AuditError, match="does not verify"):
        purge(engine, future, settings=loaded, actor="ops")
    with engine.connect() as conn:
        assert len(conn.execute(select(audit_record.c.seq)).all()) == 3
