"""The store on the real OFAC snapshots: as-of answers, diffs and histories the issue names."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from clearance.lists import parse_list
from clearance.model import NameKind
from clearance.store.diff import diff_versions, entry_history
from clearance.store.versions import entry_as_of, import_list, version_as_of

FSB = "21344"


def _import(engine: Engine, lists_dir: Path, folder: str, published: date) -> None:
    import_list(engine, parse_list(lists_dir / "ofac/sdn_csv" / folder), published=published)


def test_fsb_as_of_june_2022_differs_by_eo14024(engine: Engine, lists_dir: Path) -> None:
    _import(engine, lists_dir, "2022-06-17", date(2022, 6, 17))
    _import(engine, lists_dir, "2022-06-28", date(2022, 6, 28))

    before_version, before = entry_as_of(engine, "ofac-sdn", FSB, date(2022, 6, 20))
    after_version, after = entry_as_of(engine, "ofac-sdn", FSB, date(2022, 7, 1))
    assert before_version.published == date(2022, 6, 17)
    assert after_version.published == date(2022, 6, 28)
    assert before is not None and after is not None
    assert set(before.programs) == {"NPWMD", "CYBER2", "CAATSA - RUSSIA"}
    assert set(after.programs) - set(before.programs) == {"RUSSIA-EO14024"}
    assert set(before.programs) - set(after.programs) == set()
    # The same day OFAC moved the weak alias into the remarks.
    assert ("FSB", NameKind.WEAK) in {(n.name, n.kind) for n in after.names}

    diff = diff_versions(engine, before_version, after_version)
    change = next(c for c in diff.changed if c.source_id == FSB)
    programs = next(f for f in change.changes if f.field == "programs")
    assert set(programs.after) - set(programs.before) == {"RUSSIA-EO14024"}


def test_weak_alias_fsb_in_alt_csv_and_in_remarks(engine: Engine, lists_dir: Path) -> None:
    _import(engine, lists_dir, "2018-12", date(2019, 1, 4))
    _import(engine, lists_dir, "2023-12-28", date(2023, 12, 28))
    _, old = entry_as_of(engine, "ofac-sdn", FSB, date(2019, 3, 1))
    _, new = entry_as_of(engine, "ofac-sdn", FSB, date(2024, 1, 1))
    assert old is not None and new is not None
    assert "FSB" in {n.name for n in old.names}  # alt.csv, alias 33857
    assert "FSB" in {n.name for n in new.names if n.kind is NameKind.WEAK}  # remarks
    assert "FEDERALNAYA SLUZHBA BEZOPASNOSTI" in {n.name for n in new.names}


@pytest.mark.slow
def test_diff_2024_04_26_to_2024_05_03(engine: Engine, lists_dir: Path) -> None:
    _import(engine, lists_dir, "2024-04-26", date(2024, 4, 26))
    _import(engine, lists_dir, "2024-05-03", date(2024, 5, 3))
    before = version_as_of(engine, "ofac-sdn", date(2024, 4, 30))
    after = version_as_of(engine, "ofac-sdn", date(2024, 5, 3))
    assert before is not None and after is not None
    assert (before.entry_count, after.entry_count) == (14668, 14965)
    diff = diff_versions(engine, before, after)
    assert (len(diff.added), len(diff.removed), len(diff.changed)) == (305, 8, 0)


def test_history_of_fsb_across_snapshots(engine: Engine, lists_dir: Path) -> None:
    _import(engine, lists_dir, "2022-02-17", date(2022, 2, 17))
    _import(engine, lists_dir, "2022-06-17", date(2022, 6, 17))
    _import(engine, lists_dir, "2022-06-28", date(2022, 6, 28))
    steps = entry_history(engine, "ofac-sdn", FSB)
    assert [s.status for s in steps] == ["added", "unchanged", "changed"]
    assert "programs" in {f.field for f in steps[2].changes}
