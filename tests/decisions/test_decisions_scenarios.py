"""The scenario tables in tests/scenarios/*.yaml, run end to end: real SDN snapshots imported
under their publication dates, real screening, the ledger - on SQLite and on PostgreSQL.

Each file is a table a compliance officer can read: the transaction (defaults plus what the
row changes), its date, the expected decision and why. Rows run in order against one store
holding exactly the scenario's `lists`, so recorded fees accumulate in the ledger as they
would in practice. A row may instead reverse an earlier transaction's drawdowns (`reverse`),
and may expect the request to be refused (`expect.error`).

Each store is a copy of a template with the scenario's snapshots imported once: a file copy
on SQLite, `CREATE DATABASE ... TEMPLATE` on PostgreSQL.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import pytest
import yaml
from pydantic import BaseModel, ConfigDict, model_validator
from sqlalchemy import Engine, create_engine, make_url, text

from clearance.decisions import Decision, LedgerError, Outcome, RuleSet, Transaction
from clearance.decisions.flow import decide
from clearance.decisions.ledger import entries, reverse
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
    holder: str | None = None
    used_before: Decimal | None = None
    this: Decimal | None = None
    limit: Decimal | None = None


class Expect(_Strict):
    decision: Literal["CLEAR", "AUTHORIZED", "PROHIBITED", "REVIEW"] | None = None
    error: str | None = None  # the request is refused with this in the message
    warnings: list[str] | None = None  # the warning codes, exactly (sorted)
    warning: str | None = None  # in the text of one warning
    ledger_holders: list[str] | None = None  # the holders the ledger shows, after the row
    licenses: list[str] | None = None
    uncovered: list[str] | None = None
    covered_by: dict[str, str] | None = None
    cap: CapExpect | None = None
    no_cap: bool = False
    trace: str | None = None
    missing: str | None = None
    same_as: str | None = None
    replayed: bool | None = None

    @model_validator(mode="after")
    def _one_answer(self) -> Expect:
        assert (self.decision is None) != (self.error is None), "expect a decision or an error"
        return self


class Row(_Strict):
    id: str
    date: str | None = None
    record: bool = False
    reverse: str | None = None  # reverse the drawdowns of transaction `id`, with this note
    register_specific: str | None = None
    why: str | None = None
    parties: list[dict[str, Any]] | None = None
    purpose: str | None = None
    goods: list[dict[str, Any]] | None = None
    regions: list[str] | None = None
    amount: dict[str, Any] | None = None
    cap_holder: str | None = None
    expect: Expect | None = None

    @model_validator(mode="after")
    def _action(self) -> Row:
        assert (self.reverse is None) != (self.expect is None), "a row reverses or expects"
        return self


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


def check(row: Row, decision: Decision, earlier: dict[str, Decision], engine: Engine) -> None:
    expect = row.expect
    assert expect is not None and expect.decision is not None
    where = f"row {row.id} ({row.why or ''})\n{render_text(decision)}"
    assert decision.decision is Outcome(expect.decision), where
    if expect.warnings is not None:
        assert sorted(w.code for w in decision.warnings) == sorted(expect.warnings), where
    if expect.warning is not None:
        assert any(expect.warning in w.text for w in decision.warnings), where
    if expect.ledger_holders is not None:
        assert sorted({r.key.holder for r in entries(engine)}) == expect.ledger_holders, where
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
        assert expect.cap.holder is None or cap.key.holder == expect.cap.holder, where
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


# --- stores: one template per set of snapshots and backend, a copy per scenario -------------


def _import(engine: Engine, lists_dir: Path, scenario: Scenario) -> None:
    migrate(engine)
    for ref in sorted(scenario.lists, key=lambda r: r.published):
        folder = lists_dir / "ofac" / "sdn_csv" / ref.snapshot
        import_list(
            engine,
            parse_list(folder, ListSource.OFAC_SDN),
            published=date.fromisoformat(ref.published),
        )


class _SqliteStores:
    def __init__(self, folder: Path, lists_dir: Path) -> None:
        self.folder, self.lists_dir = folder, lists_dir
        self.templates: dict[tuple[tuple[str, str], ...], Path] = {}

    def copy(self, scenario: Scenario, target: Path) -> Engine:
        key = tuple(sorted((r.snapshot, r.published) for r in scenario.lists))
        if key not in self.templates:
            path = self.folder / f"template-{len(self.templates)}.sqlite"
            engine = make_engine(f"sqlite:///{path}")
            _import(engine, self.lists_dir, scenario)
            with engine.connect() as conn:
                conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            engine.dispose()
            self.templates[key] = path
        shutil.copy(self.templates[key], target)
        return make_engine(f"sqlite:///{target}")


class _PgStores:
    """Template databases on the PostgreSQL server, copied with CREATE DATABASE ... TEMPLATE
    (a file-level copy), and dropped at the end."""

    def __init__(self, url: str, lists_dir: Path) -> None:
        self.url, self.lists_dir = make_url(url), lists_dir
        self.admin = create_engine(self.url, isolation_level="AUTOCOMMIT")
        self.templates: dict[tuple[tuple[str, str], ...], str] = {}
        self.created: list[str] = []

    def _create(self, template: str | None = None) -> str:
        name = f"clr_{'s' if template else 't'}_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as conn:
            conn.execute(
                text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
            )
        self.created.append(name)
        return name

    def copy(self, scenario: Scenario) -> Engine:
        key = tuple(sorted((r.snapshot, r.published) for r in scenario.lists))
        if key not in self.templates:
            name = self._create()
            engine = make_engine(self.url.set(database=name))
            _import(engine, self.lists_dir, scenario)
            engine.dispose()
            self.templates[key] = name
        return make_engine(self.url.set(database=self._create(self.templates[key])))

    def drop(self) -> None:
        with self.admin.connect() as conn:
            for name in reversed(self.created):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="module")
def sqlite_stores(tmp_path_factory: pytest.TempPathFactory, lists_dir: Path) -> _SqliteStores:
    return _SqliteStores(tmp_path_factory.mktemp("scenario-templates"), lists_dir)


@pytest.fixture(scope="module")
def pg_stores(pg_session_url: str, lists_dir: Path) -> Iterator[_PgStores]:
    # The session URL (skipped with a message when no server answers) names the server; the
    # scenarios get databases of their own on it.
    stores = _PgStores(make_url(pg_session_url).set(query={}).render_as_string(False), lists_dir)
    yield stores
    stores.drop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _store(backend: str, request: pytest.FixtureRequest, scenario: Scenario, tmp: Path) -> Engine:
    if backend == "sqlite":
        stores: _SqliteStores = request.getfixturevalue("sqlite_stores")
        return stores.copy(scenario, tmp / "scenario.sqlite")
    pg: _PgStores = request.getfixturevalue("pg_stores")
    return pg.copy(scenario)


def _run_row(
    engine: Engine,
    scenario: Scenario,
    row: Row,
    rules: RuleSet,
    settings: Settings,
    earlier: dict[str, Decision],
) -> None:
    if row.reverse is not None:
        assert reverse(engine, row.id, row.reverse), f"row {row.id}: nothing reversed"
        return
    expect = row.expect
    assert expect is not None
    txn = transaction(scenario, row)
    if expect.error is not None:
        with pytest.raises(LedgerError) as refused:
            decide(engine, txn, rules=rules, settings=settings, record=row.record)
        assert expect.error in str(refused.value), f"row {row.id}: {refused.value}"
        return
    decision = decide(engine, txn, rules=rules, settings=settings, record=row.record)
    check(row, decision, earlier, engine)
    earlier.setdefault(row.id, decision)


@pytest.mark.slow  # imports whole SDN snapshots and builds screening indexes
@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_scenario(
    path: Path,
    backend: str,
    request: pytest.FixtureRequest,
    settings: Settings,
    rules: RuleSet,
    tmp_path: Path,
) -> None:
    scenario = load(path)
    engine = _store(backend, request, scenario, tmp_path)
    try:
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
            _run_row(engine, scenario, row, rules, settings, earlier)
    finally:
        engine.dispose()
