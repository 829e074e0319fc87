"""The store refuses a version with far fewer entries than the one in force before it (a file
cut short), on SQLite and PostgreSQL, and lets it in when told the drop is real. Real 2018-12
SDN file, cut in tmp_path."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from clearance.lists import parse_list
from clearance.model import ListSource
from clearance.store.versions import ImplausibleDrop, import_list, list_versions, version_as_of

FIRST, SECOND = date(2018, 12, 1), date(2018, 12, 20)


def _cut(lists_dir: Path, tmp_path: Path, rows: int) -> Path:
    lines = (lists_dir / "ofac/sdn_csv/2018-12/sdn.csv").read_bytes().splitlines(keepends=True)
    path = tmp_path / f"cut-{rows}" / "sdn.csv"
    path.parent.mkdir()
    path.write_bytes(b"".join(lines[:rows]))
    return path


@pytest.fixture
def first(engine: Engine, lists_dir: Path) -> int:
    main = lists_dir / "ofac/sdn_csv/2018-12/sdn.csv"
    result = import_list(engine, parse_list(main.parent, ListSource.OFAC_SDN), FIRST, max_drop=0.1)
    assert result.version.entry_count == 7379 and result.drop_allowed is None
    return result.version.id


def test_drop_beyond_the_limit_is_refused_and_rolled_back(
    engine: Engine, lists_dir: Path, tmp_path: Path, first: int
) -> None:
    cut = parse_list(_cut(lists_dir, tmp_path, 6000), ListSource.OFAC_SDN)
    with pytest.raises(ImplausibleDrop, match="6000 entries, 19% fewer than the 7379") as caught:
        import_list(engine, cut, SECOND, max_drop=0.1)
    assert "lacks OFAC's Ctrl-Z end marker" in str(caught.value)
    assert [v.id for v in list_versions(engine, "ofac-sdn")] == [first]
    in_force = version_as_of(engine, "ofac-sdn", SECOND)
    assert in_force is not None and in_force.id == first


def test_drop_within_the_limit_or_allowed_is_stored(
    engine: Engine, lists_dir: Path, tmp_path: Path, first: int
) -> None:
    within = parse_list(_cut(lists_dir, tmp_path, 6700), ListSource.OFAC_SDN)
    stored = import_list(engine, within, SECOND, max_drop=0.1)
    assert stored.created and stored.drop_allowed is None  # 9% fewer

    allowed = parse_list(_cut(lists_dir, tmp_path, 3000), ListSource.OFAC_SDN)
    result = import_list(engine, allowed, date(2018, 12, 21), max_drop=0.1, allow_drop=True)
    assert result.created and result.drop_allowed is not None
    assert result.drop_allowed.to_dict() == {
        "previous_version": stored.version.id,
        "previous_published": "2018-12-20",
        "previous_entries": 6700,
        "entries": 3000,
        "drop": round(1 - 3000 / 6700, 4),
    }
    # Without a limit (the store's default) nothing is checked.
    unlimited = parse_list(_cut(lists_dir, tmp_path, 100), ListSource.OFAC_SDN)
    assert import_list(engine, unlimited, date(2018, 12, 22)).created
