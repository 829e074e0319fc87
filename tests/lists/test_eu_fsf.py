"""The EU FSF CSV parser.

Shared data holds only the first 1,000 lines of the 4 July 2018 file, in a copy damaged by its
committer's tooling (see the module docstring of `clearance.lists.eu_fsf`). The tests check
what that sample allows: its entity count, real entities field by field, the repair of the
damage, the same sample in the undamaged v1.0 layout, and bad input. The last entity of the
sample may be cut short by the 1,000-line cut; its entry holds what the sample has of it. The
v1.1 layout (the current file) has no real sample under 4 MiB: it is checked on rows built
from its published column list.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import Counter
from collections.abc import Iterator
from datetime import date
from functools import cache
from pathlib import Path

import pytest

from clearance.lists import parse_list
from clearance.lists.errors import ListFormatError
from clearance.lists.eu_fsf import iter_rows, parse
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


def sample(lists_dir: Path) -> Path:
    return lists_dir / "eu" / "samples" / "2018-07-04_fsf_csv_first1000lines.csv"


@cache
def _entries(path: Path) -> dict[str, Entry]:
    return {entry.source_id: entry for entry in parse(path).entries}


def entries(lists_dir: Path) -> dict[str, Entry]:
    return _entries(sample(lists_dir))


def parse_all(path: Path) -> list[Entry]:
    return list(parse(path).entries)


def write(tmp_path: Path, data: bytes, name: str = "fsf.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def undamaged(lists_dir: Path) -> bytes:
    """The sample as the EU published it (v1.0 layout, UTF-8 with BOM), by undoing the damage.

    Characters the damaging tool replaced by `?` cannot be recovered and stay `?`.
    """
    lines = sample(lists_dir).read_bytes().decode("cp1252").splitlines()
    repaired = [line[1:-1].replace('""', '"').rstrip("\t").replace("\t", ",") for line in lines]
    repaired[0] = repaired[0].replace("Date_filexxxx", "Date_file", 1)
    return b"\xef\xbb\xbf" + "\n".join(repaired).encode("utf-8") + b"\n"


# --- the damaged sample ------------------------------------------------------------------------


def test_sample_counts_and_published_date(lists_dir: Path) -> None:
    path = sample(lists_dir)
    rows = list(iter_rows(path))
    assert len(rows) == 999 and rows[0].line == 2 and rows[-1].line == 1000
    parsed = parse(path)
    assert parsed.source is ListSource.EU_FSF
    assert parsed.published == date(2018, 7, 4)  # Date_file 04/07/2018
    assert parsed.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert isinstance(parsed.entries, Iterator)
    found = entries(lists_dir)
    assert len(found) == 93
    assert Counter(e.type for e in found.values()) == {
        EntryType.PERSON: 61,
        EntryType.ORGANIZATION: 32,
    }
    assert Counter(p for e in found.values() for p in e.programs) == {
        "IRQ": 57,
        "TAQA": 17,
        "TERR": 17,
        "ZWE": 2,
    }
    assert all(e.names[0].kind is NameKind.PRIMARY for e in found.values())


def test_parse_list_detects_the_damaged_sample(lists_dir: Path) -> None:
    parsed = parse_list(sample(lists_dir))
    assert parsed.source is ListSource.EU_FSF
    assert sum(1 for _ in parsed.entries) == 93


def test_saddam_hussein_field_by_field(lists_dir: Path) -> None:
    entry = entries(lists_dir)["13"]
    assert entry.type is EntryType.PERSON
    assert entry.names == (
        Name("Saddam Hussein Al-Tikriti", NameKind.PRIMARY, "Latn", "Saddam", "Hussein Al-Tikriti"),
        Name("Abou Ali", NameKind.AKA, "Latn"),  # the French-language name row
        Name("Abu Ali", NameKind.AKA, "Latn"),
    )
    assert entry.programs == ("IRQ",)
    assert entry.birth_dates == ("1937-04-28",)
    # Published "al-Awja, near Tikrit"; the damaged copy reads "al-Awja\t near Tikrit".
    assert entry.birth_places == ("al-Awja, near Tikrit, IRQ",)
    assert entry.countries == ("IQ",)  # citizenship IRQ
    assert entry.remarks == "(UNSC RESOLUTION 1483)"
    assert entry.listed_on == date(2003, 7, 8)  # regulation 1210/2003, published 2003-07-08
    assert entry.properties == {
        "eu_reference": ("EU.27.28",),
        "gender": ("M",),
        "regulation": ("1210/2003 (OJ L169)",),
    }


def test_mugabe_with_two_regulations_and_a_packed_passport(lists_dir: Path) -> None:
    entry = entries(lists_dir)["1"]
    assert entry.names == (
        Name("Robert Gabriel Mugabe", NameKind.PRIMARY, "Latn", "Robert", "Mugabe"),
    )
    assert entry.programs == ("ZWE",)
    # Iden_number "AD001095 (passport-National passport) ((passport))".
    assert entry.identifiers == (
        Identifier("National passport", "AD001095", remarks="((passport))"),
    )
    assert entry.birth_dates == ("1924-02-21",)
    assert entry.birth_places == ("Kutama",)
    assert entry.listed_on == date(2002, 9, 13)  # 1643/2002, earlier than 2018/223
    assert entry.properties["regulation"] == ("1643/2002 (OJ L247)", "2018/223 (OJ L43)")
    assert entry.properties["function"] == ("Former President", "president")
    # The literal "\n" of the published remark is a line break.
    assert entry.remarks == (
        "(Date of UN designation: 2002-02-21)\n"
        "(Date of designation referred to in Article 7 (2): 21.2.2002.)"
    )


def test_a_quoted_field_holding_a_semicolon_survives_the_repair(lists_dir: Path) -> None:
    # Line 59: ..."";""Former Governor of Karbala and An Najaf;"";... in the damaged copy.
    entry = entries(lists_dir)["43"]
    assert "Former Governor of Karbala and An Najaf;" in entry.properties["function"]
    assert entry.names[0] == Name("Aziz Salih al-Numan", NameKind.PRIMARY, "Latn")


def test_names_garbled_by_the_damaging_tool_are_dropped(lists_dir: Path) -> None:
    rows = list(iter_rows(sample(lists_dir)))
    garbled = {r.get("name_whole") for r in rows if "?" in r.get("name_whole")}
    assert "???????? Abu Nidal" in garbled and "Revolu?ní rada Fatáhu" in garbled
    names = {n.name for e in entries(lists_dir).values() for n in e.names}
    assert not names & garbled
    assert not any("?" in name for name in names)


def test_last_entity_of_the_cut_sample_holds_what_the_sample_has(lists_dir: Path) -> None:
    entry = entries(lists_dir)["481"]
    assert entry.type is EntryType.ORGANIZATION
    assert entry.names[0] == Name("Salafist Group for Call and Combat", NameKind.PRIMARY, "Latn")
    assert len(entry.names) == 11
    assert entry.countries == ("DZ", "MA", "ML", "MR")
    assert entry.addresses == tuple(
        Address(country=alpha3, country_code=alpha2)
        for alpha3, alpha2 in (("DZA", "DZ"), ("MAR", "MA"), ("MLI", "ML"), ("MRT", "MR"))
    )
    assert entry.programs == ("TAQA",)
    assert entry.listed_on == date(2012, 1, 18)


def test_undamaged_v10_layout_reads_the_same_entities(lists_dir: Path, tmp_path: Path) -> None:
    path = write(tmp_path, undamaged(lists_dir))
    repaired = {e.source_id: e for e in parse_all(path)}
    assert parse(path).published == date(2018, 7, 4)
    damaged = entries(lists_dir)
    assert repaired.keys() == damaged.keys()
    for entity_id, entry in repaired.items():
        # Not damaged, so names with `?` stay (here they are the copy's unrecoverable loss).
        kept = tuple(n for n in entry.names if "?" not in n.name)
        assert kept == damaged[entity_id].names
        assert entry.programs == damaged[entity_id].programs
        assert entry.birth_places == damaged[entity_id].birth_places
        assert entry.identifiers == damaged[entity_id].identifiers


# --- the v1.1 layout -----------------------------------------------------------------------

V11_COLUMNS = [
    "fileGenerationDate",
    "Entity_LogicalId",
    "Entity_EU_ReferenceNumber",
    "Entity_UnitedNationId",
    "Entity_DesignationDate",
    "Entity_DesignationDetails",
    "Entity_Remark",
    "Entity_SubjectType",
    "Entity_SubjectType_ClassificationCode",
    "Entity_Regulation_Type",
    "Entity_Regulation_OrganisationType",
    "Entity_Regulation_PublicationDate",
    "Entity_Regulation_EntryIntoForceDate",
    "Entity_Regulation_NumberTitle",
    "Entity_Regulation_Programme",
    "Entity_Regulation_PublicationUrl",
    "NameAlias_LastName",
    "NameAlias_FirstName",
    "NameAlias_MiddleName",
    "NameAlias_WholeName",
    "NameAlias_NameLanguage",
    "NameAlias_Gender",
    "NameAlias_Title",
    "NameAlias_Function",
    "NameAlias_LogicalId",
    "NameAlias_RegulationLanguage",
    "NameAlias_Remark",
    "Address_City",
    "Address_Street",
    "Address_PoBox",
    "Address_ZipCode",
    "Address_Region",
    "Address_Place",
    "Address_AsAtListingTime",
    "Address_ContactInfo",
    "Address_CountryIso2Code",
    "Address_CountryDescription",
    "Address_LogicalId",
    "Address_Remark",
    "BirthDate_BirthDate",
    "BirthDate_Day",
    "BirthDate_Month",
    "BirthDate_Year",
    "BirthDate_YearRangeFrom",
    "BirthDate_YearRangeTo",
    "BirthDate_Circa",
    "BirthDate_CalendarType",
    "BirthDate_ZipCode",
    "BirthDate_Region",
    "BirthDate_Place",
    "BirthDate_City",
    "BirthDate_CountryIso2Code",
    "BirthDate_CountryDescription",
    "BirthDate_LogicalId",
    "Identification_Number",
    "Identification_KnownExpired",
    "Identification_IssuedBy",
    "Identification_NameOnDocument",
    "Identification_TypeCode",
    "Identification_TypeDescription",
    "Identification_CountryIso2Code",
    "Identification_CountryDescription",
    "Identification_LogicalId",
    "Identification_Remark",
    "Citizenship_Region",
    "Citizenship_CountryIso2Code",
    "Citizenship_CountryDescription",
    "Citizenship_LogicalId",
    "Citizenship_Remark",
]


def v11_file(tmp_path: Path, rows: list[dict[str, str]]) -> Path:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(V11_COLUMNS)
    for row in rows:
        writer.writerow([row.get(column, "") for column in V11_COLUMNS])
    return write(tmp_path, b"\xef\xbb\xbf" + out.getvalue().encode("utf-8"), "v11.csv")


SADDAM = {
    "fileGenerationDate": "28/10/2022",
    "Entity_LogicalId": "13",
    "Entity_EU_ReferenceNumber": "EU.27.28",
    "Entity_UnitedNationId": "IQi.001",
    "Entity_DesignationDate": "2003-07-07",
    "Entity_Remark": "(UNSC RESOLUTION 1483)",
    "Entity_SubjectType": "P",
    "Entity_SubjectType_ClassificationCode": "person",
    "Entity_Regulation_PublicationDate": "2003-07-08",
    "Entity_Regulation_NumberTitle": "1210/2003 (OJ L169)",
    "Entity_Regulation_Programme": "IRQ",
}


def test_v11_layout_rows_fold_into_entries(tmp_path: Path) -> None:
    path = v11_file(
        tmp_path,
        [
            SADDAM
            | {
                "NameAlias_WholeName": "Saddam Hussein Al-Tikriti",
                "NameAlias_FirstName": "Saddam",
                "NameAlias_LastName": "Hussein Al-Tikriti",
                "NameAlias_Gender": "M",
                "NameAlias_LogicalId": "17",
            },
            SADDAM
            | {
                "NameAlias_WholeName": "Саддам Хусейн",
                "NameAlias_NameLanguage": "BG",
                "NameAlias_LogicalId": "5",
                "BirthDate_BirthDate": "1937-04-28",
                "BirthDate_City": "al-Awja",
                "BirthDate_CountryIso2Code": "IQ",
                "BirthDate_CountryDescription": "IRAQ",
                "Citizenship_CountryIso2Code": "IQ",
            },
            SADDAM
            | {
                "NameAlias_WholeName": "Abu Ali",
                "NameAlias_LogicalId": "19",
                "Identification_Number": "M0003264580",
                "Identification_TypeDescription": "Passport",
                "Identification_CountryIso2Code": "IQ",
            },
            {
                "fileGenerationDate": "28/10/2022",
                "Entity_LogicalId": "42",
                "Entity_SubjectType": "enterprise",
                "Entity_Regulation_Programme": "SYR",
                "Entity_Regulation_PublicationDate": "2011-05-10",
                "NameAlias_WholeName": "Commercial Bank of Syria",
                "Address_Street": "Moawiya St.",
                "Address_City": "Damascus",
                "Address_PoBox": "P.O. Box 933",
                "Address_CountryIso2Code": "SY",
                "Address_CountryDescription": "SYRIAN ARAB REPUBLIC",
            },
            {
                "fileGenerationDate": "28/10/2022",
                "Entity_LogicalId": "77",
                "Entity_SubjectType": "person",
                "Entity_Regulation_Programme": "TAQA",
                "NameAlias_WholeName": "Abu Example",
                "BirthDate_YearRangeFrom": "1960",
                "BirthDate_YearRangeTo": "1962",
            },
        ],
    )
    parsed = parse(path)
    assert parsed.published == date(2022, 10, 28)
    found = {e.source_id: e for e in parsed.entries}
    saddam = found["13"]
    # The Bulgarian-language name has a lower logical id but is a translation: not primary.
    assert [(n.name, n.kind, n.script) for n in saddam.names] == [
        ("Saddam Hussein Al-Tikriti", NameKind.PRIMARY, "Latn"),
        ("Abu Ali", NameKind.AKA, "Latn"),
        ("Саддам Хусейн", NameKind.AKA, "Cyrl"),
    ]
    assert saddam.birth_dates == ("1937-04-28",)
    assert saddam.birth_places == ("al-Awja, IRAQ",)
    assert saddam.countries == ("IQ",)
    assert saddam.identifiers == (Identifier("Passport", "M0003264580", "IQ"),)
    assert saddam.listed_on == date(2003, 7, 7)  # the designation date, not the regulation's
    assert saddam.properties["un_id"] == ("IQi.001",)
    bank = found["42"]
    assert bank.type is EntryType.ORGANIZATION and bank.programs == ("SYR",)
    assert bank.addresses == (
        Address(
            street="Moawiya St. P.O. Box 933",
            city="Damascus",
            country="SYRIAN ARAB REPUBLIC",
            country_code="SY",
        ),
    )
    assert bank.listed_on == date(2011, 5, 10)
    assert found["77"].birth_dates == ("1960", "1961", "1962")


# --- bad input ---------------------------------------------------------------------------------


def sample_lines(lists_dir: Path) -> list[bytes]:
    return sample(lists_dir).read_bytes().splitlines(keepends=True)


def line_with(lines: list[bytes], needle: bytes) -> int:
    return next(i for i, line in enumerate(lines) if needle in line)


def test_truncated_damaged_copy_names_the_cut_line(lists_dir: Path, tmp_path: Path) -> None:
    data = b"".join(sample_lines(lists_dir)[:50])
    path = write(tmp_path, data[: len(data) - 300])
    with pytest.raises(ListFormatError, match="not wrapped in quotes") as caught:
        parse_all(path)
    assert caught.value.path == str(path) and caught.value.line == 50


def test_truncated_v10_file_names_the_cut_line(lists_dir: Path, tmp_path: Path) -> None:
    data = undamaged(lists_dir)
    cut = data.index(b"\n", len(data) // 2) + 40
    path = write(tmp_path, data[:cut])
    with pytest.raises(ListFormatError, match="fields, the header 59") as caught:
        parse_all(path)
    assert caught.value.line == data[:cut].count(b"\n") + 1


@pytest.mark.parametrize(
    ("bad", "message"),
    [(b"1937-13-28", "birth month out of range|not a date"), (b"28.04.1937", "not yyyy-mm-dd")],
)
def test_bad_birth_date_is_an_error(
    lists_dir: Path, tmp_path: Path, bad: bytes, message: str
) -> None:
    lines = sample_lines(lists_dir)
    index = line_with(lines, b";1937-04-28;")
    lines[index] = lines[index].replace(b"1937-04-28", bad)
    with pytest.raises(ListFormatError, match=message) as caught:
        parse_all(write(tmp_path, b"".join(lines)))
    assert caught.value.line == index + 1


def test_bad_file_date_is_an_error(lists_dir: Path, tmp_path: Path) -> None:
    lines = sample_lines(lists_dir)
    lines[1] = lines[1].replace(b'"04/07/2018;', b'"04/13/2018;')
    with pytest.raises(ListFormatError, match="not a valid date") as caught:
        parse(write(tmp_path, b"".join(lines)))
    assert caught.value.line == 2


def test_unknown_subject_type_is_an_error(lists_dir: Path, tmp_path: Path) -> None:
    lines = sample_lines(lists_dir)
    lines[5] = lines[5].replace(b'"04/07/2018;1;P;', b'"04/07/2018;1;X;')
    with pytest.raises(ListFormatError, match="unknown subject type 'X'") as caught:
        parse_all(write(tmp_path, b"".join(lines)))
    assert caught.value.line == 6 and caught.value.record == "1"


def test_invalid_utf8_in_the_real_layout_is_an_error(lists_dir: Path, tmp_path: Path) -> None:
    lines = undamaged(lists_dir).splitlines(keepends=True)
    index = line_with(lines, "Mohammed Hamza Zoubaïdi".encode())
    lines[index] = lines[index].replace("ï".encode(), b"\xef")  # Windows-1252, not UTF-8
    with pytest.raises(ListFormatError, match="not valid utf-8") as caught:
        parse_all(write(tmp_path, b"".join(lines)))
    assert caught.value.line == index + 1


@pytest.mark.parametrize(
    ("data", "message", "line"),
    [
        (b"", "empty file", 1),
        (b"Name;Programme\nX;Y\n", "not an EU FSF CSV header", 1),
        (b"Date_file;Programme\n04/07/2018;IRQ\n", "lacks column", 1),
        (b"fileGenerationDate;Entity_LogicalId;Entity_SubjectType\n", "no data rows", None),
    ],
)
def test_bad_headers_are_errors(
    tmp_path: Path, data: bytes, message: str, line: int | None
) -> None:
    with pytest.raises(ListFormatError, match=message) as caught:
        parse(write(tmp_path, data))
    assert caught.value.line == line


def test_entries_survive_the_store_serialization(lists_dir: Path) -> None:
    for entry in entries(lists_dir).values():
        assert entry_from_dict(entry_to_dict(entry)) == entry
