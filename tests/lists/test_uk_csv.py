"""The UK HM Treasury consolidated CSV parser, on the real list of 13 April 2018."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from datetime import date
from functools import cache
from pathlib import Path

import pytest

from clearance.lists import parse_list
from clearance.lists.errors import ListFormatError
from clearance.lists.uk_csv import iter_rows, parse
from clearance.model import (
    Address,
    Entry,
    EntryType,
    Identifier,
    ListSource,
    Name,
    NameKind,
    entry_from_dict,
    entry_to_dict,
)


def uk_file(lists_dir: Path) -> Path:
    return lists_dir / "uk" / "2018-04-13" / "sanctionsconlist.csv"


@cache
def _entries(path: Path) -> dict[str, Entry]:
    return {entry.source_id: entry for entry in parse(path).entries}


def entries(lists_dir: Path) -> dict[str, Entry]:
    return _entries(uk_file(lists_dir))


def raw_lines(lists_dir: Path) -> list[bytes]:
    return uk_file(lists_dir).read_bytes().splitlines(keepends=True)


def parse_all(path: Path) -> list[Entry]:
    return list(parse(path).entries)


# --- the real file ---------------------------------------------------------------------------


def test_rows_alias_types_and_published_date_match_the_readme(lists_dir: Path) -> None:
    path = uk_file(lists_dir)
    rows = list(iter_rows(path))
    assert len(rows) == 9487
    assert rows[0].line == 3 and rows[-1].line == 9489
    assert Counter(row.get("Alias Type") for row in rows) == {
        "Prime Alias": 2952,
        "AKA": 6516,
        "FKA": 19,
    }
    parsed = parse(path)
    assert parsed.source is ListSource.UK_HMT
    assert parsed.published == date(2018, 4, 13)
    assert parsed.files == (str(path),)
    assert parsed.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert isinstance(parsed.entries, Iterator)


def test_groups_become_2106_targets_with_26_regimes(lists_dir: Path) -> None:
    found = entries(lists_dir)
    assert len(found) == 2106
    assert Counter(e.type for e in found.values()) == {
        EntryType.PERSON: 1426,
        EntryType.ORGANIZATION: 680,
    }
    assert len({p for e in found.values() for p in e.programs}) == 26
    # "Venezuela " is published with a trailing blank; it is one regime, not two.
    assert "Venezuela" in {p for e in found.values() for p in e.programs}
    # Repeated rows (one per date of birth or address) collapse: every target has exactly one
    # primary name, and names are unique within a target.
    kinds = Counter(n.kind for e in found.values() for n in e.names)
    assert kinds == {NameKind.PRIMARY: 2106, NameKind.AKA: 3438, NameKind.FKA: 9}
    for entry in found.values():
        assert entry.names[0].kind is NameKind.PRIMARY
        assert len({(n.name, n.kind) for n in entry.names}) == len(entry.names)


def test_parse_list_detects_the_uk_file(lists_dir: Path) -> None:
    parsed = parse_list(uk_file(lists_dir))
    assert parsed.source is ListSource.UK_HMT
    assert sum(1 for _ in parsed.entries) == 2106


def test_person_with_two_dobs_enumerated_nationality_and_passport(lists_dir: Path) -> None:
    entry = entries(lists_dir)["13349"]
    assert entry.type is EntryType.PERSON
    assert entry.names[0] == Name(
        "AL-HABABI, Nayef Salam Muhammad Ujaym",
        NameKind.PRIMARY,
        "Latn",
        first="Nayef Salam Muhammad Ujaym",
        last="AL-HABABI",
    )
    # The file's first data row, " AL-QAHTANI,Sheikh,Farooq", with its leading blank dropped.
    assert (
        Name("AL-QAHTANI, Sheikh Farooq", NameKind.AKA, "Latn", "Sheikh Farooq", "AL-QAHTANI")
        in entry.names
    )
    assert len(entry.names) == 8
    assert entry.birth_dates == ("1980", "1981")  # 00/00/1980 and 00/00/1981
    assert entry.birth_places == ("Saudi Arabia",)
    # Nationality "1) Saudi Arabia 2) Qatar" and address country "Afghanistan (since 2009)".
    assert entry.countries == ("AF", "QA", "SA")
    assert entry.properties["nationality"] == ("1) Saudi Arabia 2) Qatar",)
    assert entry.addresses == (Address(country="Afghanistan (since 2009)", country_code="AF"),)
    assert entry.identifiers == (
        Identifier("Passport", "Passport No: 592667 (Qatari passport issued on 3 May 2007)."),
    )
    assert entry.programs == ("The ISIL (Da'esh) and Al-Qaida organisations",)
    assert entry.listed_on == date(2016, 4, 1)
    assert entry.remarks is not None and entry.remarks.startswith("UN Ref QDe.004.")
    assert entry.properties["last_updated"] == ("01/04/2016",)


def test_rows_of_a_group_scattered_over_the_file_are_one_target(lists_dir: Path) -> None:
    lines = [row.line for row in iter_rows(uk_file(lists_dir)) if row.get("Group ID") == "6894"]
    assert lines == [14, 15, 111, 112, 162, 163, 165, 166, 6858, 6859, 6860, 6861, 7611, 7612]
    entry = entries(lists_dir)["6894"]
    assert [(n.name, n.kind) for n in entry.names] == [
        ("ABDURRAHMAN, Mohamad Iqbal", NameKind.PRIMARY),
        ("A RAHMAN, Mohamad Iqbal", NameKind.AKA),
        ("ABDUL RAHMAN, Mohamad Iqbal", NameKind.AKA),
        ("ABDURRAHMAN, Abu Jibril", NameKind.AKA),
        ("MUQTI, Fihiruddin", NameKind.AKA),
        ("MUQTI, Fikiruddin", NameKind.AKA),
        ("RAHMAN, Mohamad Iqbal", NameKind.AKA),
    ]
    assert entry.birth_dates == ("1957-08-17", "1958-08-17")
    assert entry.birth_places == (
        "(1) Tirpas-Selong Village,  East Lombok (2) Korleko-Lombok Timur, (1)-(2) Indonesia",
    )
    assert entry.addresses == (
        Address(
            street="Jalan Nakula, Komplek Witana Harja III Blok C 106-107, Tangerang",
            country="Indonesia",
            country_code="ID",
        ),
    )
    assert entry.countries == ("ID",)  # nationality "Indonesian" is a demonym
    assert entry.identifiers == (
        Identifier("National Identification Number", "no 3603251708570001"),
    )
    assert entry.listed_on == date(2003, 1, 24)


def test_entity_with_former_names_and_six_address_countries(lists_dir: Path) -> None:
    entry = entries(lists_dir)["7247"]
    assert entry.type is EntryType.ORGANIZATION
    assert [(n.name, n.kind, n.first, n.last) for n in entry.names] == [
        ("THE ORGANIZATION OF AL-QAIDA IN THE ISLAMIC MAGHREB", NameKind.PRIMARY, None, None),
        ("AL QAIDA AU MAGHREB ISLAMIQUE (AQMI)", NameKind.AKA, None, None),
        ("AQIM", NameKind.AKA, None, None),
        ("LE GROUPE SALAFISTE POUR LA PREDICATION ET LE COMBAT (GSPC)", NameKind.FKA, None, None),
        ("SALAFIST GROUP FOR CALL AND COMBAT", NameKind.FKA, None, None),
    ]
    assert entry.countries == ("DZ", "MA", "ML", "MR", "NE", "TN")
    assert [a.country for a in entry.addresses] == [
        "Algeria",
        "Mali",
        "Mauritania",
        "Morocco",
        "Niger",
        "Tunisia",
    ]
    assert entry.birth_dates == () and entry.identifiers == ()
    assert entry.listed_on == date(2001, 10, 10)


def test_target_under_two_regimes_is_listed_on_the_earlier_date(lists_dir: Path) -> None:
    entry = entries(lists_dir)["11241"]
    assert [n.name for n in entry.names] == ["IRGC QODS FORCE", "QUDS FORCE"]
    assert entry.programs == ("Iran (nuclear proliferation)", "Syria")
    assert entry.listed_on == date(2010, 7, 27)  # Syria rows say 24/08/2011
    assert entry.addresses == (Address(street="Teheran", country="Iran", country_code="IR"),)


def test_dob_with_known_day_and_position_text(lists_dir: Path) -> None:
    entry = entries(lists_dir)["13562"]
    assert [(n.name, n.first, n.last) for n in entry.names] == [
        ("IL, Kim Kyong", "Kim Kyong", "IL"),
        ("KYO'NG-IL, Kim", "Kim", "KYO'NG-IL"),
    ]
    assert entry.birth_dates == ("1979-08-01",)
    assert entry.properties["position"] == (
        "Foreign Trade Bank deputy chief representative in Libya",
    )
    # Address 1 "Libya" with no Country column: kept as published, no country resolved.
    assert entry.addresses == (Address(street="Libya"),)
    assert entry.countries == ()


# --- variants and bad input --------------------------------------------------------------------


def write(tmp_path: Path, data: bytes, name: str = "conlist.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


SAMPLE_GROUPS = {"13349", "6894", "7247", "11241", "11583", "12862", "13562"}


def subset(lists_dir: Path, group_ids: set[str]) -> bytes:
    """The two first lines and every row of the given groups (no row spans lines)."""
    lines = raw_lines(lists_dir)
    rows = [x for x in lines[2:] if x.rstrip(b"\n").rsplit(b",", 1)[1].decode() in group_ids]
    return b"".join(lines[:2] + rows)


def prefix(lists_dir: Path, count: int) -> bytes:
    """The first `count` lines of the real file (header included)."""
    return b"".join(raw_lines(lists_dir)[:count])


def test_a_utf8_file_with_byte_order_mark_reads_the_same(lists_dir: Path, tmp_path: Path) -> None:
    original = write(tmp_path, subset(lists_dir, SAMPLE_GROUPS), "cp1252.csv")
    text = original.read_bytes().decode("cp1252")
    assert "Iran’s National Police" in text  # 0x92 in Windows-1252
    utf8 = write(tmp_path, b"\xef\xbb\xbf" + text.encode("utf-8"), "utf8.csv")
    assert parse_all(utf8) == parse_all(original)
    # The same targets as in the whole file: a target depends on its own rows only.
    assert {e.source_id: e for e in parse_all(original)} == {
        g: entries(lists_dir)[g] for g in SAMPLE_GROUPS
    }


def test_truncated_row_is_an_error_naming_its_line(lists_dir: Path, tmp_path: Path) -> None:
    data = prefix(lists_dir, 40)
    cut = data.rindex(b"\n", 0, len(data) - 1) + 30  # 30 bytes into line 40
    path = write(tmp_path, data[:cut])
    with pytest.raises(ListFormatError) as caught:
        parse_all(path)
    assert caught.value.path == str(path) and caught.value.line == 40
    assert "fields" in caught.value.message


def test_truncated_inside_a_quoted_field_is_an_error(lists_dir: Path, tmp_path: Path) -> None:
    data = prefix(lists_dir, 60)
    cut = data.index(b'"UN REF:QE.A.146.14.') + 10  # inside the quoted remark of line 5
    path = write(tmp_path, data[:cut])
    with pytest.raises(ListFormatError, match="unexpected end of data") as caught:
        parse_all(path)
    assert caught.value.line == 5


def test_row_with_an_extra_field_is_an_error(lists_dir: Path, tmp_path: Path) -> None:
    lines = raw_lines(lists_dir)[:20]
    lines[9] = lines[9].rstrip(b"\n") + b",extra\n"
    with pytest.raises(ListFormatError, match="30 fields, the header 29") as caught:
        parse_all(write(tmp_path, b"".join(lines)))
    assert caught.value.line == 10


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (b"31/02/1980", "not a valid date"),
        (b"1980-01-01", "not dd/mm/yyyy"),
        (b"12/00/1980", "day but no month"),
        (b"00/13/1980", "month out of range"),
    ],
)
def test_bad_date_of_birth_is_an_error(
    lists_dir: Path, tmp_path: Path, bad: bytes, message: str
) -> None:
    data = prefix(lists_dir, 10).replace(b"00/00/1980", bad, 1)
    with pytest.raises(ListFormatError, match=message) as caught:
        parse_all(write(tmp_path, data))
    assert caught.value.line == 3


def test_bad_listed_on_date_is_an_error(lists_dir: Path, tmp_path: Path) -> None:
    data = prefix(lists_dir, 10).replace(
        b",01/04/2016,01/04/2016,13349", b",1/4/16,01/04/2016,13349"
    )
    with pytest.raises(ListFormatError, match="dd/mm/yyyy") as caught:
        parse_all(write(tmp_path, data))
    assert caught.value.line == 3


def test_bytes_undefined_in_windows_1252_are_an_error(lists_dir: Path, tmp_path: Path) -> None:
    lines = raw_lines(lists_dir)[:20]
    assert lines[8].startswith(b"2ND ACADEMY")
    lines[8] = lines[8].replace(b"2ND ACADEMY", b"2ND \x81CADEMY")
    with pytest.raises(ListFormatError, match="0x81 is not valid cp1252") as caught:
        parse_all(write(tmp_path, b"".join(lines)))
    assert caught.value.line == 9


def test_utf16_file_is_rejected_at_line_one(lists_dir: Path, tmp_path: Path) -> None:
    text = prefix(lists_dir, 10).decode("cp1252")
    path = write(tmp_path, text.encode("utf-16"))
    with pytest.raises(ListFormatError) as caught:
        parse(path)
    assert caught.value.line == 1


@pytest.mark.parametrize(
    ("first_lines", "message", "line"),
    [
        (b"", "ends before the header", 1),
        (b"Updated,13/04/2018\n", "must read 'Last Updated,dd/mm/yyyy'", 1),
        (b"Last Updated,2018-04-13\n", "not a dd/mm/yyyy date", 1),
        (b"Last Updated,13/04/2018\n", "ends before the header", 1),
        (b"Last Updated,13/04/2018\nName 6,Name 1,Regime\n", r"lacks column\(s\) Group Type", 2),
    ],
)
def test_bad_first_lines_are_errors(
    tmp_path: Path, first_lines: bytes, message: str, line: int
) -> None:
    with pytest.raises(ListFormatError, match=message) as caught:
        parse(write(tmp_path, first_lines))
    assert caught.value.line == line


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (b",Individual,AKA,", b",Person,AKA,", "unknown Group Type 'Person'"),
        (b",Individual,AKA,", b",Individual,Nickname,", "unknown Alias Type 'Nickname'"),
        (b",13349\n", b",\n", "without a Group ID"),
    ],
)
def test_unknown_codes_are_errors(
    lists_dir: Path, tmp_path: Path, old: bytes, new: bytes, message: str
) -> None:
    data = prefix(lists_dir, 10).replace(old, new, 1)
    with pytest.raises(ListFormatError, match=message) as caught:
        parse_all(write(tmp_path, data))
    assert caught.value.line == 3


def test_group_without_a_prime_alias_is_an_error(lists_dir: Path, tmp_path: Path) -> None:
    # The first 3 rows hold only a.k.a. rows of groups 13349 and 13188.
    path = write(tmp_path, prefix(lists_dir, 5))
    with pytest.raises(ListFormatError, match="no 'Prime Alias' row") as caught:
        parse_all(path)
    assert caught.value.record == "13349" and caught.value.line == 3


def test_newer_columns_ship_low_quality_alias_and_non_latin_name(
    lists_dir: Path, tmp_path: Path
) -> None:
    """OFSI's later files add `Alias Quality` and `Name Non-Latin Script` and ship targets.

    No such file is under 4 MiB in shared data, so two real rows of 2018 get those columns.
    """
    lines = raw_lines(lists_dir)
    header = lines[1].rstrip(b"\n") + b",Alias Quality,Name Non-Latin Script\n"
    vessel = next(x for x in lines if x.startswith(b" TONG SAN 2,"))
    assert b",Entity,Prime Alias," in vessel
    ship_prime = vessel.rstrip(b"\n").replace(b",Entity,", b",Ship,") + b",Good,\n"
    ship_aka = (
        vessel.replace(b" TONG SAN 2,", b"TONGSAN,")
        .rstrip(b"\n")
        .replace(b",Entity,Prime Alias,", b",Ship,AKA,")
        + ",Low,통산 2호\n".encode()
    )
    data = b"\xef\xbb\xbf" + lines[0] + header + ship_prime + ship_aka
    (entry,) = parse_all(write(tmp_path, data))
    assert entry.source_id == "13556" and entry.type is EntryType.VESSEL
    assert [(n.name, n.kind, n.script) for n in entry.names] == [
        ("TONG SAN 2", NameKind.PRIMARY, "Latn"),
        ("통산 2호", NameKind.AKA, "Hang"),
        ("TONGSAN", NameKind.WEAK, "Latn"),
    ]
    assert "alias_quality" not in entry.properties  # consumed into the name kinds


def test_entries_survive_the_store_serialization(lists_dir: Path) -> None:
    for entry in entries(lists_dir).values():
        assert entry_from_dict(entry_to_dict(entry)) == entry
