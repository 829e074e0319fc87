"""Fixtures for the decision tests: the repo's rules, real SDN snapshots, stores with them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from decisions_support import Snapshot, build_store, load_snapshot

from clearance.decisions.rules import RuleSet, load_rules
from clearance.settings import Settings


@pytest.fixture(scope="session")
def sdn(lists_dir: Path) -> Snapshot:
    """`sdn("2018-12")` -> (its list version record, entries by SDN entity number)."""
    return lambda name: load_snapshot(lists_dir / "ofac" / "sdn_csv" / name)


@pytest.fixture(scope="session")
def rules() -> RuleSet:
    return load_rules()


@pytest.fixture(scope="session")
def store_template(tmp_path_factory: pytest.TempPathFactory, lists_dir: Path) -> Path:
    """SQLite store with the SDN snapshots of 2018-12 and 2022-06-28 (built once)."""
    folder = tmp_path_factory.mktemp("decisions-store")
    return build_store(folder / "template.sqlite", lists_dir, ["2018-12", "2022-06-28"])


@pytest.fixture
def store_url(store_template: Path, tmp_path: Path) -> str:
    """A fresh copy of the template store for one test."""
    copy = tmp_path / "store.sqlite"
    shutil.copy(store_template, copy)
    return f"sqlite:///{copy}"


@pytest.fixture(scope="session")
def screening_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("decisions-data"))
