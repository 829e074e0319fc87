"""The scenario tables in tests/scenarios/*.yaml, run end to end: real SDN snapshots imported
under their publication dates, real screening, the ledger on SQLite.

Each file is a table a compliance officer can read: the transaction (defaults plus what the
row changes), its date, the expected decision and why. Rows run in order against one store,
so recorded fees accumulate in the ledger as they would in practice.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import pytest
import yaml
from pydantic import BaseModel, ConfigDict
from sqlalchemy import text

from clearance.decisions import Decision, Outcome, RuleSet, Transaction
from clearance.decisions.flow import decide
from clearance.decisions.ownership import import_ownership
from clearance.decisions.report import render_text
from clearance.decisions.rules_yaml import parse_yaml
from clearance.decisions.specific import register_specific
from clearance.lists import parse_list
from clearance.model import ListSource
from clearance.settings import Settings
from clearance.store.db import make_engine, migrate
from clearance.store.versions import import_list

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
FILES = sorted(SCENARIOS.glob("*.yaml"))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ListRef(_Strict):
    snapshot: str
    published: str


class CapExpect(_Strict):
    family: str | None = None
    used_before: Decimal | None = None
    this: Decimal | None = None
    limit: Decimal | None = None


class Expect(_Strict):
    decision: Literal["CLEAR", "AUTHORIZED", "PROHIBITED", "REVIEW"]
    licenses: list[str] | None = None
    uncovered: list[str] | None = None
    covered_by: dict[str, str] | None = None
    cap: CapExpect | None = None
    no_cap: bool = False
    trace: str | None = None
    missing: str | None = None
    same_as: str | None = None
    replayed: bool | None = None


class Row(_Strict):
    id: str
    date: str | None = None
    record: bool = False
    register_specific: str | None = None
    why: str | None = None
    parties: list[dict[str, Any]] | None = None
    purpose: str | None = None
    goods: list[dict[str, Any]] | None = None
    regions: list[str] | None = None
    amount: dict[str, Any] | None = None
    cap_holder: str | None = None
    expect: Expect


class Scenario(_Strict):
    title: str
    lists: list[ListRef]
    defaults: dict[str, Any]
    specific_licenses: dict[str, dict[str, Any]] = {}
    ownership: str | None = None
    rows: list[Row]


def load(path: Path) -> Scenario:
    # The rules' YAML reader: dates stay text, duplicate keys are refused.
    return Scenario.model_validate(parse_yaml(path.read_text(encoding="utf-8"), str(path)))


def test_every_scenario_file_is_well_formed() -> None:
    assert FILES, f"no scenario files in {SCENARIOS}"
    for path in FILES:
        scenario = load(path)
        for row in scenario.rows:
            assert (
                row.register_specific is None or row.register_specific in scenario.specific_licenses
            )


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, lists_dir: Path) -> Path:
    """One SQLite store with every snapshot any scenario needs; each scenario gets a copy."""
    needed = {ref.snapshot: ref.published for path in FILES for ref in load(path).lists}
    path = tmp_path_factory.mktemp("scenario-template") / "template.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    for snapshot, published in sorted(needed.items(), key=lambda kv: kv[1]):
        folder = lists_dir / "ofac" / "sdn_csv" / snapshot
        import_list(
            engine,
            parse_list(folder, ListSource.OFAC_SDN),
            published=date.fromisoformat(published),
        )
    with engine.connect() as conn:
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    engine.dispose()
    return path


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("scenario-data"))


def transaction(scenario: Scenario, row: Row) -> Transaction:
    data = dict(scenario.defaults)
    for key in ("date", "parties", "purpose", "goods", "regions", "amount", "cap_holder"):
        value = getattr(row, key)
        if value is not None:
            data[key] = value
    data["id"] = row.id
    return Transaction.from_dict(data, f"scenario row {row.id}")


def check(row: Row, decision: Decision, earlier: dict[str, Decision]) -> None:
    expect = row.expect
    where = f"row {row.id} ({row.why or ''})\n{render_text(decision)}"
    assert decision.decision is Outcome(expect.decision), where
    if expect.licenses is not None:
        assert {a.license for a in decision.authorizations} == set(expect.licenses), where
    if expect.uncovered is not None:
        assert {u.authority for u in decision.uncovered_authorities} == set(expect.uncovered), where
    if expect.covered_by is not None:
        assert {a.authority: a.license for a in decision.authorizations} == expect.covered_by, where
    if expect.cap is not None:
        family = expect.cap.family
        cap = next((c for c in decision.caps if family is None or c.key.family == family), None)
        assert cap is not None, where
        for field in ("used_before", "this", "limit"):
            wanted = getattr(expect.cap, field)
            assert wanted is None or getattr(cap, field) == wanted, f"{field}: {where}"
    if expect.no_cap:
        assert decision.caps == (), where
    if expect.trace is not None:
        assert expect.trace in " ".join(render_text(decision).split()), where
    if expect.missing is not None:
        assert any(expect.missing in m for m in decision.missing), where
    if expect.replayed is not None:
        assert decision.replayed is expect.replayed, where
    if expect.same_as is not None:
        other = earlier[expect.same_as]
        assert decision.decision is other.decision, where
        assert [(a.authority, a.license) for a in decision.authorizations] == [
            (a.authority, a.license) for a in other.authorizations
        ], where
        assert [u.authority for u in decision.uncovered_authorities] == [
            u.authority for u in other.uncovered_authorities
        ], where


@pytest.fixture
def scenario_store(template: Path, tmp_path: Path) -> Iterator[Any]:
    copy = tmp_path / "scenario.sqlite"
    shutil.copy(template, copy)
    engine = make_engine(f"sqlite:///{copy}")
    yield engine
    engine.dispose()


@pytest.mark.slow  # imports whole SDN snapshots and builds screening indexes
@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_scenario(
    path: Path, scenario_store: Any, settings: Settings, rules: RuleSet, tmp_path: Path
) -> None:
    scenario = load(path)
    engine = scenario_store
    if scenario.ownership is not None:
        csv = tmp_path / "ownership.csv"
        csv.write_text(scenario.ownership, encoding="utf-8")
        import_ownership(engine, csv, {s.value for s in ListSource})
    earlier: dict[str, Decision] = {}
    for row in scenario.rows:
        if row.register_specific is not None:
            spec = tmp_path / f"{row.register_specific}.yaml"
            spec.write_text(
                yaml.safe_dump(scenario.specific_licenses[row.register_specific]),
                encoding="utf-8",
            )
            register_specific(engine, spec, rules)
        decision = decide(
            engine, transaction(scenario, row), rules=rules, settings=settings, record=row.record
        )
        check(row, decision, earlier)
        earlier.setdefault(row.id, decision)
