"""Fixtures of the application-layer tests: a `Clearance` handle on each real database."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from clearance.service import Clearance
from clearance.settings import load_settings


@pytest.fixture
def app(engine: Engine, tmp_path: Path) -> Clearance:
    loaded = load_settings({"data_dir": str(tmp_path / "data")}, env={})
    return Clearance(engine, loaded, "tester")
