"""What each list import contained (`list_content`, migration 0009) and the warnings owed on
incomplete and stale versions - on the real SDN sets, some of which lack their side files."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, insert

from clearance.lists import parse_list
from clearance.model import ListPart, ListSource
from clearance.store.contents import LIST_INCOMPLETE, LIST_STALE, contents, list_warnings
from clearance.store.db import alembic_config, make_engine, migrate
from clearance.store.tables import list_version
from clearance.store.versions import import_list, list_versions

SETS = {"2018-12": date(2018, 12, 31), "2022-02-17": date(2022, 2, 17)}


def sdn(lists_dir: Path, name: str) -> Path:
    return lists_dir / "ofac" / "sdn_csv" / name


def test_the_parser_says_which_side_files_a_set_had(lists_dir: Path) -> None:
    full = parse_list(sdn(lists_dir, "2018-12"), ListSource.OFAC_SDN)
    assert [(p.name, p.file, p.present) for p in full.parts] == [
        ("addresses", "add.csv", True),
        ("aliases", "alt.csv", True),
        ("remarks", "sdn_comments.csv", True),
    ]
    assert all(p.rows for p in full.parts)  # each side file had rows
    bare = parse_list(sdn(lists_dir, "2022-02-17"), ListSource.OFAC_SDN)
    assert [(p.name, p.present, p.rows) for p in bare.parts] == [
        ("addresses", False, None),
        ("aliases", False, None),
        ("remarks", False, None),
    ]
    partial = parse_list(sdn(lists_dir, "2023-12-28"), ListSource.OFAC_SDN)
    assert [p.name for p in partial.parts if not p.present] == ["remarks"]


@pytest.mark.slow  # imports two whole SDN sets
def test_imports_record_their_contents_and_warnings_name_list_and_version(
    engine: Engine, lists_dir: Path
) -> None:
    import_list(engine, parse_list(sdn(lists_dir, "2018-12"), ListSource.OFAC_SDN), SETS["2018-12"])
    [old] = list_versions(engine, "ofac-sdn")
    # Complete and fresh, and no later version stored: nothing to say.
    assert list_warnings(engine, [old], date(2019, 1, 10), 30) == []
    # Complete, but 60 days old on the date judged.
    [stale] = list_warnings(engine, [old], date(2019, 3, 1), 30)
    assert (stale.code, stale.list, stale.version) == (LIST_STALE, "ofac-sdn", old.id)
    assert "60 days before it" in stale.text
    assert list_warnings(engine, [old], date(2019, 3, 1), 90) == []  # the age is a setting

    bare_set = parse_list(sdn(lists_dir, "2022-02-17"), ListSource.OFAC_SDN)
    import_list(engine, bare_set, SETS["2022-02-17"])
    old, bare = list_versions(engine, "ofac-sdn")
    stored = contents(engine, [old.id, bare.id])
    assert all(p.present for p in stored[old.id])
    assert not any(p.present for p in stored[bare.id])
    # Without alt.csv: incomplete on every date.
    [incomplete] = list_warnings(engine, [bare], date(2022, 2, 20), 30)
    assert incomplete.code == LIST_INCOMPLETE and incomplete.version == bare.id
    assert "aliases (alt.csv)" in incomplete.text
    assert incomplete.line().startswith("WARNING list-incomplete: ofac-sdn version")


@pytest.mark.slow
def test_a_past_date_between_versions_far_apart_is_stale(engine: Engine, lists_dir: Path) -> None:
    for name, published in SETS.items():
        import_list(engine, parse_list(sdn(lists_dir, name), ListSource.OFAC_SDN), published)
    old, _bare = list_versions(engine, "ofac-sdn")
    # 10 days after the version of 31 Dec 2018 - young - but the next stored one is of 2022:
    # the versions published in between were not imported.
    [stale] = list_warnings(engine, [old], date(2019, 1, 10), 9)
    assert stale.code == LIST_STALE and "10 days before it" in stale.text  # age rule first
    [gap] = list_warnings(engine, [old], date(2019, 1, 10), 30)
    assert gap.code == LIST_STALE and "next stored version is of 2022-02-17" in gap.text


def test_migration_0009_fills_versions_imported_before_it(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    command.upgrade(alembic_config(engine), "0001_lists")  # a store from before 0009
    with engine.begin() as conn:
        for i, origin in enumerate(
            [
                "/data/2018-12/sdn.csv /data/2018-12/add.csv /data/2018-12/alt.csv "
                "/data/2018-12/sdn_comments.csv",
                "/data/2022-02-17/sdn.csv",
                "/data/sdn_advanced.xml",
            ],
            start=1,
        ):
            conn.execute(
                insert(list_version).values(
                    id=i,
                    list_name="ofac-sdn",
                    source="ofac-sdn",
                    published=date(2018, 12, 31),
                    imported_at=datetime(2024, 1, 1, tzinfo=UTC),
                    sha256=f"{i:064d}",
                    entry_count=1,
                    counts="{}",
                    origin=origin,
                )
            )
    migrate(engine)
    stored = contents(engine, [1, 2, 3])
    assert [p.present for p in stored[1]] == [True, True, True]
    assert stored[2] == [
        ListPart("addresses", "add.csv", False),
        ListPart("aliases", "alt.csv", False),
        ListPart("remarks", "sdn_comments.csv", False),
    ]
    assert 3 not in stored  # XML carries everything in one file
    engine.dispose()
