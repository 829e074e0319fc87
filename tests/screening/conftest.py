"""Real SDN data for the screening tests: the 2023-12-28 list, parsed and indexed once."""

from __future__ import annotations

from pathlib import Path

import pytest

from clearance.lists.ofac_csv import parse
from clearance.model import Entry
from clearance.screening import ScreeningIndex


@pytest.fixture(scope="session")
def sdn_2023(lists_dir: Path) -> list[Entry]:
    return list(parse(lists_dir / "ofac" / "sdn_csv" / "2023-12-28").entries)


@pytest.fixture(scope="session")
def sdn_index(sdn_2023: list[Entry]) -> ScreeningIndex:
    return ScreeningIndex.build(("ofac-sdn", 1, entry) for entry in sdn_2023)
