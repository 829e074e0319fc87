"""The party book: import (CSV, Parquet), upsert by id, removal, sync, bad input; audited."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from monitor_support import write_book

from clearance.audit.records import PARTY_IMPORT, PARTY_REMOVE, get_record
from clearance.model import EntryType, Identifier
from clearance.monitoring import BookError
from clearance.service import Clearance
from clearance.service.monitoring import import_parties, parties, remove_parties, show_party

ROWS = [
    ("1", "Acme Trading LLC", "organization", "", "US", ""),
    ("2", "Ivan Petrov", "person", "1970-05-01", "RU", "Passport:4509 123456; INN:7701234567"),
    ("3", "Li Wei", "", "", "", '[{"kind": "Passport", "value": "E123", "country": "CN"}]'),
]


def test_import_upserts_by_id_and_keeps_revisions(app: Clearance, tmp_path: Path) -> None:
    first = import_parties(app, write_book(tmp_path / "a.csv", ROWS))
    assert (first.rows, first.counts.inserted, first.revision) == (3, 3, 1)
    ivan = show_party(app, "2")
    assert ivan.party.type is EntryType.PERSON and ivan.party.country == "RU"
    assert ivan.party.identifiers == (
        Identifier("Passport", "4509 123456"),
        Identifier("INN", "7701234567"),
    )
    assert show_party(app, "3").party.identifiers == (Identifier("Passport", "E123", "CN"),)
    assert (ivan.revision, ivan.created_revision) == (1, 1)

    # The same file again changes nothing; a changed row is updated, a new one inserted.
    again = import_parties(app, write_book(tmp_path / "a.csv", ROWS))
    assert (again.counts.inserted, again.counts.updated, again.counts.unchanged) == (0, 0, 3)
    changed = [ROWS[0], ("2", "Ivan Petrov", "person", "1970-05-02", "RU", ""), ROWS[2]]
    third = import_parties(
        app, write_book(tmp_path / "b.csv", [*changed, ("4", "Zoe", "", "", "", "")])
    )
    assert (third.counts.inserted, third.counts.updated, third.counts.unchanged) == (1, 1, 2)
    ivan = show_party(app, "2")
    assert (ivan.revision, ivan.created_revision, ivan.party.dob) == (3, 1, "1970-05-02")
    assert show_party(app, "1").revision == 1
    assert [p.id for p in parties(app)] == ["1", "2", "3", "4"]
    assert [p.id for p in parties(app, after="2", limit=1)] == ["3"]

    record = get_record(app.engine, third.record.seq)
    assert record.kind == PARTY_IMPORT
    assert {k: record.payload[k] for k in ("rows", "inserted", "updated", "unchanged")} == {
        "rows": 4,
        "inserted": 1,
        "updated": 1,
        "unchanged": 2,
    }
    assert record.payload["file"]["sha256"] == third.sha256


def test_sync_and_removal(app: Clearance, tmp_path: Path) -> None:
    import_parties(app, write_book(tmp_path / "a.csv", ROWS))
    synced = import_parties(app, write_book(tmp_path / "b.csv", ROWS[1:]), sync=True)
    assert synced.removed == 1
    assert [p.id for p in parties(app)] == ["2", "3"]
    with pytest.raises(BookError, match="not in the book: '9'"):
        remove_parties(app, ["2", "9"])
    assert [p.id for p in parties(app)] == ["2", "3"]  # all or nothing
    removed = remove_parties(app, ["2"])
    assert removed.ids == ("2",) and [p.id for p in parties(app)] == ["3"]
    assert get_record(app.engine, removed.record.seq).kind == PARTY_REMOVE
    with pytest.raises(BookError, match="no party '2'"):
        show_party(app, "2")


def test_parquet_with_identifier_lists(app: Clearance, tmp_path: Path) -> None:
    path = tmp_path / "book.parquet"
    table = pa.table(
        {
            "id": ["p1", "p2"],
            "name": ["Olga Ivanova", "Nordic Shipping AS"],
            "type": ["person", "organization"],
            "identifiers": [
                [{"kind": "Passport", "value": "7712", "country": "RU"}],
                [],
            ],
            "crm_segment": ["retail", "corporate"],  # other columns are ignored
        }
    )
    pq.write_table(table, path)
    result = import_parties(app, path)
    assert result.counts.inserted == 2
    assert show_party(app, "p1").party.identifiers == (Identifier("Passport", "7712", "RU"),)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("1", "Acme", "", "", "XX", "")], r"line 3: .*country must be an ISO 3166-1"),
        ([("1", "Acme", "robot", "", "", "")], r"line 3: .*unknown type 'robot'"),
        ([("1", "Acme", "", "1952-13-45", "", "")], r"line 3: .*not a real date"),
        ([("1", "Acme", "", "", "", ""), ("", "Beta", "", "", "", "")], r"line 4: empty id"),
        (
            [("1", "Acme", "", "", "", ""), ("1", "Beta", "", "", "", "")],
            r"line 4: id '1' .*second",
        ),
        ([("1", "Acme", "", "", "", "Passport")], r"line 3: identifier 'Passport' is not"),
        ([("1", "Acme", "", "", "", "[1, 2")], r"line 3: identifiers: not JSON"),
    ],
)
def test_bad_rows_are_refused_whole(
    app: Clearance, tmp_path: Path, rows: list[tuple[str, ...]], message: str
) -> None:
    good = [("0", "Zero Ltd", "", "", "", "")]
    with pytest.raises(BookError, match=message):
        import_parties(app, write_book(tmp_path / "bad.csv", good + rows))
    assert parties(app) == []  # nothing of the file was kept


def test_missing_columns_and_files(app: Clearance, tmp_path: Path) -> None:
    path = tmp_path / "no_id.csv"
    path.write_text("name,country\nAcme,US\n", encoding="utf-8")
    with pytest.raises(BookError, match="missing column"):
        import_parties(app, path)
    with pytest.raises(BookError, match="no such file"):
        import_parties(app, tmp_path / "absent.csv")
    assert json.loads(json.dumps([p.to_dict() for p in parties(app)])) == []


@pytest.mark.parametrize(
    ("tail", "message"),
    [
        # A byte that is not UTF-8 on the fifth line: named there, not at the header.
        (b"2,Beta,,,,\n3,Gamma,,,,\n4,Del\xffta,,,,\n", r"line 5: .*can't decode byte 0xff"),
        # A quote opened on line 3 and never closed: that line, not the end of the file.
        (b'2,"Beta,,,,\n3,Gamma,,,,\n4,Delta,,,,\n', r"line 3: a quoted field .* never closed"),
    ],
)
def test_file_errors_name_the_real_line(
    app: Clearance, tmp_path: Path, tail: bytes, message: str
) -> None:
    path = tmp_path / "book.csv"
    path.write_bytes(b"id,name,type,dob,country,identifiers\n1,Acme,,,,\n" + tail)
    with pytest.raises(BookError, match=message):
        import_parties(app, path)
    assert parties(app) == []
