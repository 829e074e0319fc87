"""The review workflow over hits on real UN list entries, on both backends: alerts, false
positive suppression, reopening when the entry or the party changes, four-eyes."""

from __future__ import annotations

from pathlib import Path

import pytest
from audit_support import entry_of, hit_on, import_version, record_screening
from sqlalchemy import Engine

from clearance.audit.chain import AuditError, verify_chain
from clearance.audit.records import get_record
from clearance.audit.review import (
    AlertState,
    HitStatus,
    Outcome,
    alert_history,
    decide_alert,
    get_alert,
    list_alerts,
    name_key,
    party_fingerprint,
)
from clearance.model import EntryType, Hit, Identifier, ListVersion, Party
from clearance.settings import LoadedSettings, load_settings

# DAEDONG CREDIT BANK: its remarks changed between the UN lists of 2018-08-24 and 2018-10-29.
CHANGED_ID = "6908499"
# Unchanged between the two: ANTONIO INJAI (Guinea-Bissau).
OTHER_ID = "6908648"

PARTY = Party(name="Daedong Credit Bank", type=EntryType.ORGANIZATION, country="KP")


@pytest.fixture
def un_august(engine: Engine, lists_dir: Path) -> ListVersion:
    return import_version(engine, lists_dir / "un" / "2018-08-24" / "consolidated.xml")


def screen(
    engine: Engine, loaded: LoadedSettings, party: Party, hits: list[Hit]
) -> list[tuple[HitStatus, int | None]]:
    recorded = record_screening(
        engine,
        party,
        hits,
        review_threshold=0.7,
        details={"as_of": "2018-09-01"},
        settings=loaded,
        actor="screener",
    )
    payload = get_record(engine, recorded.record.seq).payload
    assert [h["review"]["status"] for h in payload["hits"]] == [h.status for h in recorded.hits]
    return [(h.status, h.alert_id) for h in recorded.hits]


def test_hits_above_the_review_threshold_raise_one_alert_each(
    engine: Engine, loaded: LoadedSettings, un_august: ListVersion
) -> None:
    bank = entry_of(engine, un_august, CHANGED_ID)
    other = entry_of(engine, un_august, OTHER_ID)
    hits = [
        hit_on(un_august, bank, PARTY.name, 0.93, match=True),
        hit_on(un_august, other, PARTY.name, 0.4),
    ]
    first = screen(engine, loaded, PARTY, hits)
    assert first[1] == (HitStatus.BELOW_REVIEW, None)
    status, alert_id = first[0]
    assert status is HitStatus.ALERT and alert_id is not None
    alert = get_alert(engine, alert_id)
    assert alert.state is AlertState.OPEN
    assert (alert.list_name, alert.entry_id, alert.entry_name) == (
        "un",
        CHANGED_ID,
        bank.primary_name,
    )
    assert alert.entry_hash == bank.content_hash()
    assert alert.fingerprint == party_fingerprint(PARTY)
    assert alert.created_seq == 1
    # The same screening again finds the alert instead of raising a second one.
    assert screen(engine, loaded, PARTY, hits)[0] == (HitStatus.ALERT, alert_id)
    assert [a.id for a in list_alerts(engine)] == [alert_id]
    assert list_alerts(engine, AlertState.FALSE_POSITIVE) == []


def test_false_positive_is_suppressed_until_the_entry_changes(
    engine: Engine, loaded: LoadedSettings, un_august: ListVersion, lists_dir: Path
) -> None:
    bank = entry_of(engine, un_august, CHANGED_ID)
    [(_, alert_id)] = screen(engine, loaded, PARTY, [hit_on(un_august, bank, PARTY.name, 0.9)])
    assert alert_id is not None
    reviewed = decide_alert(
        engine,
        alert_id,
        Outcome.FALSE_POSITIVE,
        reviewer="ann",
        note="our customer is a bakery in Lyon",
        settings=loaded,
    )
    assert (reviewed.state, reviewed.final, reviewed.reviewer) == (
        AlertState.FALSE_POSITIVE,
        True,
        "ann",
    )
    review_record = get_record(engine, reviewed.review_seq or 0)
    assert review_record.kind == "review" and review_record.actor == "ann"
    assert review_record.payload["to"] == {"state": "false_positive", "final": True}
    assert [r.seq for r in alert_history(engine, alert_id)] == [review_record.seq]

    # Re-screening: the hit is still computed, but suppressed, citing the review.
    recorded = record_screening(
        engine,
        PARTY,
        [hit_on(un_august, bank, PARTY.name, 0.9)],
        review_threshold=0.7,
        details={},
        settings=loaded,
        actor="screener",
    )
    [again] = recorded.hits
    assert again.status is HitStatus.SUPPRESSED and again.suppressed
    assert again.cites is not None
    assert again.cites["review_record"] == review_record.seq and again.cites["reviewer"] == "ann"
    assert recorded.record.payload["hits"][0]["review"]["cites"]["alert"] == alert_id

    # The UN list of 2018-10-29 changed this entry's remarks: the review no longer covers it.
    october = import_version(engine, lists_dir / "un" / "2018-10-29" / "consolidated.xml")
    changed = entry_of(engine, october, CHANGED_ID)
    assert changed.content_hash() != bank.content_hash()
    recorded = record_screening(
        engine,
        PARTY,
        [hit_on(october, changed, PARTY.name, 0.9)],
        review_threshold=0.7,
        details={},
        settings=loaded,
        actor="screener",
    )
    [reopened] = recorded.hits
    assert reopened.status is HitStatus.ALERT and reopened.new_alert
    assert reopened.alert_id != alert_id and reopened.cites is not None
    assert reopened.cites["alert"] == alert_id and "entry changed" in reopened.reason
    new_alert = get_alert(engine, reopened.alert_id or 0)
    assert (new_alert.state, new_alert.reopens) == (AlertState.OPEN, alert_id)
    assert new_alert.entry_hash == changed.content_hash()
    # The old version's hit stays suppressed: its review still holds for that content.
    assert screen(engine, loaded, PARTY, [hit_on(un_august, bank, PARTY.name, 0.9)])[0][0] is (
        HitStatus.SUPPRESSED
    )
    assert verify_chain(engine).ok


def test_changed_party_data_reopen_citing_the_review(
    engine: Engine, loaded: LoadedSettings, un_august: ListVersion
) -> None:
    bank = entry_of(engine, un_august, CHANGED_ID)
    [(_, alert_id)] = screen(engine, loaded, PARTY, [hit_on(un_august, bank, PARTY.name, 0.9)])
    decide_alert(
        engine, alert_id or 0, Outcome.FALSE_POSITIVE, reviewer="ann", note="n", settings=loaded
    )
    moved = Party(name="DAEDONG  credit bank", type=EntryType.ORGANIZATION, country="CN")
    recorded = record_screening(
        engine,
        moved,
        [hit_on(un_august, bank, moved.name, 0.9)],
        review_threshold=0.7,
        details={},
        settings=loaded,
        actor="screener",
    )
    [hit] = recorded.hits
    assert hit.status is HitStatus.ALERT and hit.new_alert
    assert hit.cites is not None and hit.cites["alert"] == alert_id
    assert "party data differ" in hit.reason
    # A party with another name entirely shares nothing with the review.
    stranger = Party(name="Korea Daesong Bank", type=EntryType.ORGANIZATION, country="KP")
    [fresh] = record_screening(
        engine,
        stranger,
        [hit_on(un_august, bank, stranger.name, 0.8)],
        review_threshold=0.7,
        details={},
        settings=loaded,
        actor="screener",
    ).hits
    assert fresh.new_alert and fresh.cites is None


def test_four_eyes_true_match_needs_a_second_reviewer(
    engine: Engine, un_august: ListVersion
) -> None:
    strict = load_settings({"four_eyes": True}, env={})
    bank = entry_of(engine, un_august, CHANGED_ID)
    hits = [hit_on(un_august, bank, PARTY.name, 0.97, match=True)]
    [(_, alert_id)] = screen(engine, strict, PARTY, hits)
    assert alert_id is not None
    pending = decide_alert(
        engine, alert_id, Outcome.TRUE_MATCH, reviewer="ann", note="same bank", settings=strict
    )
    assert (pending.state, pending.final, pending.pending_confirmation) == (
        AlertState.TRUE_MATCH,
        False,
        True,
    )
    assert screen(engine, strict, PARTY, hits)[0] == (HitStatus.ALERT, alert_id)
    with pytest.raises(AuditError, match="different reviewer"):
        decide_alert(
            engine, alert_id, Outcome.TRUE_MATCH, reviewer="ann", note="again", settings=strict
        )
    final = decide_alert(
        engine, alert_id, Outcome.TRUE_MATCH, reviewer="bob", note="agreed", settings=strict
    )
    assert (final.state, final.final, final.reviewer) == (AlertState.TRUE_MATCH, True, "ann")
    assert [c["reviewer"] for c in final.confirmations] == ["bob"]
    history = alert_history(engine, alert_id)
    assert [r.payload["action"] for r in history] == ["decide", "confirm"]
    assert history[1].payload["first_reviewer"] == "ann"
    assert screen(engine, strict, PARTY, hits)[0] == (HitStatus.TRUE_MATCH, alert_id)
    with pytest.raises(AuditError, match="already a final true match"):
        decide_alert(engine, alert_id, Outcome.TRUE_MATCH, reviewer="cy", note="x", settings=strict)


def test_four_eyes_disagreement_escalates(engine: Engine, un_august: ListVersion) -> None:
    strict = load_settings({"four_eyes": True}, env={})
    bank = entry_of(engine, un_august, CHANGED_ID)
    [(_, alert_id)] = screen(engine, strict, PARTY, [hit_on(un_august, bank, PARTY.name, 0.9)])
    decide_alert(
        engine, alert_id or 0, Outcome.TRUE_MATCH, reviewer="ann", note="match", settings=strict
    )
    disputed = decide_alert(
        engine,
        alert_id or 0,
        Outcome.FALSE_POSITIVE,
        reviewer="bob",
        note="other bank",
        settings=strict,
    )
    assert disputed.state is AlertState.ESCALATED
    assert alert_history(engine, alert_id or 0)[-1].payload["action"] == "disagree"


def test_without_four_eyes_a_true_match_is_final_at_once(
    engine: Engine, loaded: LoadedSettings, un_august: ListVersion
) -> None:
    bank = entry_of(engine, un_august, CHANGED_ID)
    [(_, alert_id)] = screen(engine, loaded, PARTY, [hit_on(un_august, bank, PARTY.name, 0.9)])
    done = decide_alert(
        engine, alert_id or 0, Outcome.TRUE_MATCH, reviewer="ann", note="n", settings=loaded
    )
    assert (done.state, done.final) == (AlertState.TRUE_MATCH, True)
    escalated = decide_alert(
        engine, alert_id or 0, Outcome.ESCALATE, reviewer="bob", note="unsure", settings=loaded
    )
    assert escalated.state is AlertState.ESCALATED and not escalated.final


def test_review_needs_reviewer_note_and_a_known_alert(
    engine: Engine, loaded: LoadedSettings
) -> None:
    with pytest.raises(AuditError, match="no alert 5"):
        decide_alert(engine, 5, Outcome.ESCALATE, reviewer="ann", note="n", settings=loaded)
    with pytest.raises(AuditError, match="note"):
        decide_alert(engine, 5, Outcome.ESCALATE, reviewer="ann", note=" ", settings=loaded)
    with pytest.raises(AuditError, match="reviewer"):
        decide_alert(engine, 5, Outcome.ESCALATE, reviewer="", note="n", settings=loaded)


def test_fingerprint_keeps_form_apart_from_spelling() -> None:
    base = Party(name="Daedong Credit Bank", type=EntryType.ORGANIZATION, country="kp")
    assert party_fingerprint(base) == party_fingerprint(
        Party(
            name="  DAEDONG   credit BANK ", type=EntryType.ORGANIZATION, country="KP", role="payee"
        )
    )
    assert party_fingerprint(Party(name="ＡＢＣ")) == party_fingerprint(Party(name="abc"))  # NFKC
    for other in (
        Party(name="Daedong Credit Bank", type=EntryType.PERSON, country="KP"),
        Party(name="Daedong Credit Bank", type=EntryType.ORGANIZATION, country="CN"),
        Party(name="Daedong Credit Bank", type=EntryType.ORGANIZATION, country="KP", dob="1990"),
        Party(name="Daedong-Credit Bank", type=EntryType.ORGANIZATION, country="KP"),
    ):
        assert party_fingerprint(other) != party_fingerprint(base)
    # Different people whose names fold alike keep apart; the name key (citation only) joins.
    assert party_fingerprint(Party(name="李伟")) != party_fingerprint(Party(name="李维"))
    assert name_key(Party(name="ООО Ромашка")) == name_key(Party(name="OOO Romashka"))
    passport = Party(name="X", identifiers=(Identifier("Passport", "AB 12-345", "RU"),))
    assert party_fingerprint(passport) == party_fingerprint(
        Party(name="x", identifiers=(Identifier("passport", "ab12345", "ru"),))
    )
