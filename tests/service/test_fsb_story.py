"""The FSB story through the real services, on SQLite and PostgreSQL (the issue's must-shows).

1. With only the SDN list of 2022-06-17 stored, an FSB notification fee on 2022-07-15 is
   decided (AUTHORIZED under GL 1B) and a US company whose name resembles the FSB's is
   screened: its hit is reviewed as a false positive, and re-screening marks it suppressed.
2. Then the 2022-06-28 list (FSB now also under RUSSIA-EO14024) is imported and the rules are
   changed. Replaying the decision gives the identical answer; `current` shows today's answer:
   PROHIBITED. Replaying the screening gives the same hits.
3. Screening the company against the new list reopens the alert: entry 21344 changed.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from service_support import fee_to_fsb, import_version
from sqlalchemy import Engine

from clearance.audit.chain import verify_chain
from clearance.audit.review import AlertState, HitStatus, Outcome, get_alert
from clearance.decisions import load_rules
from clearance.decisions.rules import packaged_rules
from clearance.model import EntryType, Party
from clearance.service import Clearance, ScreenRequest, decide, replay_record, screen_party
from clearance.service.review import review_alert
from clearance.settings import load_settings

FSB = "21344"
LOOKALIKE = Party(name="Federal Security Services LLC", type=EntryType.ORGANIZATION, country="US")


def changed_rules(tmp_path: Path) -> Path:
    """The packaged rules with GL 1B's cap lowered: a rules change after the decision."""
    folder = tmp_path / "rules"
    shutil.copytree(packaged_rules(), folder)
    gl = folder / "general_licenses" / "CYBER-GL-1B.yaml"
    text = gl.read_text(encoding="utf-8")
    assert text.count("amount: 5000") == 1
    gl.write_text(text.replace("amount: 5000", "amount: 1000"), encoding="utf-8")
    return folder


@pytest.mark.slow
def test_fsb_story(engine: Engine, lists_dir: Path, tmp_path: Path) -> None:
    loaded = load_settings({"data_dir": str(tmp_path / "data")}, env={})
    app = Clearance(engine, loaded, "tester")
    sdn = lists_dir / "ofac" / "sdn_csv"
    june17 = import_version(engine, sdn / "2022-06-17", date(2022, 6, 17))
    rules = load_rules()

    # 1. The decision, on the lists known then.
    decided = decide(app, fee_to_fsb("T-0715", "2022-07-15"), record=True)
    assert decided.record is not None
    assert decided.decision.decision.value == "AUTHORIZED"
    payload = decided.record.payload
    assert payload["version_ids"] == [june17.id]
    assert payload["list_versions"][0]["sha256"] == june17.sha256
    assert payload["rules"]["version"] == rules.version
    assert payload["screening"]["algorithm"] == "clearance-v1.1"
    assert payload["screening"]["algorithm_config"]
    assert payload["settings"]["match_threshold"]["source"] == "default"
    assert payload["decision"]["decision"] == "AUTHORIZED"
    [(_, fsb_hits)] = decided.parties
    assert any(h.hit.entry.source_id == FSB and h.status is HitStatus.ALERT for h in fsb_hits)

    # The look-alike: an alert, reviewed as a false positive, then suppressed.
    first = screen_party(app, LOOKALIKE, ScreenRequest(as_of=date(2022, 6, 20)))
    assert first.record is not None
    [hit] = [h for h in first.hits if h.hit.entry.source_id == FSB]
    assert hit.status is HitStatus.ALERT and hit.new_alert and hit.alert_id is not None
    review = review_alert(
        app.as_actor("ann"),
        hit.alert_id,
        Outcome.FALSE_POSITIVE,
        "a US guarding company, Delaware registration",
    )
    assert review.reviewer == "ann"
    again = screen_party(app, LOOKALIKE, ScreenRequest(as_of=date(2022, 6, 20)))
    [suppressed] = [h for h in again.hits if h.hit.entry.source_id == FSB]
    assert suppressed.status is HitStatus.SUPPRESSED
    assert suppressed.hit.score == hit.hit.score  # still computed
    assert suppressed.cites is not None and suppressed.cites["review_record"] == review.review_seq
    assert again.to_dict()["hits"][0]["review"]["status"] == "suppressed"

    # 2. Newer lists and changed rules arrive.
    june28 = import_version(engine, sdn / "2022-06-28", date(2022, 6, 28))
    new_rules_dir = changed_rules(tmp_path)
    new_rules = load_rules(new_rules_dir)
    assert new_rules.version != rules.version
    today_app = Clearance(
        engine,
        load_settings({"data_dir": str(tmp_path / "data"), "rules_dir": new_rules_dir}, env={}),
        "auditor",
    )

    report = replay_record(today_app, decided.record.seq, current=True)
    assert report.identical, [str(d) for d in report.replay.differences]
    assert report.replay.answer["decision"] == "AUTHORIZED"
    assert report.replay.rules_version == rules.version
    assert [v["id"] for v in report.replay.list_versions] == [june17.id]
    today = report.current
    assert today is not None and not today.identical
    assert today.answer["decision"] == "PROHIBITED"
    assert [v["id"] for v in today.list_versions] == [june28.id]
    assert today.rules_version == new_rules.version
    changed = {d.path: d for d in today.differences}
    assert (changed["decision.decision"].recorded, changed["decision.decision"].replayed) == (
        "AUTHORIZED",
        "PROHIBITED",
    )
    uncovered = [u["authority"] for u in today.answer["uncovered_authorities"]]
    assert any("14024" in a for a in uncovered), uncovered

    screening_replay = replay_record(app, first.record.seq, current=True)
    assert screening_replay.identical
    # As of 2022-06-20 the 06-28 list is not yet in force: today's store answers the same.
    assert screening_replay.current is not None and screening_replay.current.identical
    assert [v["id"] for v in screening_replay.current.list_versions] == [june17.id]

    # 3. The entry changed: the review no longer covers the hit.
    later = screen_party(app, LOOKALIKE, ScreenRequest(as_of=date(2022, 6, 30)))
    [reopened] = [h for h in later.hits if h.hit.entry.source_id == FSB]
    assert reopened.hit.list_version_id == june28.id
    assert reopened.status is HitStatus.ALERT and reopened.new_alert
    assert reopened.cites is not None and reopened.cites["alert"] == hit.alert_id
    new_alert = get_alert(engine, reopened.alert_id or 0)
    assert (new_alert.state, new_alert.reopens) == (AlertState.OPEN, hit.alert_id)
    assert verify_chain(engine).ok
