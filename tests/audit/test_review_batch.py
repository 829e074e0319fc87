"""`review_many` (a `/match` request's names reviewed with one alert query and one insert)
answers exactly as `review_hits` called for each screening in turn: on real UN entries, on
both backends, through new alerts, repeated names, a false-positive review and changed party
data."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from audit_support import entry_of, hit_on, import_version
from sqlalchemy import Engine

from clearance.audit.chain import locked_chain
from clearance.audit.review import (
    Outcome,
    ReviewedHit,
    decide_alert,
    get_alert,
    review_hits,
    review_many,
)
from clearance.model import EntryType, Hit, ListVersion, Party
from clearance.settings import LoadedSettings
from clearance.store.db import open_store

BANK_ID = "6908499"  # DAEDONG CREDIT BANK
OTHER_ID = "6908648"  # ANTONIO INJAI
BANK = Party(name="Daedong Credit Bank", type=EntryType.ORGANIZATION, country="KP")
# The same name with other data: another fingerprint, the same name key.
BANK_ELSEWHERE = Party(name="Daedong Credit Bank", type=EntryType.ORGANIZATION, country="CN")
PERSON = Party(name="Antonio Injai", type=EntryType.PERSON)
REVIEW = 0.7


def _hits(version: ListVersion, bank: Any, other: Any, party: Party) -> list[Hit]:
    return [
        hit_on(version, bank, party.name, 0.93, match=True),
        hit_on(version, other, party.name, 0.4),
    ]


def _seen(reviewed: Sequence[ReviewedHit]) -> list[tuple[Any, ...]]:
    """What a screening's record says of each hit (the review's time left out)."""
    out = []
    for r in reviewed:
        cites = {k: v for k, v in (r.cites or {}).items() if k != "reviewed_at"}
        out.append((r.hit.entry.source_id, r.status, r.alert_id, r.new_alert, r.reason, cites))
    return out


class _Store:
    def __init__(self, engine: Engine, lists_dir: Path) -> None:
        self.engine = engine
        self.version = import_version(engine, lists_dir / "un" / "2018-08-24" / "consolidated.xml")
        self.bank = entry_of(engine, self.version, BANK_ID)
        self.other = entry_of(engine, self.version, OTHER_ID)

    def screenings(self, parties: Sequence[Party]) -> list[tuple[Party, list[Hit]]]:
        return [(p, _hits(self.version, self.bank, self.other, p)) for p in parties]

    def batch(self, parties: Sequence[Party]) -> list[list[ReviewedHit]]:
        """As `screen_parties`: one review of them all, then their records in one insert."""
        with locked_chain(self.engine) as writer:
            first = writer.next_seq
            items = [(p, h, first + i) for i, (p, h) in enumerate(self.screenings(parties))]
            reviewed = review_many(writer, items, review_threshold=REVIEW)
            payloads = [{"hits": [h.to_dict() for h in r]} for r in reviewed]
            writer.append_all("screening", payloads, actor="screener")
        return reviewed

    def one_by_one(self, parties: Sequence[Party]) -> list[list[ReviewedHit]]:
        """As `screen_party` for each in turn: review, then its record."""
        out = []
        for party, hits in self.screenings(parties):
            with locked_chain(self.engine) as writer:
                reviewed = review_hits(writer, party, hits, review_threshold=REVIEW)
                writer.append("screening", {"hits": [h.to_dict() for h in reviewed]}, actor="s")
            out.append(reviewed)
        return out


def test_a_batch_reviews_as_one_screening_after_another(
    engine: Engine, loaded: LoadedSettings, lists_dir: Path, tmp_path: Path
) -> None:
    batched = _Store(engine, lists_dir)
    reference_engine = open_store(f"sqlite:///{tmp_path / 'reference.sqlite'}")
    try:
        reference = _Store(reference_engine, lists_dir)

        first = [BANK, PERSON, BANK, BANK_ELSEWHERE]  # BANK twice: the second finds the first's
        got, want = batched.batch(first), reference.one_by_one(first)
        assert [_seen(r) for r in got] == [_seen(r) for r in want]
        bank_alert = got[0][0].alert_id
        assert got[0][0].new_alert and bank_alert is not None
        assert not got[2][0].new_alert and got[2][0].alert_id == bank_alert
        assert got[2][0].reason == f"alert {bank_alert} open, awaiting review"
        assert got[3][0].new_alert and got[3][0].alert_id != bank_alert
        assert get_alert(engine, got[3][0].alert_id or 0).created_seq == 4  # its record's seq

        for store in (batched, reference):
            decide_alert(
                store.engine,
                bank_alert or 0,
                Outcome.FALSE_POSITIVE,
                reviewer="ann",
                note="a bakery",
                settings=loaded,
            )
        third = Party(name="Daedong Credit Bank", type=EntryType.ORGANIZATION, country="RU")
        second = [BANK, third, BANK_ELSEWHERE, third]
        got, want = batched.batch(second), reference.one_by_one(second)
        assert [_seen(r) for r in got] == [_seen(r) for r in want]
        assert got[0][0].suppressed
        assert got[1][0].new_alert and got[1][0].reason.startswith("reopened: party data differ")
        assert not got[3][0].new_alert and got[3][0].alert_id == got[1][0].alert_id
    finally:
        reference_engine.dispose()


def test_nothing_above_the_review_threshold_reads_no_alert(engine: Engine, lists_dir: Path) -> None:
    store = _Store(engine, lists_dir)
    low = hit_on(store.version, store.other, "x", 0.2)
    with locked_chain(engine) as writer:
        [reviewed] = review_many(
            writer, [(PERSON, [low], writer.next_seq)], review_threshold=REVIEW
        )
    assert [r.status.value for r in reviewed] == ["below_review"]
