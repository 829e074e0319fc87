"""OFAC XML parsers: the `sdnList` format on the real 2018 consolidated.xml (checked against the
CSV set published with it), and the advanced format on a hand-written document that follows the
published schema (no real advanced file is in shared data)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import date
from functools import cache
from pathlib import Path

import pytest

from clearance.lists import ofac_csv, parse_list
from clearance.lists.errors import ListFormatError
from clearance.lists.ofac_xml import parse
from clearance.lists.ofac_xml_shared import mine_clause, unwrap_links
from clearance.model import (
    Address,
    Entry,
    EntryType,
    Identifier,
    ListSource,
    Name,
    NameKind,
    Relation,
)

CONS_2018 = "ofac/consolidated/2018-04-06"


@cache
def _entries(path: Path) -> dict[str, Entry]:
    return {entry.source_id: entry for entry in parse(path).entries}


def consolidated(lists_dir: Path) -> dict[str, Entry]:
    return _entries(lists_dir / CONS_2018 / "consolidated.xml")


def test_consolidated_2018_count_date_and_checksum(lists_dir: Path) -> None:
    path = lists_dir / CONS_2018 / "consolidated.xml"
    parsed = parse(path)
    assert parsed.source is ListSource.OFAC_CONS
    assert parsed.published == date(2018, 4, 6)
    assert parsed.files == (str(path),)
    assert parsed.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert isinstance(parsed.entries, Iterator)
    entries = list(parsed.entries)
    assert len(entries) == 639
    types = {t: sum(1 for e in entries if e.type is t) for t in EntryType}
    assert types[EntryType.ORGANIZATION] + types[EntryType.PERSON] + types[EntryType.VESSEL] == 639
    assert types[EntryType.VESSEL] == 74  # one per vesselInfo


def test_parse_list_detects_the_xml_and_dispatches_here(lists_dir: Path) -> None:
    parsed = parse_list(lists_dir / CONS_2018 / "consolidated.xml")
    assert parsed.source is ListSource.OFAC_CONS
    assert parsed.published == date(2018, 4, 6)
    assert sum(1 for _ in parsed.entries) == 639


def test_person_with_date_range_passport_and_title(lists_dir: Path) -> None:
    entry = consolidated(lists_dir)["15960"]
    assert entry.type is EntryType.PERSON
    assert entry.names == (
        Name("GHALEBANI, Ahmad", NameKind.PRIMARY, "Latn", first="Ahmad", last="GHALEBANI"),
        Name("GHALEHBANI, Ahmad", NameKind.AKA, "Latn", first="Ahmad", last="GHALEHBANI"),
        Name("QALEHBANI, Ahmad", NameKind.AKA, "Latn", first="Ahmad", last="QALEHBANI"),
    )
    assert entry.programs == ("IRAN",)
    assert entry.birth_dates == ("1953", "1954")  # "01 Jan 1953 to 31 Dec 1954"
    assert entry.identifiers == (Identifier("Passport", "H20676140", "IR"),)
    assert entry.properties["title"] == (
        "Managing Director, National Iranian Oil Company; Director, Hong Kong Intertrade "
        "Company; Director, Petro Suisse Intertrade Company",
    )
    # The `;` inside this idList value is not a clause break: the statement stays whole.
    assert entry.properties["additional_sanctions_information"] == (
        "Not on the SDN List and Not Subject to Secondary Sanctions; U.S. Persons Must Continue "
        "to Block the Property and Interests in Property of this Person Pursuant to Executive "
        "Order 13599",
    )
    assert entry.properties["information_link"] == (
        "https://www.treasury.gov/resource-center/sanctions/Programs/Documents/jcpoa_faqs.pdf",
    )


def test_vessel_with_former_names_identifiers_and_link(lists_dir: Path) -> None:
    entry = consolidated(lists_dir)["15056"]
    assert entry.type is EntryType.VESSEL
    assert [(n.name, n.kind) for n in entry.names] == [
        ("HONESTY", NameKind.PRIMARY),
        ("HIRMAND", NameKind.FKA),
        ("HONESTY", NameKind.FKA),
        ("MILLIONAIRE", NameKind.FKA),
    ]
    assert set(entry.identifiers) == {Identifier("MMSI", "572450210"), Identifier("IMO", "9357391")}
    assert entry.relations == (Relation("linked_to", "NATIONAL IRANIAN TANKER COMPANY", "15117"),)
    assert entry.remarks == "(Linked To: NATIONAL IRANIAN TANKER COMPANY)"
    props = entry.properties
    assert props["call_sign"] == ("T2DZ4",)
    assert props["vessel_type"] == ("Crude Oil Tanker",)
    assert props["vessel_flag"] == ("None Identified",)
    assert props["tonnage"] == ("317356",)
    assert props["gross_tonnage"] == ("163660",)
    assert set(props["former_vessel_flag"]) == {"Cyprus", "Tanzania", "Tuvalu"}


def test_entity_addresses_and_nested_link(lists_dir: Path) -> None:
    entry = consolidated(lists_dir)["11318"]
    assert entry.type is EntryType.ORGANIZATION
    assert entry.addresses == (
        Address(
            street="41, 1st Floor, International House, The Parade",
            city="St Helier",
            postal_code="JE2 3QQ",
            country="Jersey",
            country_code="JE",
        ),
        Address(
            street="Petro Pars Building, Saadat Abad Ave, No 35, Farhang Blvd",
            city="Tehran",
            country="Iran",
            country_code="IR",
        ),
    )
    assert entry.countries == ("JE", "IR")
    # "(Linked To: NIOC INTERNATIONAL AFFAIRS (LONDON) LIMITED)": parentheses nest.
    assert entry.relations == (
        Relation("linked_to", "NIOC INTERNATIONAL AFFAIRS (LONDON) LIMITED", "11639"),
    )
    assert entry.properties["notes"] == ("all offices worldwide",)


def test_weak_alias(lists_dir: Path) -> None:
    entry = consolidated(lists_dir)["15719"]
    assert Name("KLIMT, Gustav", NameKind.WEAK, "Latn") in entry.names
    assert entry.birth_dates == ("1963-10-14",)


def _same_quotes(name: str) -> str:
    # The CSV turns a name's double quotes into single ones (it quotes fields with `"`).
    return name.replace('"', "'")


def test_agrees_with_the_csv_set_published_with_it(lists_dir: Path) -> None:
    """Both formats of the same publication: equal wherever they carry the same data.

    Known, expected differences (not compared): `remarks` (the CSV packs every fact into it,
    the XML keeps only free text), address parts (the CSV joins city, state and postal code),
    and `properties["notes"]` (the CSV splits statements at every `;`).
    """
    xml = consolidated(lists_dir)
    csv = {e.source_id: e for e in ofac_csv.parse(lists_dir / CONS_2018).entries}
    assert set(xml) == set(csv)
    for source_id, from_xml in xml.items():
        from_csv = csv[source_id]
        assert from_xml.type is from_csv.type, source_id
        assert set(from_xml.programs) == set(from_csv.programs), source_id
        assert {(_same_quotes(n.name), n.kind, n.first, n.last) for n in from_xml.names} == {
            (_same_quotes(n.name), n.kind, n.first, n.last) for n in from_csv.names
        }, source_id
        assert set(from_xml.identifiers) == set(from_csv.identifiers), source_id
        assert set(from_xml.birth_dates) == set(from_csv.birth_dates), source_id
        assert from_xml.birth_places == from_csv.birth_places, source_id
        assert set(from_xml.countries) == set(from_csv.countries), source_id
        assert set(from_xml.relations) == set(from_csv.relations), source_id
        assert [a.country_code for a in from_xml.addresses] == [
            a.country_code for a in from_csv.addresses
        ], source_id
        assert set(from_xml.properties) - {"notes"} == set(from_csv.properties) - {"notes"}


def test_mine_clause_keeps_semicolons_inside_one_value() -> None:
    facts = mine_clause("Additional Sanctions Information - first part; second part")
    assert facts.properties == {"additional_sanctions_information": ("first part; second part",)}
    facts = mine_clause("Passport A;1 (Iran) issued 10 Jul 1991")
    assert facts.identifiers == (Identifier("Passport", "A;1", "IR", "issued 10 Jul 1991"),)


def test_unwrap_links() -> None:
    assert unwrap_links("x; (Linked To: A (B) C)") == "x; Linked To: A (B) C"
    assert unwrap_links("(Linked To: A); (Linked To: B)") == "Linked To: A; Linked To: B"
    assert unwrap_links("cut (Linked To: A (B") == "cut (Linked To: A (B"


# --- sdnList bad input -----------------------------------------------------------------------

TEMPURI = "http://tempuri.org/sdnList.xsd"
SLS_XML = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/XML"

SDN_MINI = f"""<?xml version="1.0" standalone="yes"?>
<sdnList xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="{TEMPURI}">
  <publshInformation>
    <Publish_Date>04/06/2018</Publish_Date>
    <Record_Count>2</Record_Count>
  </publshInformation>
  <sdnEntry>
    <uid>15960</uid>
    <firstName>Ahmad</firstName>
    <lastName>GHALEBANI</lastName>
    <sdnType>Individual</sdnType>
    <programList>
      <program>IRAN</program>
    </programList>
    <idList>
      <id>
        <uid>13535</uid>
        <idType>Passport</idType>
        <idNumber>H20676140</idNumber>
        <idCountry>Iran</idCountry>
      </id>
    </idList>
    <dateOfBirthList>
      <dateOfBirthItem>
        <uid>13534</uid>
        <dateOfBirth>01 Jan 1953 to 31 Dec 1954</dateOfBirth>
        <mainEntry>true</mainEntry>
      </dateOfBirthItem>
    </dateOfBirthList>
  </sdnEntry>
  <sdnEntry>
    <uid>15117</uid>
    <lastName>NATIONAL IRANIAN TANKER COMPANY</lastName>
    <sdnType>Entity</sdnType>
    <remarks>(Linked To: GHALEBANI, Ahmad)</remarks>
    <programList>
      <program>IRAN</program>
    </programList>
  </sdnEntry>
</sdnList>
"""


def _write(tmp_path: Path, text: str, name: str = "consolidated.xml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def _consume(path: Path) -> list[Entry]:
    return list(parse(path).entries)


def test_the_mini_document_is_valid_in_both_namespaces(tmp_path: Path) -> None:
    got = _consume(_write(tmp_path, SDN_MINI))
    assert [e.source_id for e in got] == ["15960", "15117"]
    assert got[0].birth_dates == ("1953", "1954")
    assert got[1].relations == (Relation("linked_to", "GHALEBANI, Ahmad", "15960"),)
    # The Sanctions List Service's sdn.xml: same layout, another namespace; an SDN file name.
    path = _write(tmp_path, SDN_MINI.replace(TEMPURI, SLS_XML), name="sdn.xml")
    parsed = parse(path)
    assert parsed.source is ListSource.OFAC_SDN
    assert [e.source_id for e in parsed.entries] == ["15960", "15117"]


def test_truncated_real_file_fails_while_iterating(lists_dir: Path, tmp_path: Path) -> None:
    data = (lists_dir / CONS_2018 / "consolidated.xml").read_bytes()
    half = data[: len(data) // 2]
    path = tmp_path / "consolidated.xml"
    path.write_bytes(half)
    parsed = parse(path)
    with pytest.raises(ListFormatError) as caught:
        list(parsed.entries)
    assert caught.value.path == str(path)
    assert caught.value.line is not None and caught.value.line >= half.count(b"\n")


def test_record_count_mismatch_names_the_count_line(tmp_path: Path) -> None:
    text = SDN_MINI.replace("<Record_Count>2<", "<Record_Count>3<")
    path = _write(tmp_path, text)
    with pytest.raises(ListFormatError, match="Record_Count is 3 but the file holds 2") as caught:
        _consume(path)
    assert caught.value.line == _line_of(text, "<Record_Count>")


def test_malformed_xml_names_the_line(tmp_path: Path) -> None:
    text = SDN_MINI.replace("</sdnType>\n    <remarks>", "</sdnTyp>\n    <remarks>")
    with pytest.raises(ListFormatError, match="malformed XML") as caught:
        _consume(_write(tmp_path, text))
    assert caught.value.line == _line_of(text, "</sdnTyp>")


def test_wrong_root_is_refused_at_parse(tmp_path: Path) -> None:
    path = _write(tmp_path, SDN_MINI.replace("sdnList", "sdnListe"))
    with pytest.raises(ListFormatError, match="not an OFAC sdnList") as caught:
        parse(path)
    assert caught.value.line == 2
    other_namespace = _write(tmp_path, SDN_MINI.replace(TEMPURI, "urn:example"), "x.xml")
    with pytest.raises(ListFormatError, match="not an OFAC sdnList"):
        parse(other_namespace)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("04/06/2018", "13/45/2018"), "not a valid date: '13/45/2018'"),
        (("04/06/2018", "2018-04-06"), "not a mm/dd/yyyy date"),
        (("<Record_Count>2<", "<Record_Count>two<"), "Record_Count is not a number"),
    ],
)
def test_bad_header_is_refused_at_parse(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    text = SDN_MINI.replace(*change)
    with pytest.raises(ListFormatError, match=re.escape(message)) as caught:
        parse(_write(tmp_path, text))
    assert caught.value.line == _line_of(text, change[1])


def test_missing_header_is_refused(tmp_path: Path) -> None:
    text = re.sub(r"<publshInformation>.*?</publshInformation>", "", SDN_MINI, flags=re.S)
    with pytest.raises(ListFormatError, match="no publshInformation"):
        parse(_write(tmp_path, text))


SECOND_ENTRY = ("<sdnEntry>", 2)
DATE_OF_BIRTH = ("<dateOfBirth>", 1)


@pytest.mark.parametrize(
    ("change", "where", "message"),
    [
        (("<uid>15117</uid>", ""), SECOND_ENTRY, "sdnEntry without uid"),
        (("<uid>15117</uid>", "<uid>15l17</uid>"), SECOND_ENTRY, "uid is not a number"),
        (("<uid>15117</uid>", "<uid>15960</uid>"), SECOND_ENTRY, "uid 15960 appears twice"),
        (("<sdnType>Entity<", "<sdnType>Ship<"), SECOND_ENTRY, "unknown sdnType 'Ship'"),
        (("01 Jan 1953 to", "01 Jnu 1953 to"), DATE_OF_BIRTH, "not a date of birth"),
        (("01 Jan 1953 to", "31 Feb 1953 to"), DATE_OF_BIRTH, "not a date of birth"),
    ],
)
def test_bad_entries_name_file_and_line(
    tmp_path: Path, change: tuple[str, str], where: tuple[str, int], message: str
) -> None:
    text = SDN_MINI.replace(*change)
    path = _write(tmp_path, text)
    with pytest.raises(ListFormatError, match=re.escape(message)) as caught:
        _consume(path)
    assert caught.value.path == str(path)
    needle, occurrence = where
    position = -1
    for _ in range(occurrence):
        position = text.index(needle, position + 1)
    assert caught.value.line == text[:position].count("\n") + 1


# --- advanced XML ----------------------------------------------------------------------------

ADVANCED_NS = (
    "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ADVANCED_XML"
)


def _period(start: tuple[int, int, int], end: tuple[int, int, int]) -> str:
    """A DatePeriod as OFAC writes one: Start and End boundaries, each a From/To range."""

    def point(tag: str, ymd: tuple[int, int, int]) -> str:
        y, m, d = ymd
        return f"<{tag}><Year>{y}</Year><Month>{m}</Month><Day>{d}</Day></{tag}>"

    flags = 'Approximate="false" YearFixed="false" MonthFixed="false" DayFixed="false"'
    return (
        '<DatePeriod CalendarTypeID="1" YearFixed="false" MonthFixed="false" DayFixed="false">'
        f"<Start {flags}>{point('From', start)}{point('To', start)}</Start>"
        f"<End {flags}>{point('From', end)}{point('To', end)}</End></DatePeriod>"
    )


def _name_part(group: int, text: str, script: int = 215) -> str:
    return (
        f'<DocumentedNamePart><NamePartValue NamePartGroupID="{group}" ScriptID="{script}" '
        f'ScriptStatusID="1" Acronym="false">{text}</NamePartValue></DocumentedNamePart>'
    )


def _alias(
    ref: int, alias_type: int, parts: str, *, primary: bool = False, low: bool = False
) -> str:
    return (
        f'<Alias FixedRef="{ref}" AliasTypeID="{alias_type}" Primary="{str(primary).lower()}" '
        f'LowQuality="{str(low).lower()}"><DocumentedName ID="{ref}{alias_type}" '
        f'FixedRef="{ref}" DocNameStatusID="1">{parts}</DocumentedName></Alias>'
    )


def _feature(feature_id: int, type_id: int, identity: int, body: str) -> str:
    return (
        f'<Feature ID="{feature_id}" FeatureTypeID="{type_id}"><FeatureVersion '
        f'ID="{feature_id}" ReliabilityID="1">{body}</FeatureVersion>'
        f'<IdentityReference IdentityID="{identity}" IdentityFeatureLinkTypeID="1"/></Feature>'
    )


def _groups(*pairs: tuple[int, int]) -> str:
    inner = "".join(f'<NamePartGroup ID="{g}" NamePartTypeID="{t}"/>' for g, t in pairs)
    return f"<NamePartGroups><MasterNamePartGroup>{inner}</MasterNamePartGroup></NamePartGroups>"


def _measure(measure_id: int, type_id: int, comment: str = "") -> str:
    comment_xml = f"<Comment>{comment}</Comment>" if comment else ""
    return (
        f'<SanctionsMeasure ID="{measure_id}" SanctionsTypeID="{type_id}">{comment_xml}'
        '<DatePeriod CalendarTypeID="1" YearFixed="false" MonthFixed="false" DayFixed="false"/>'
        "</SanctionsMeasure>"
    )


def _location_part(type_id: int, value: str) -> str:
    return (
        f'<LocationPart LocPartTypeID="{type_id}"><LocationPartValue Primary="true" '
        f'LocPartValueTypeID="1" LocPartValueStatusID="1"><Value>{value}</Value>'
        "</LocationPartValue></LocationPart>"
    )


def _values(set_name: str, tag: str, *items: tuple[int, str] | tuple[int, str, str]) -> str:
    """One reference value set: `(ID, text)` or `(ID, text, extra attributes)` per value."""
    lines = [
        f'<{tag} ID="{item[0]}"{" " + item[2] if len(item) > 2 else ""}>{item[1]}</{tag}>'
        for item in items
    ]
    return f"<{set_name}Values>" + "\n".join(lines) + f"</{set_name}Values>" if lines else ""


def _empty(*set_names: str) -> str:
    return "".join(f"<{name}Values/>" for name in set_names)


def _event(event_id: int, ymd: tuple[int, int, int], basis: str = "") -> str:
    y, m, d = ymd
    return (
        f'<EntryEvent ID="{event_id}" EntryEventTypeID="1"{basis}>\n<Date CalendarTypeID="1">'
        f"<Year>{y}</Year><Month>{m}</Month><Day>{d}</Day></Date></EntryEvent>"
    )


def _detail(text: str) -> str:
    return f'<VersionDetail DetailTypeID="1432">{text}</VersionDetail>'


def _lookup(reference_id: int) -> str:
    return f'<VersionDetail DetailTypeID="1430" DetailReferenceID="{reference_id}"/>'


REFERENCE_VALUES = "\n".join(
    [
        _values(
            "AliasType", "AliasType", (1400, "A.K.A."), (1401, "F.K.A."), (1402, "N.K.A.")
        ).replace(
            "</AliasTypeValues>", '\n<AliasType ID="1403">Name</AliasType></AliasTypeValues>'
        ),
        _empty("AreaCode", "AreaCodeType"),
        _values("CalendarType", "CalendarType", (1, "Gregorian")),
        _values(
            "Country", "Country", (11089, "Russia", 'ISO2="RU"'), (11101, "Panama", 'ISO2="PA"')
        ),
        _empty("CountryRelevance", "DecisionMakingBody"),
        _values("DetailReference", "DetailReference", (91526, "Male"), (1298, "Crude Oil Tanker")),
        _values("DetailType", "DetailType", (1430, "LOOKUP"), (1432, "TEXT")),
        _empty("DocNameStatus"),
        _values("EntryEventType", "EntryEventType", (1, "Created")),
        _empty("EntryLinkType", "ExRefType"),
        _values(
            "FeatureType",
            "FeatureType",
            *[
                (type_id, label, f'FeatureTypeGroupID="{group}"')
                for type_id, label, group in (
                    (1, "Vessel Call Sign", 1),
                    (2, "VESSEL TYPE", 1),
                    (3, "Vessel Flag", 1),
                    (6, "Vessel Gross Registered Tonnage", 1),
                    (8, "Birthdate", 2),
                    (9, "Place of Birth", 2),
                    (10, "Nationality Country", 2),
                    (14, "Website", 3),
                    (25, "Location", 4),
                    (26, "Title", 2),
                    (224, "Gender", 2),
                    (344, "Digital Currency Address - XBT", 3),
                    (504, "Secondary sanctions risk:", 3),
                    (646, "Organization Established Date", 3),
                )
            ],
        ),
        _empty("FeatureTypeGroup"),
        _values(
            "IDRegDocDateType", "IDRegDocDateType", (1480, "Issue Date"), (1481, "Expiration Date")
        ),
        _values(
            "IDRegDocType",
            "IDRegDocType",
            (1571, "Passport"),
            (1626, "Vessel Registration Identification"),
        ),
        _empty("IdentityFeatureLinkType"),
        _values(
            "LegalBasis",
            "LegalBasis",
            (
                1813,
                "Executive Order 14024 (Russia)",
                'LegalBasisShortRef="EO 14024" LegalBasisTypeID="1" SanctionsProgramID="1"',
            ),
        ),
        _empty("LegalBasisType"),
        _values("List", "List", (1550, "SDN List")),
        _values(
            "LocPartType", "LocPartType", (1451, "ADDRESS1"), (1454, "CITY"), (1456, "POSTAL CODE")
        ),
        _empty("LocPartValueStatus", "LocPartValueType"),
        _values(
            "NamePartType",
            "NamePartType",
            (1520, "Last Name"),
            (1521, "First Name"),
            (1522, "Middle Name"),
            (1525, "Entity Name"),
            (1526, "Vessel Name"),
        ),
        _empty("Organisation"),
        _values(
            "PartySubType",
            "PartySubType",
            (1, "Vessel", 'PartyTypeID="4"'),
            (2, "Aircraft", 'PartyTypeID="4"'),
            (3, "Unknown", 'PartyTypeID="2"'),
            (4, "Unknown", 'PartyTypeID="1"'),
        ),
        _values("PartyType", "PartyType", (1, "Individual"), (2, "Entity"), (4, "Transport")),
        _empty("RelationQuality"),
        _values("RelationType", "RelationType", (1555, "Linked To", 'Symmetrical="false"')),
        _values("Reliability", "Reliability", (1, "Reliable")),
        _empty("SanctionsProgram"),
        _values("SanctionsType", "SanctionsType", (1, "Program"), (1705, "Block")),
        _values(
            "Script",
            "Script",
            (215, "Latin", 'ScriptCode="Latn"'),
            (220, "Cyrillic", 'ScriptCode="Cyrl"'),
        ),
        _empty("ScriptStatus", "SubsidiaryBody", "SupInfoType", "TargetType", "Validity"),
    ]
)

FSB_SECONDARY = "Ukraine-/Russia-Related Sanctions Regulations, 31 CFR 589.201"
BTC_ADDRESS = "1F1tAaz5x1HUXrCNLbtMDqcw6o5GNn4xqX"
RELATIONSHIP = (
    '<ProfileRelationship ID="1" From-ProfileID="31126" To-ProfileID="21344" '
    'RelationTypeID="1555" RelationQualityID="1" Former="false" SanctionsEntryID="31126"/>'
)

# Three parties written after the schema (sdn_advanced.xsd) with OFAC's reference values: the
# FSB (entity, Cyrillic name, weak alias, address, website), BORTNIKOV (person whose name
# parts are not in `LAST, First` order, exact and year-range birth dates, passport, linked to
# the FSB), and a vessel (IMO number, vessel features).
ADVANCED_SAMPLE = f"""<?xml version="1.0" encoding="utf-8"?>
<Sanctions xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="{ADVANCED_NS}">
<DateOfIssue CalendarTypeID="1"><Year>2024</Year><Month>5</Month><Day>3</Day></DateOfIssue>
<ReferenceValueSets>
{REFERENCE_VALUES}
</ReferenceValueSets>
<Locations>
<Location ID="501"><LocationCountry CountryID="11089" CountryRelevanceID="1"/>
{_location_part(1451, "Lubyanskaya Ploschad, Dom 2")}
{_location_part(1454, "Moscow")}
{_location_part(1456, "107031")}
</Location>
<Location ID="502"><LocationCountry CountryID="11089" CountryRelevanceID="1"/></Location>
</Locations>
<IDRegDocuments>
<IDRegDocument ID="9001" IDRegDocTypeID="1571" IdentityID="4002" IssuedBy-CountryID="11089">
<IDRegistrationNo>7123456</IDRegistrationNo>
<DocumentDate IDRegDocDateTypeID="1480">
{_period((2015, 3, 10), (2015, 3, 10))}
</DocumentDate>
</IDRegDocument>
<IDRegDocument ID="9002" IDRegDocTypeID="1626" IdentityID="4003">
<IDRegistrationNo>IMO 9187629</IDRegistrationNo></IDRegDocument>
</IDRegDocuments>
<DistinctParties>
<DistinctParty FixedRef="21344"><Profile ID="21344" PartySubTypeID="3">
<Identity ID="4001" FixedRef="21344" Primary="true" False="false">
{_alias(21344, 1403, _name_part(11, "FEDERAL SECURITY SERVICE"), primary=True)}
{_alias(21344, 1400, _name_part(11, "FEDERALNAYA SLUZHBA BEZOPASNOSTI"))}
{_alias(21344, 1400, _name_part(11, "FSB"), low=True)}
{_alias(21345, 1400, _name_part(11, "ФЕДЕРАЛЬНАЯ СЛУЖБА БЕЗОПАСНОСТИ", 220))}
{_groups((11, 1525))}
</Identity>
{_feature(1, 25, 4001, '<VersionLocation LocationID="501"/>')}
{_feature(2, 14, 4001, _detail("www.fsb.ru"))}
{_feature(3, 646, 4001, _period((1994, 1, 1), (1994, 12, 31)))}
{_feature(4, 504, 4001, _detail(FSB_SECONDARY))}
</Profile></DistinctParty>
<DistinctParty FixedRef="31126"><Comment>Bortnikov heads the FSB.</Comment>
<Profile ID="31126" PartySubTypeID="4">
<Identity ID="4002" FixedRef="31126" Primary="true" False="false">
{
    _alias(
        31126,
        1403,
        _name_part(21, "Aleksandr") + _name_part(22, "Vasilievich") + _name_part(20, "BORTNIKOV"),
        primary=True,
    )
}
{_alias(31126, 1401, _name_part(21, "Alexander") + _name_part(20, "BORTNIKOV"))}
{_groups((20, 1520), (21, 1521), (22, 1522))}
</Identity>
{_feature(11, 8, 4002, _period((1951, 11, 15), (1951, 11, 15)))}
{_feature(12, 8, 4002, _period((1950, 1, 1), (1952, 12, 31)))}
{_feature(13, 9, 4002, _detail("Molotov, Russia"))}
{_feature(14, 10, 4002, '<VersionLocation LocationID="502"/>')}
{_feature(15, 224, 4002, _lookup(91526))}
{_feature(16, 26, 4002, _detail("Director of the FSB"))}
{_feature(17, 344, 4002, _detail(BTC_ADDRESS))}
</Profile></DistinctParty>
<DistinctParty FixedRef="9640"><Profile ID="9640" PartySubTypeID="1">
<Identity ID="4003" FixedRef="9640" Primary="true" False="false">
{_alias(9640, 1403, _name_part(31, "MAR AZUL"), primary=True)}
{_alias(9640, 1401, _name_part(31, "BLUE SEA"))}
{_groups((31, 1526))}
</Identity>
{_feature(21, 1, 4003, _detail("H3RB"))}
{_feature(22, 2, 4003, _lookup(1298))}
{_feature(23, 3, 4003, _detail("Panama"))}
{_feature(24, 6, 4003, _detail("56068"))}
</Profile></DistinctParty>
</DistinctParties>
<ProfileRelationships>
{RELATIONSHIP}
</ProfileRelationships>
<SanctionsEntries>
<SanctionsEntry ID="21344" ProfileID="21344" ListID="1550">
{_event(1, (2016, 12, 29), ' LegalBasisID="1813"')}
{_event(2, (2022, 6, 28))}
{_measure(1, 1705)}
{_measure(2, 1, "CYBER2")}
{_measure(3, 1, "CAATSA - RUSSIA")}
{_measure(4, 1, "RUSSIA-EO14024")}
</SanctionsEntry>
<SanctionsEntry ID="31126" ProfileID="31126" ListID="1550">
{_event(3, (2021, 3, 2))}
{_measure(5, 1, "CYBER2")}
</SanctionsEntry>
<SanctionsEntry ID="9640" ProfileID="9640" ListID="1550">
{_event(4, (2010, 6, 16))}
{_measure(6, 1, "IRAN")}
</SanctionsEntry>
</SanctionsEntries>
<SanctionsEntryLinks/>
</Sanctions>
"""


def _advanced(tmp_path: Path, text: str = ADVANCED_SAMPLE, name: str = "sdn_advanced.xml") -> Path:
    return _write(tmp_path, text, name)


def test_advanced_sample_is_dispatched_and_parsed(tmp_path: Path) -> None:
    path = _advanced(tmp_path)
    parsed = parse(path)  # ofac_xml.parse hands the advanced format over
    assert parsed.source is ListSource.OFAC_SDN
    assert parsed.published == date(2024, 5, 3)
    entries = {e.source_id: e for e in parsed.entries}
    assert list(entries) == ["21344", "31126", "9640"]
    # parse_list detects it from the namespace, as an SDN file by its name.
    assert sum(1 for _ in parse_list(path).entries) == 3


def test_advanced_entity(tmp_path: Path) -> None:
    fsb = {e.source_id: e for e in parse(_advanced(tmp_path)).entries}["21344"]
    assert fsb.type is EntryType.ORGANIZATION
    assert fsb.names == (
        Name("FEDERAL SECURITY SERVICE", NameKind.PRIMARY, "Latn"),
        Name("FEDERALNAYA SLUZHBA BEZOPASNOSTI", NameKind.AKA, "Latn"),
        Name("FSB", NameKind.WEAK, "Latn"),
        Name("ФЕДЕРАЛЬНАЯ СЛУЖБА БЕЗОПАСНОСТИ", NameKind.AKA, "Cyrl"),
    )
    assert fsb.programs == ("CYBER2", "CAATSA - RUSSIA", "RUSSIA-EO14024")
    assert fsb.listed_on == date(2016, 12, 29)
    assert fsb.addresses == (
        Address(
            street="Lubyanskaya Ploschad, Dom 2",
            city="Moscow",
            postal_code="107031",
            country="Russia",
            country_code="RU",
        ),
    )
    assert fsb.countries == ("RU",)
    assert fsb.properties["website"] == ("www.fsb.ru",)
    assert fsb.properties["organization_established_date"] == ("1994",)
    assert fsb.properties["secondary_sanctions_risk"] == (
        "Ukraine-/Russia-Related Sanctions Regulations, 31 CFR 589.201",
    )
    assert fsb.properties["list"] == ("SDN List",)
    assert fsb.properties["legal_basis"] == ("EO 14024",)
    assert fsb.properties["sanctions_measure"] == ("Block",)


def test_advanced_person(tmp_path: Path) -> None:
    person = {e.source_id: e for e in parse(_advanced(tmp_path)).entries}["31126"]
    assert person.type is EntryType.PERSON
    assert person.names == (
        Name(
            "BORTNIKOV, Aleksandr Vasilievich",
            NameKind.PRIMARY,
            "Latn",
            first="Aleksandr Vasilievich",
            last="BORTNIKOV",
        ),
        Name("BORTNIKOV, Alexander", NameKind.FKA, "Latn", first="Alexander", last="BORTNIKOV"),
    )
    # An exact date, then a range from 1 Jan 1950 to 31 Dec 1952: every year of it.
    assert person.birth_dates == ("1951-11-15", "1950", "1951", "1952")
    assert person.birth_places == ("Molotov, Russia",)
    assert person.countries == ("RU",)
    assert person.identifiers == (Identifier("Passport", "7123456", "RU", "issued 2015-03-10"),)
    assert person.properties["gender"] == ("Male",)
    assert person.properties["title"] == ("Director of the FSB",)
    assert person.properties["digital_currency_address"] == (
        "XBT 1F1tAaz5x1HUXrCNLbtMDqcw6o5GNn4xqX",
    )
    assert person.relations == (Relation("linked_to", "FEDERAL SECURITY SERVICE", "21344"),)
    assert person.remarks == "Bortnikov heads the FSB."
    assert person.listed_on == date(2021, 3, 2)


def test_advanced_vessel(tmp_path: Path) -> None:
    vessel = {e.source_id: e for e in parse(_advanced(tmp_path)).entries}["9640"]
    assert vessel.type is EntryType.VESSEL
    assert [(n.name, n.kind) for n in vessel.names] == [
        ("MAR AZUL", NameKind.PRIMARY),
        ("BLUE SEA", NameKind.FKA),
    ]
    assert vessel.identifiers == (Identifier("IMO", "9187629"),)
    assert vessel.properties["call_sign"] == ("H3RB",)
    assert vessel.properties["vessel_type"] == ("Crude Oil Tanker",)
    assert vessel.properties["vessel_flag"] == ("Panama",)
    assert vessel.properties["gross_tonnage"] == ("56068",)
    assert vessel.programs == ("IRAN",)


def test_advanced_older_namespace_and_consolidated_name(tmp_path: Path) -> None:
    text = ADVANCED_SAMPLE.replace(ADVANCED_NS, "http://www.un.org/sanctions/1.0")
    parsed = parse(_advanced(tmp_path, text, "cons_advanced.xml"))
    assert parsed.source is ListSource.OFAC_CONS
    assert [e.source_id for e in parsed.entries] == ["21344", "31126", "9640"]


def test_advanced_delta_files_are_refused(tmp_path: Path) -> None:
    text = ADVANCED_SAMPLE.replace(
        f'xmlns="{ADVANCED_NS}"', f'xmlns="{ADVANCED_NS}" DeltaBaseVersion="7"'
    )
    with pytest.raises(ListFormatError, match="delta file"):
        parse(_advanced(tmp_path, text))


@pytest.mark.parametrize(
    ("change", "needle", "message"),
    [
        (
            ('FeatureTypeID="224"', 'FeatureTypeID="225"'),
            'FeatureTypeID="225"',
            "unknown FeatureType reference '225'",
        ),
        (
            ('<DistinctParty FixedRef="9640">', "<DistinctParty>"),
            "<DistinctParty>",
            "DistinctParty without FixedRef",
        ),
        (
            ('<DistinctParty FixedRef="9640">', '<DistinctParty FixedRef="21344">'),
            '<DistinctParty FixedRef="21344"><Profile ID="9640"',
            "FixedRef 21344 appears twice",
        ),
        (
            (
                "<Year>1951</Year><Month>11</Month><Day>15</Day>",
                "<Year>1951</Year><Month>11</Month><Day>31</Day>",
            ),
            "<Month>11</Month><Day>31</Day>",
            "not a date: '1951-11-31'",
        ),
        (
            ('PartySubTypeID="1">', 'PartySubTypeID="7">'),
            'PartySubTypeID="7"',
            "unknown PartySubType reference '7'",
        ),
    ],
)
def test_advanced_bad_input_names_the_line(
    tmp_path: Path, change: tuple[str, str], needle: str, message: str
) -> None:
    text = ADVANCED_SAMPLE.replace(*change, 1)
    path = _advanced(tmp_path, text)
    with pytest.raises(ListFormatError, match=re.escape(message)) as caught:
        list(parse(path).entries)
    assert caught.value.path == str(path)
    assert caught.value.line == _line_of(text, needle)


def test_advanced_truncated_fails_while_iterating(tmp_path: Path) -> None:
    data = ADVANCED_SAMPLE.encode()
    path = tmp_path / "sdn_advanced.xml"
    path.write_bytes(data[: len(data) * 2 // 3])
    parsed = parse(path)
    with pytest.raises(ListFormatError, match="malformed XML"):
        list(parsed.entries)
