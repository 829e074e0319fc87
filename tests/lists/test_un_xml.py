"""The UN Security Council consolidated list parser, on the five real files in shared data."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterator
from datetime import date
from functools import cache
from itertools import pairwise
from pathlib import Path

import pytest

from clearance.lists import parse_list
from clearance.lists.errors import ListFormatError
from clearance.lists.un_xml import parse
from clearance.model import Entry, EntryType, Identifier, ListSource, NameKind

# The README table: date folder -> (dateGenerated date, individuals, entities).
UN_FILES = {
    "2018-06-07": (date(2018, 6, 7), 693, 405),
    "2018-06-21": (date(2018, 6, 21), 695, 405),
    "2018-08-24": (date(2018, 8, 24), 701, 397),
    "2018-10-29": (date(2018, 10, 29), 703, 390),
    "2026-02-27": (date(2026, 2, 27), 730, 273),
}


def un_file(lists_dir: Path, folder: str) -> Path:
    return lists_dir / "un" / folder / "consolidated.xml"


@cache
def _entries(path: Path) -> dict[str, Entry]:
    return {entry.source_id: entry for entry in parse(path).entries}


def entries(lists_dir: Path, folder: str) -> dict[str, Entry]:
    return _entries(un_file(lists_dir, folder))


@pytest.mark.parametrize("folder", sorted(UN_FILES))
def test_counts_and_published_date_match_the_readme(lists_dir: Path, folder: str) -> None:
    published, individuals, organizations = UN_FILES[folder]
    path = un_file(lists_dir, folder)
    parsed = parse(path)
    assert parsed.source is ListSource.UN
    assert parsed.published == published
    assert parsed.files == (str(path),)
    assert parsed.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert isinstance(parsed.entries, Iterator)
    types = Counter(entry.type for entry in _entries(path).values())
    assert types == {EntryType.PERSON: individuals, EntryType.ORGANIZATION: organizations}


def test_parse_list_detects_and_dispatches_un_files(lists_dir: Path) -> None:
    parsed = parse_list(un_file(lists_dir, "2018-06-07"))
    assert parsed.source is ListSource.UN
    assert sum(1 for _ in parsed.entries) == 693 + 405


def test_individual_with_original_script_weak_alias_and_passport(lists_dir: Path) -> None:
    entry = entries(lists_dir, "2018-06-07")["111496"]
    assert entry.type is EntryType.PERSON
    assert [(n.name, n.kind, n.script) for n in entry.names] == [
        ("SULAIMAN JASSEM SULAIMAN ALI ABO GHAITH", NameKind.PRIMARY, "Latn"),
        ("سليمان جاسم سليمان علي أبوغيث", NameKind.AKA, "Arab"),
        ("Abo Ghaith", NameKind.WEAK, "Latn"),
    ]
    assert (entry.names[0].first, entry.names[0].last) == ("SULAIMAN", "ALI ABO GHAITH")
    assert entry.programs == ("Al-Qaida",)
    assert entry.properties["reference_number"] == ("QDi.154",)
    assert entry.listed_on == date(2004, 1, 16)
    assert entry.birth_dates == ("1965-12-14",)
    assert entry.birth_places == ("Kuwait",)
    # ISSUING_COUNTRY is the demonym "Kuwaiti": resolved to the country code.
    assert entry.identifiers == (
        Identifier("Passport", "849594", "KW", "issued 1998-11-27; and expired on 24 Jun. 2003"),
    )
    # A nationality the UN wrote as a sentence is kept, but gives no country code.
    assert entry.properties["nationality"] == ("Kuwaiti citizenship withdrawn in 2002",)
    assert entry.countries == ()
    assert entry.properties["last_day_updated"] == ("2008-07-23", "2011-06-10")
    # COMMENTS1 is wrapped over indented lines in the file; the layout is not kept.
    assert entry.remarks is not None
    assert entry.remarks.startswith("Left Kuwait for Pakistan in June 2001. Review pursuant")
    assert "\n" not in entry.remarks


def test_between_dates_of_birth_give_every_year(lists_dir: Path) -> None:
    entry = entries(lists_dir, "2018-06-07")["110577"]
    assert entry.names[0].name == "MOHAMMAD HASSAN AKHUND"
    assert entry.names[1].name == "محمد حسن آخوند"
    assert entry.birth_dates == (
        *("1955", "1956", "1957", "1958"),
        *("1945", "1946", "1947", "1948", "1949", "1950"),
    )
    assert entry.properties["birth_date_note"] == ("Approximately",)
    assert entry.birth_places == (
        "Pashmul village, Panjwai District, Kandahar Province, Afghanistan",
    )
    assert entry.properties["title"] == ("Mullah", "Haji")
    assert len(entry.properties["designation"]) == 4
    assert entry.countries == ("AF",)
    assert entry.programs == ("Taliban",)


def test_entity_with_original_script_and_address(lists_dir: Path) -> None:
    entry = entries(lists_dir, "2018-06-07")["6908426"]
    assert entry.type is EntryType.ORGANIZATION
    assert [(n.name, n.kind, n.script) for n in entry.names] == [
        ("AL MOUAKAOUNE BIDDAM", NameKind.PRIMARY, "Latn"),
        ("الموقعون بالدم", NameKind.AKA, "Arab"),
        ("Les Signataires par le Sang", NameKind.AKA, "Latn"),
        ("Ceux Qui Signent avec le Sang", NameKind.AKA, "Latn"),
        ("Those Who Sign in Blood", NameKind.AKA, "Latn"),
    ]
    assert entry.names[0].first is None and entry.names[0].last is None
    assert [(a.country, a.country_code) for a in entry.addresses] == [("Mali", "ML")]
    assert entry.countries == ("ML",)
    assert entry.listed_on == date(2014, 6, 2)


def test_cyrillic_original_script_and_document_2026(lists_dir: Path) -> None:
    entry = entries(lists_dir, "2026-02-27")["2960872"]
    assert entry.names[0].name == "DOKU KHAMATOVICH UMAROV"
    assert ("Умаров Доку Хаматович", NameKind.AKA, "Cyrl") in {
        (n.name, n.kind, n.script) for n in entry.names
    }
    assert entry.identifiers == (Identifier("Passport", "96 03 464086", "RU", "issued 2003-06-01"),)
    assert {"1955", "1964-04-13", "1965-04-13", "1964-05-12"} <= set(entry.birth_dates)
    assert entry.countries == ("RU",)


def test_documents_with_and_without_number_2026(lists_dir: Path) -> None:
    entry = entries(lists_dir, "2026-02-27")["112033"]
    assert entry.identifiers == (
        Identifier("Passport", "M408665", "TN", "issued 2000-10-04; expired 3 Oct. 2005"),
        # TYPE_OF_DOCUMENT2 qualifies the document: it goes to the remarks.
        Identifier(
            "National Identification Number", "BNSDLA70L14Z352B", None, "Italian Fiscal Code:"
        ),
    )
    # A document given only as text cannot be matched as an identifier; the text is kept.
    assert entry.properties["document"] == (
        "National Identification Number; Tunisian national identity number W334061 issued on "
        "9 Mar. 2011",
    )


def test_approximate_birth_year_is_noted(lists_dir: Path) -> None:
    entry = entries(lists_dir, "2026-02-27")["6908834"]
    assert entry.names[0].name == "SEKA BALUKU"
    assert entry.birth_dates == ("1977",)
    assert entry.properties["birth_date_note"] == ("Approximately",)


def test_entity_fka_aliases_and_weak_individual_aliases_across_a_file(lists_dir: Path) -> None:
    kinds = Counter(
        (entry.type, name.kind)
        for entry in entries(lists_dir, "2026-02-27").values()
        for name in entry.names
    )
    assert kinds[(EntryType.ORGANIZATION, NameKind.FKA)] > 0
    assert kinds[(EntryType.PERSON, NameKind.WEAK)] > 0
    assert kinds[(EntryType.ORGANIZATION, NameKind.WEAK)] == 0  # entities have no "Low" quality


def test_every_record_has_a_primary_name_and_a_program(lists_dir: Path) -> None:
    for folder in UN_FILES:
        for entry in entries(lists_dir, folder).values():
            assert entry.names[0].kind is NameKind.PRIMARY
            assert len(entry.programs) == 1
            assert entry.listed_on is not None
            assert all(len(code) == 2 and code.isupper() for code in entry.countries)


def test_the_four_2018_versions_differ(lists_dir: Path) -> None:
    folders = [f for f in sorted(UN_FILES) if f.startswith("2018")]
    ids = {folder: set(entries(lists_dir, folder)) for folder in folders}
    for older, newer in pairwise(folders):
        assert ids[older] != ids[newer]
    # 2018-06-07 -> 2018-06-21: two individuals added, none removed.
    assert len(ids["2018-06-21"] - ids["2018-06-07"]) == 2
    assert ids["2018-06-07"] <= ids["2018-06-21"]
    # Amendments show in VERSIONNUM for entries kept across the series.
    first, last = entries(lists_dir, "2018-06-07"), entries(lists_dir, "2018-10-29")
    amended = [i for i in set(first) & set(last) if first[i] != last[i]]
    assert amended


# --- bad input -------------------------------------------------------------------------------

MINI = """<?xml version="1.0" encoding="UTF-8"?>
<CONSOLIDATED_LIST dateGenerated="2018-06-07T19:03:43.97-04:00">
  <INDIVIDUALS>
    <INDIVIDUAL>
      <DATAID>111496</DATAID>
      <VERSIONNUM>1</VERSIONNUM>
      <FIRST_NAME>SULAIMAN</FIRST_NAME>
      <SECOND_NAME>ABO GHAITH</SECOND_NAME>
      <UN_LIST_TYPE>Al-Qaida</UN_LIST_TYPE>
      <REFERENCE_NUMBER>QDi.154</REFERENCE_NUMBER>
      <LISTED_ON>2004-01-16</LISTED_ON>
      <INDIVIDUAL_DATE_OF_BIRTH>
        <TYPE_OF_DATE>BETWEEN</TYPE_OF_DATE>
        <FROM_YEAR>1955</FROM_YEAR>
        <TO_YEAR>1958</TO_YEAR>
      </INDIVIDUAL_DATE_OF_BIRTH>
    </INDIVIDUAL>
  </INDIVIDUALS>
  <ENTITIES>
    <ENTITY>
      <DATAID>6908426</DATAID>
      <FIRST_NAME>AL MOUAKAOUNE BIDDAM</FIRST_NAME>
      <UN_LIST_TYPE>Al-Qaida</UN_LIST_TYPE>
      <LISTED_ON>2014-06-02</LISTED_ON>
    </ENTITY>
  </ENTITIES>
</CONSOLIDATED_LIST>
"""


def _write(tmp_path: Path, text: str, name: str = "consolidated.xml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def _consume(path: Path) -> list[Entry]:
    return list(parse(path).entries)


def test_the_mini_document_is_valid(tmp_path: Path) -> None:
    parsed = parse(_write(tmp_path, MINI))
    got = list(parsed.entries)
    assert parsed.published == date(2018, 6, 7)
    assert [e.source_id for e in got] == ["111496", "6908426"]
    assert got[0].birth_dates == ("1955", "1956", "1957", "1958")


def test_truncated_real_file_fails_while_iterating_naming_file_and_line(
    lists_dir: Path, tmp_path: Path
) -> None:
    data = un_file(lists_dir, "2018-06-07").read_bytes()
    half = data[: len(data) // 2]
    path = tmp_path / "consolidated.xml"
    path.write_bytes(half)
    parsed = parse(path)  # the header is intact: the error comes with the entries
    with pytest.raises(ListFormatError) as caught:
        list(parsed.entries)
    assert caught.value.path == str(path)
    assert caught.value.line is not None
    assert caught.value.line >= half.count(b"\n")
    assert str(path) in str(caught.value)


def test_malformed_xml_names_the_line(tmp_path: Path) -> None:
    text = MINI.replace("</SECOND_NAME>", "</SECOND>")
    path = _write(tmp_path, text)
    with pytest.raises(ListFormatError) as caught:
        _consume(path)
    assert caught.value.line == _line_of(text, "</SECOND>")
    assert "malformed XML" in str(caught.value)


def test_wrong_root_element_is_refused_at_parse(tmp_path: Path) -> None:
    path = _write(tmp_path, MINI.replace("CONSOLIDATED_LIST", "SANCTIONS_LIST"))
    with pytest.raises(ListFormatError, match="root element is 'SANCTIONS_LIST'") as caught:
        parse(path)
    assert caught.value.line == 2


def test_empty_file_is_a_format_error(tmp_path: Path) -> None:
    with pytest.raises(ListFormatError):
        parse(_write(tmp_path, ""))


@pytest.mark.parametrize(
    ("change", "needle", "message"),
    [
        (("<DATAID>111496</DATAID>", ""), "<INDIVIDUAL>", "INDIVIDUAL without DATAID"),
        (("<DATAID>6908426</DATAID>", "<DATAID/>"), "<ENTITY>", "ENTITY without DATAID"),
        (("<DATAID>111496</DATAID>", "<DATAID>11x496</DATAID>"), "<INDIVIDUAL>", "not a number"),
        (("2004-01-16", "2004-13-16"), "<LISTED_ON>", "not a date: '2004-13-16'"),
        (("2014-06-02", "2 Jun 2014"), "<LISTED_ON>2 Jun", "not a date"),
        (
            ("<TO_YEAR>1958", "<TO_YEAR>1858"),
            "<INDIVIDUAL_DATE_OF_BIRTH>",
            "FROM_YEAR 1955 is after TO_YEAR 1858",
        ),
        (("<FROM_YEAR>1955", "<FROM_YEAR>l955"), "<FROM_YEAR>", "FROM_YEAR is not a year"),
        (("<DATAID>6908426", "<DATAID>111496"), "<ENTITY>", "DATAID 111496 appears twice"),
    ],
)
def test_bad_records_name_file_and_line(
    tmp_path: Path, change: tuple[str, str], needle: str, message: str
) -> None:
    text = MINI.replace(*change)
    path = _write(tmp_path, text)
    with pytest.raises(ListFormatError, match=re.escape(message)) as caught:
        _consume(path)
    assert caught.value.path == str(path)
    assert caught.value.line == _line_of(text, needle)


def test_missing_date_generated_is_refused(tmp_path: Path) -> None:
    text = MINI.replace(' dateGenerated="2018-06-07T19:03:43.97-04:00"', "")
    with pytest.raises(ListFormatError, match="no dateGenerated"):
        parse(_write(tmp_path, text))


def test_xml_entities_are_never_expanded(tmp_path: Path) -> None:
    # An entity in a list file is an attack (XXE, entity bombs), not data: it is left unexpanded,
    # and the file refused at the reference (it used to cut the text it stood in).
    text = MINI.replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY boom "BOOM">]>',
    ).replace("AL MOUAKAOUNE BIDDAM", "&boom;")
    with pytest.raises(ListFormatError, match="entity reference &boom; in <FIRST_NAME>"):
        _consume(_write(tmp_path, text))
