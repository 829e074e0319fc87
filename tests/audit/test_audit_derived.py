"""Alert review state checked against the chain by `audit verify`, on both backends.

The red team's attack: a row in `alert` inserted or edited by plain SQL (a false positive
nobody reviewed) suppresses later hits of that party. Verify must name the row.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from audit_support import entry_of, hit_on, import_version, record_screening
from sqlalchemy import Engine, select, text, update

from clearance.audit.review import HitStatus, Outcome, decide_alert, party_fingerprint
from clearance.audit.tables import alert
from clearance.model import EntryType, ListVersion, Party
from clearance.service import Clearance, audit_trail
from clearance.settings import LoadedSettings

BANK = "6908499"  # DAEDONG CREDIT BANK, UN 2018-08-24
PARTY = Party(name="Daedong Credit Bank", type=EntryType.ORGANIZATION, country="KP")


@pytest.fixture
def un_august(engine: Engine, lists_dir: Path) -> ListVersion:
    return import_version(engine, lists_dir / "un" / "2018-08-24" / "consolidated.xml")


def _screen(engine: Engine, loaded: LoadedSettings, version: ListVersion) -> HitStatus:
    bank = entry_of(engine, version, BANK)
    recorded = record_screening(
        engine,
        PARTY,
        [hit_on(version, bank, PARTY.name, 0.9)],
        review_threshold=0.7,
        details={},
        settings=loaded,
        actor="screener",
    )
    return recorded.hits[0].status


def _alert_id(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(alert.c.id)) or 0)


def test_reviews_made_through_the_trail_verify(
    engine: Engine, loaded: LoadedSettings, un_august: ListVersion
) -> None:
    app = Clearance(engine, loaded, "tester")
    assert _screen(engine, loaded, un_august) is HitStatus.ALERT
    alert_id = _alert_id(engine)
    decide_alert(engine, alert_id, Outcome.ESCALATE, reviewer="ann", note="unsure", settings=loaded)
    decide_alert(
        engine, alert_id, Outcome.FALSE_POSITIVE, reviewer="bob", note="a bakery", settings=loaded
    )
    assert _screen(engine, loaded, un_august) is HitStatus.SUPPRESSED
    result = audit_trail.verify(app)
    assert result.ok, (result.problems, result.inconsistent)


def test_a_false_positive_set_by_plain_sql_is_named(
    engine: Engine, loaded: LoadedSettings, un_august: ListVersion
) -> None:
    app = Clearance(engine, loaded, "tester")
    _screen(engine, loaded, un_august)
    alert_id = _alert_id(engine)
    with engine.begin() as conn:
        conn.execute(
            update(alert)
            .where(alert.c.id == alert_id)
            .values(
                state="false_positive",
                final=True,
                reviewer="mallory",
                note="fine",
                reviewed_at=datetime.now(UTC),
            )
        )
    assert _screen(engine, loaded, un_august) is HitStatus.SUPPRESSED  # the attack works...
    result = audit_trail.verify(app)  # ...and verify names it
    assert not result.ok
    assert result.inconsistent == [
        f"alert {alert_id}: state 'false_positive' without any review record (edited by hand)"
    ]
    assert result.to_dict()["inconsistent_rows"] == result.inconsistent


def test_an_edited_review_and_an_inserted_alert_are_named(
    engine: Engine, loaded: LoadedSettings, un_august: ListVersion
) -> None:
    app = Clearance(engine, loaded, "tester")
    _screen(engine, loaded, un_august)
    alert_id = _alert_id(engine)
    decide_alert(
        engine, alert_id, Outcome.TRUE_MATCH, reviewer="ann", note="it is them", settings=loaded
    )
    with engine.begin() as conn:
        # The true match turned into a false positive, keeping the review record's number.
        conn.execute(update(alert).where(alert.c.id == alert_id).values(state="false_positive"))
        # A reviewed false positive for another party, pointing at the real screening record.
        row = conn.execute(select(alert).where(alert.c.id == alert_id)).one()
        values = dict(row._mapping) | {
            "fingerprint": party_fingerprint(Party(name="Someone Else", country="KP")),
            "state": "false_positive",
            "review_seq": None,
        }
        del values["id"]
        conn.execute(alert.insert().values(**values))
        forged_id = conn.scalar(text("SELECT max(id) FROM alert"))
    result = audit_trail.verify(app)
    assert not result.ok
    assert any(
        m.startswith(f"alert {alert_id}: state differ from review record")
        for m in result.inconsistent
    ), result.inconsistent
    assert any(
        m.startswith(f"alert {forged_id}: record 1, which it says raised it, does not name it")
        for m in result.inconsistent
    ), result.inconsistent
