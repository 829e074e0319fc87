"""Fixtures of the audit tests."""

from __future__ import annotations

import pytest

from clearance.settings import LoadedSettings, load_settings


@pytest.fixture
def loaded() -> LoadedSettings:
    return load_settings({}, env={})
