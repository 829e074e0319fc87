"""`decide` end to end through real screening, and exact replay for the audit trail."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from decisions_support import fee
from sqlalchemy import Engine

from clearance.decisions import Outcome, RuleSet, Transaction, TransactionError
from clearance.decisions.flow import decide, default_cap_holder
from clearance.settings import Settings
from clearance.store.db import make_engine
from clearance.store.versions import version_as_of

pytestmark = pytest.mark.slow  # builds screening indexes over two whole SDN snapshots


@pytest.fixture
def store(store_url: str) -> Iterator[Engine]:
    engine = make_engine(store_url)
    yield engine
    engine.dispose()


def test_decisions_are_judged_under_the_list_in_force_on_their_date(
    store: Engine, rules: RuleSet, screening_settings: Settings
) -> None:
    before = decide(store, fee("d1", "2022-06-20"), rules=rules, settings=screening_settings)
    after = decide(store, fee("d2", "2022-07-15"), rules=rules, settings=screening_settings)
    # On 2022-06-20 the list in force is the 2018-12 one (the next import is of 2022-06-28).
    assert [v["published"] for v in before.list_versions] == ["2018-12-31"]
    assert before.decision is Outcome.AUTHORIZED
    assert [v["published"] for v in after.list_versions] == ["2022-06-28"]
    assert after.decision is Outcome.PROHIBITED
    assert [u.authority for u in after.uncovered_authorities] == ["EO14024"]


def test_replay_with_pinned_versions_and_a_rules_snapshot_is_exact(
    store: Engine, rules: RuleSet, screening_settings: Settings
) -> None:
    txn = fee("d3", "2022-07-15")
    original = decide(store, txn, rules=rules, settings=screening_settings)
    pinned = [int(v["id"]) for v in original.list_versions]
    replay = decide(
        store,
        Transaction.from_dict(original.transaction),
        rules=RuleSet.from_snapshot(rules.snapshot()),
        settings=screening_settings,
        version_ids=pinned,
    )
    assert replay.to_dict() == original.to_dict()
    # Pinning the older version instead gives the answer that list would have given.
    old = version_as_of(store, "ofac-sdn", date(2019, 1, 1))
    assert old is not None
    earlier = decide(store, txn, rules=rules, settings=screening_settings, version_ids=[old.id])
    assert earlier.decision is Outcome.AUTHORIZED


def test_unknown_purpose_is_refused_before_anything_happens(
    store: Engine, rules: RuleSet, screening_settings: Settings
) -> None:
    with pytest.raises(TransactionError, match="purpose: 'bribery' is not defined"):
        decide(
            store,
            fee("d4", "2019-03-01", purpose="bribery"),
            rules=rules,
            settings=screening_settings,
            record=True,
        )


def test_cap_holder_defaults(store: Engine, rules: RuleSet, screening_settings: Settings) -> None:
    anonymous = decide(
        store, fee("d5", "2019-03-01", holder=None), rules=rules, settings=screening_settings
    )
    assert anonymous.cap_holder == default_cap_holder(screening_settings) == "default"
    named = decide(
        store,
        fee("d6", "2019-03-01", holder=None),
        rules=rules,
        settings=screening_settings,
        cap_holder="Group Treasury",
    )
    # The holder as the ledger keys it: read as screening reads names.
    assert named.cap_holder == "group treasury" and named.caps[0].key.holder == "group treasury"
