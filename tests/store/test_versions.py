"""The versioned store's mechanics, on both backends.

These tests build small lists in code because they test the store's rules (atomicity, no-op
re-import, as-of, diff, deltas), which do not depend on any file format. The real-file checks
live in test_real_lists.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import Engine, func, select

from clearance.lists.errors import ListFormatError
from clearance.model import Entry, EntryType, ListSource, Name, NameKind, ParsedList
from clearance.store.diff import diff_versions, entry_history
from clearance.store.tables import entry_blob, list_version, version_entry
from clearance.store.versions import (
    StoreError,
    entry_as_of,
    import_list,
    iter_entries,
    list_versions,
    version_as_of,
)


def _entry(source_id: str, name: str, programs: tuple[str, ...] = ("CYBER2",)) -> Entry:
    return Entry(
        source=ListSource.OFAC_SDN,
        source_id=source_id,
        type=EntryType.ORGANIZATION,
        names=(Name(name, NameKind.PRIMARY),),
        programs=programs,
    )


def _parsed(entries: list[Entry], digest: str, published: date | None = None) -> ParsedList:
    return ParsedList(
        source=ListSource.OFAC_SDN,
        published=published,
        files=("mem://sdn.csv",),
        sha256=digest,
        entries=iter(entries),
    )


def _count(engine: Engine, table: object) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(table)) or 0)  # type: ignore[arg-type]


def test_import_then_reimport_is_noop(engine: Engine) -> None:
    entries = [_entry("1", "ALPHA"), _entry("2", "BETA")]
    first = import_list(engine, _parsed(entries, "a" * 64), published=date(2022, 6, 17))
    again = import_list(engine, _parsed(entries, "a" * 64), published=date(2022, 6, 17))
    assert first.created and not again.created
    assert again.version.id == first.version.id
    assert first.version.entry_count == 2
    assert first.version.counts == {"organization": 2}
    assert _count(engine, list_version) == 1


def test_import_needs_a_date_when_the_file_has_none(engine: Engine) -> None:
    with pytest.raises(StoreError, match="--published"):
        import_list(engine, _parsed([_entry("1", "ALPHA")], "b" * 64))


def test_failed_import_leaves_previous_version_in_force(engine: Engine) -> None:
    import_list(engine, _parsed([_entry("1", "ALPHA")], "c" * 64), published=date(2022, 6, 17))

    def broken() -> Iterator[Entry]:
        yield _entry("1", "ALPHA")
        yield _entry("2", "BETA")
        raise ListFormatError("sdn.csv", "row has 7 fields, expected 12", line=3)

    parsed = _parsed([], "d" * 64)
    parsed.entries = broken()
    with pytest.raises(ListFormatError, match=r"sdn\.csv:3"):
        import_list(engine, parsed, published=date(2022, 6, 28))
    assert [v.published for v in list_versions(engine)] == [date(2022, 6, 17)]
    in_force = version_as_of(engine, "ofac-sdn", date(2022, 7, 1))
    assert in_force is not None and in_force.published == date(2022, 6, 17)
    assert _count(engine, version_entry) == 1
    assert _count(engine, entry_blob) == 1


def test_duplicate_ids_are_refused(engine: Engine) -> None:
    with pytest.raises(StoreError, match="occurs twice"):
        import_list(
            engine,
            _parsed([_entry("1", "ALPHA"), _entry("1", "ALPHA 2")], "e" * 64),
            published=date(2022, 1, 1),
        )
    assert list_versions(engine) == []


def test_as_of_picks_latest_publication_on_or_before(engine: Engine) -> None:
    old = [_entry("21344", "FEDERAL SECURITY SERVICE", ("CYBER2", "CAATSA - RUSSIA"))]
    new = [
        _entry("21344", "FEDERAL SECURITY SERVICE", ("CYBER2", "CAATSA - RUSSIA", "RUSSIA-EO14024"))
    ]
    import_list(engine, _parsed(new, "2" * 64), published=date(2022, 6, 28))  # out of order
    import_list(engine, _parsed(old, "1" * 64), published=date(2022, 6, 17))

    assert version_as_of(engine, "ofac-sdn", date(2022, 6, 16)) is None
    v1, e1 = entry_as_of(engine, "ofac-sdn", "21344", date(2022, 6, 20))
    v2, e2 = entry_as_of(engine, "ofac-sdn", "21344", date(2022, 6, 28))
    assert (v1.published, v2.published) == (date(2022, 6, 17), date(2022, 6, 28))
    assert e1 is not None and e2 is not None
    assert set(e2.programs) - set(e1.programs) == {"RUSSIA-EO14024"}


def test_diff_and_history(engine: Engine) -> None:
    a = import_list(
        engine,
        _parsed([_entry("1", "ALPHA"), _entry("2", "BETA"), _entry("3", "GAMMA")], "f" * 64),
        published=date(2024, 4, 26),
    ).version
    b = import_list(
        engine,
        _parsed(
            [_entry("1", "ALPHA"), _entry("3", "GAMMA", ("SDGT",)), _entry("4", "DELTA")], "0" * 64
        ),
        published=date(2024, 5, 3),
    ).version
    diff = diff_versions(engine, a, b)
    assert diff.added == (("4", "DELTA"),)
    assert diff.removed == (("2", "BETA"),)
    assert [c.source_id for c in diff.changed] == ["3"]
    assert [(f.field, f.before, f.after) for f in diff.changed[0].changes] == [
        ("programs", ["CYBER2"], ["SDGT"])
    ]
    # Unchanged entries share one stored body across versions.
    assert _count(engine, entry_blob) == 5

    history = entry_history(engine, "ofac-sdn", "2")
    assert [s.status for s in history] == ["added", "removed"]
    history = entry_history(engine, "ofac-sdn", "3")
    assert [s.status for s in history] == ["added", "changed"]
    assert [f.field for f in history[1].changes] == ["programs"]


def test_delta_builds_on_previous_version(engine: Engine) -> None:
    base = ParsedList(
        source=ListSource.FTM,
        published=date(2024, 5, 27),
        files=("t/entities.ftm.json",),
        sha256="9" * 64,
        entries=iter(
            [
                Entry(ListSource.FTM, "a", EntryType.PERSON, (Name("Ann"),)),
                Entry(ListSource.FTM, "b", EntryType.PERSON, (Name("Bob"),)),
            ]
        ),
        list_name="t",
    )
    import_list(engine, base)
    delta = ParsedList(
        source=ListSource.FTM,
        published=date(2024, 5, 28),
        files=("t/delta.json",),
        sha256="8" * 64,
        entries=iter([Entry(ListSource.FTM, "c", EntryType.PERSON, (Name("Cid"),))]),
        is_delta=True,
        deleted=("a",),
        list_name="t",
    )
    version = import_list(engine, delta).version
    assert version.entry_count == 2
    assert sorted(e.source_id for e in iter_entries(engine, version.id)) == ["b", "c"]


def test_a_date_contradicting_the_file_is_refused(engine: Engine) -> None:
    parsed = _parsed([_entry("1", "ALPHA")], "7" * 64, published=date(2018, 6, 7))
    with pytest.raises(StoreError, match="says it was published 2018-06-07, not 2018-06-08"):
        import_list(engine, parsed, published=date(2018, 6, 8))
    same = _parsed([_entry("1", "ALPHA")], "7" * 64, published=date(2018, 6, 7))
    assert import_list(engine, same, published=date(2018, 6, 7)).version.published == date(
        2018, 6, 7
    )
