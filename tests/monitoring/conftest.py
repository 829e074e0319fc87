"""Fixtures of the monitoring tests: a `Clearance` handle on each real database, the book."""

from __future__ import annotations

from pathlib import Path

import pytest
from monitor_support import book_rows
from sqlalchemy import Engine

from clearance.service import Clearance
from clearance.settings import load_settings


@pytest.fixture
def app(engine: Engine, tmp_path: Path) -> Clearance:
    loaded = load_settings({"data_dir": str(tmp_path / "data")}, env={})
    return Clearance(engine, loaded, "monitor-tests")


@pytest.fixture(scope="session")
def rows() -> list[tuple[str, ...]]:
    return book_rows()
