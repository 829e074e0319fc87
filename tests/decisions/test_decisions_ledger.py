"""The cap ledger: atomic drawdowns under concurrency, idempotency, reversals, rollback."""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from decisions_support import FSB, Snapshot, fee, race_worker, screened
from sqlalchemy import Engine, insert, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from clearance.decisions import ledger
from clearance.decisions.caps import CapKey
from clearance.decisions.flow import decide_screened
from clearance.decisions.rules import RuleSet
from clearance.decisions.screened import ScreenedParty
from clearance.decisions.specific import register_specific
from clearance.decisions.tables import ledger_entry, recorded_decision
from clearance.decisions.trace import Decision, Outcome
from clearance.decisions.transaction import Transaction
from clearance.store.db import make_engine, migrate

HOLDER = "ACME Corp"
CAP_2019 = CapKey("CYBER-GL-1", HOLDER, "2019")


@pytest.fixture
def fsb_2018(sdn: Snapshot) -> ScreenedParty:
    version, entries = sdn("2018-12")
    return screened("Federal Security Service", version, entries[FSB])


def record(engine: Engine, rules: RuleSet, txn: Transaction, party: ScreenedParty) -> Decision:
    return decide_screened(engine, txn, [party], rules=rules, cap_holder=HOLDER, record=True)


def used(engine: Engine, key: CapKey = CAP_2019) -> Decimal:
    return ledger.read_usage(engine, [key])[key].amount


def rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return len(conn.execute(select(ledger_entry.c.id)).all())


def test_recorded_fees_draw_the_cap_down_until_it_would_be_exceeded(
    engine: Engine, rules: RuleSet, fsb_2018: ScreenedParty
) -> None:
    outcomes = [
        record(engine, rules, fee(f"f{i}", f"2019-0{i + 3}-01"), fsb_2018) for i in range(5)
    ]
    assert [d.decision for d in outcomes] == [Outcome.AUTHORIZED] * 4 + [Outcome.PROHIBITED]
    assert [d.recorded for d in outcomes] == [True] * 4 + [False]
    assert [d.caps[0].used_before for d in outcomes] == [0, 1200, 2400, 3600, 4800]
    assert used(engine) == Decimal(4800)
    # Without --record nothing is written, and the answer reflects the ledger.
    dry = decide_screened(
        engine, fee("dry", "2019-12-01"), [fsb_2018], rules=rules, cap_holder=HOLDER
    )
    assert dry.decision is Outcome.PROHIBITED and rows(engine) == 4
    # A new calendar year starts again.
    assert (
        record(engine, rules, fee("f2020", "2020-01-15"), fsb_2018).decision is Outcome.AUTHORIZED
    )


def test_holders_are_one_however_written_and_old_rows_count_too(
    engine: Engine, rules: RuleSet, fsb_2018: ScreenedParty
) -> None:
    # A drawdown written before holders were canonical, under the holder as it was typed.
    with engine.begin() as conn:
        conn.execute(
            insert(ledger_entry).values(
                family="CYBER-GL-1",
                holder="ACME Corp.",
                period="2019",
                license="CYBER-GL-1A",
                transaction_id="old",
                idempotency_key="old",
                kind="drawdown",
                amount_cents=400000,
                currency="USD",
                quantity=0,
                recorded_at=datetime(2019, 2, 1),
            )
        )
    first = decide_screened(
        engine,
        fee("h1", "2019-03-01"),
        [fsb_2018],
        rules=rules,
        cap_holder="acme corp",
        record=True,
    )
    assert first.decision is Outcome.PROHIBITED  # USD 4,000 + 1,200 > 5,000
    assert first.cap is not None and first.cap.used_before == Decimal(4000)
    assert first.cap_holder == "acme corp" and first.cap.key.holder == "acme corp"
    small = fee("h2", "2019-03-01", amount="1000", holder=None)
    second = decide_screened(
        engine, small, [fsb_2018], rules=rules, cap_holder="ACME  CORP", record=True
    )
    assert second.decision is Outcome.AUTHORIZED and second.caps[0].used_before == 4000
    # The ledger shows one holder, the canonical one, for the old row and the new.
    assert {r.key.holder for r in ledger.entries(engine)} == {"acme corp"}
    assert [t.used for t in ledger.totals(ledger.entries(engine, holder="Acme Corp"))] == [5000]


def test_a_repeated_transaction_id_returns_the_earlier_drawdown(
    engine: Engine, rules: RuleSet, fsb_2018: ScreenedParty
) -> None:
    first = record(engine, rules, fee("same", "2019-03-01"), fsb_2018)
    again = record(engine, rules, fee("same", "2019-03-01"), fsb_2018)
    assert again.replayed and not first.replayed
    assert again.caps == first.caps and again.decision is Outcome.AUTHORIZED
    assert rows(engine) == 1 and used(engine) == Decimal(1200)
    with pytest.raises(ledger.LedgerError, match="already recorded with other content"):
        record(engine, rules, fee("same", "2019-03-01", amount="900"), fsb_2018)
    assert rows(engine) == 1


def test_a_reversal_is_a_new_negative_row(
    engine: Engine, rules: RuleSet, fsb_2018: ScreenedParty
) -> None:
    for i in range(4):
        record(engine, rules, fee(f"r{i}", "2019-03-01"), fsb_2018)
    assert record(engine, rules, fee("r4", "2019-03-02"), fsb_2018).decision is Outcome.PROHIBITED
    (reversal,) = ledger.reverse(engine, "r1", "payment returned by the bank")
    assert (reversal.kind, reversal.amount, reversal.reverses_id) == ("reversal", Decimal(-1200), 2)
    assert used(engine) == Decimal(3600) and rows(engine) == 5
    assert record(engine, rules, fee("r5", "2019-03-03"), fsb_2018).decision is Outcome.AUTHORIZED
    with pytest.raises(ledger.LedgerError, match="already reversed"):
        ledger.reverse(engine, "r1", "again")
    with pytest.raises(ledger.LedgerError, match="no drawdowns"):
        ledger.reverse(engine, "nothing", "x")


def test_drawdowns_cannot_be_edited_or_deleted(
    engine: Engine, rules: RuleSet, fsb_2018: ScreenedParty
) -> None:
    record(engine, rules, fee("e1", "2019-03-01"), fsb_2018)
    for statement in ("UPDATE ledger_entry SET amount_cents = 1", "DELETE FROM ledger_entry"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    assert used(engine) == Decimal(1200)


@pytest.mark.parametrize(
    "txn",
    [
        fee("p1", "2019-03-01", purpose="export-of-goods"),  # PROHIBITED
        fee("p2", "2019-03-01", authorization=None),  # REVIEW
        fee("p3", "2019-03-01", amount="5000.01"),  # PROHIBITED: over the cap by itself
    ],
    ids=["prohibited", "review", "over-cap"],
)
def test_a_decision_that_does_not_authorize_leaves_the_ledger_untouched(
    engine: Engine, rules: RuleSet, fsb_2018: ScreenedParty, txn: Transaction
) -> None:
    decision = record(engine, rules, txn, fsb_2018)
    assert decision.decision is not Outcome.AUTHORIZED and not decision.recorded
    assert rows(engine) == 0
    with engine.connect() as conn:
        assert conn.execute(select(recorded_decision.c.id)).all() == []


def test_a_failure_while_recording_rolls_back_every_drawdown(
    engine: Engine, rules: RuleSet, sdn: Snapshot, tmp_path: Path
) -> None:
    # GL 1B covers three of the FSB's authorities and a specific license the fourth: one
    # decision draws on both. The specific license's drawdown is made to fail; the GL's must
    # not survive it.
    license_file = tmp_path / "specific.yaml"
    license_file.write_text(
        """
number: RUSSIA-EO14024-2022-0001
holder: ACME Corp
valid_from: 2022-07-01
valid_until: 2023-06-30
parties: [{list: ofac-sdn, id: "21344"}]
programs: [RUSSIA-EO14024]
purposes: [import-authorization-fee]
value_limit: {amount: 10000, currency: USD}
reference: test license
""",
        encoding="utf-8",
    )
    register_specific(engine, license_file, rules)
    version, entries = sdn("2022-06-28")
    party = screened("Federal Security Service", version, entries[FSB])
    txn = fee("clash", "2022-07-15")
    with engine.begin() as conn:  # a leftover row that collides with the second drawdown
        conn.execute(
            insert(ledger_entry).values(
                family="specific:RUSSIA-EO14024-2022-0001",
                holder="acme corp",  # the ledger keys caps by the canonical holder
                period="2022-07-01/2023-06-30",
                license="RUSSIA-EO14024-2022-0001",
                transaction_id="clash",
                idempotency_key="clash",
                kind="drawdown",
                amount_cents=1,
                currency="USD",
                quantity=0,
                recorded_at=datetime(2022, 7, 1),
            )
        )
    with pytest.raises(IntegrityError):
        record(engine, rules, txn, party)
    assert used(engine, CapKey("CYBER-GL-1", HOLDER, "2022")) == 0
    with engine.connect() as conn:
        assert conn.execute(select(recorded_decision.c.id)).all() == []
    # The same transaction under a fresh id draws on both licenses.
    ok = record(engine, rules, fee("fresh", "2022-07-15"), party)
    assert ok.decision is Outcome.AUTHORIZED
    assert {c.license for c in ok.caps} == {"CYBER-GL-1B", "RUSSIA-EO14024-2022-0001"}


def test_threads_racing_for_the_cap_never_exceed_it(
    engine: Engine, rules: RuleSet, fsb_2018: ScreenedParty
) -> None:
    """10 concurrent USD 1,200 fees against the USD 5,000 cap: exactly 4 are authorized."""
    barrier = threading.Barrier(10)
    results: dict[str, Outcome] = {}
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            decision = record(engine, rules, fee(f"race{i}", "2019-06-01"), fsb_2018)
            results[f"race{i}"] = decision.decision
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Counter(results.values()) == {Outcome.AUTHORIZED: 4, Outcome.PROHIBITED: 6}
    assert used(engine) == Decimal(4800) and rows(engine) == 4
    with engine.connect() as conn:
        recorded = set(conn.scalars(select(recorded_decision.c.transaction_id)))
    assert recorded == {k for k, v in results.items() if v is Outcome.AUTHORIZED}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def race_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'race.sqlite'}"
    else:
        url = request.getfixturevalue("pg_url_for_schema")
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    yield url


@pytest.mark.slow  # starts six Python processes
def test_processes_racing_for_the_cap_never_exceed_it(
    race_url: str, fsb_2018: ScreenedParty
) -> None:
    """6 processes record a USD 1,200 fee each at the same moment: exactly 4 pass."""
    context = multiprocessing.get_context("spawn")
    start_at = time.time() + 3.0
    with context.Pool(6) as pool:
        outcomes = pool.starmap(
            race_worker, [(race_url, f"proc{i}", fsb_2018, start_at) for i in range(6)]
        )
    assert Counter(o for _, o in outcomes) == {"AUTHORIZED": 4, "PROHIBITED": 2}
    engine = make_engine(race_url)
    try:
        assert used(engine) == Decimal(4800)
    finally:
        engine.dispose()


def test_the_same_transaction_sent_concurrently_is_drawn_once(
    engine: Engine, rules: RuleSet, fsb_2018: ScreenedParty
) -> None:
    barrier = threading.Barrier(5)
    results: list[Decision] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(record(engine, rules, fee("dup", "2019-06-01"), fsb_2018))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [d.decision for d in results] == [Outcome.AUTHORIZED] * 5
    assert sorted(d.replayed for d in results) == [False, True, True, True, True]
    assert used(engine) == Decimal(1200) and rows(engine) == 1
