"""The OFAC remarks miner on real remark strings, and country-name resolution.

The remark strings below are copied verbatim from sdn.csv files in shared data (entity number
and set noted); the last tests run the miner over every remarks text of a real set.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from clearance.lists.countries import country_code
from clearance.lists.ofac_remarks import (
    mine_remarks,
    parse_ofac_date,
    split_clauses,
    strip_sentence_period,
)
from clearance.model import Identifier, Name, NameKind, Relation

# 11313 ROBOW, Mukhtar (2024-05-03): `;` inside parentheses, issued/expires, alt. values.
ROBOW = (
    "DOB 1969; alt. DOB 10 Oct 1969; POB Xudur, Somalia; alt. POB Keren, Eritrea; nationality "
    "Eritrea; Passport 0310857 (Eritrea) issued 21 Aug 2006 expires 20 Aug 2008; National ID No. "
    "1372584 (Kenya); (Following data derived from an Eritrean passport issued under the alias "
    "name of Mukhtar Abdullahi Ali: Alt. DOB: 10 October 1969; Alt. POB: Keren Eritrea; "
    "nationality: Eritrean; National ID No.: 1372584, Kenya; Passport No.: 0310857, Eritrea, "
    "Issue Date 21 August 2006, Expire Date 20 August 2008); a.k.a. 'ABU MANSUR'; a.k.a. "
    "'ABU MANSOUR'."
)
# 29702 LIFSHITS, Artem Mikhaylovich (2025-05 sample).
LIFSHITS = (
    "DOB 26 Dec 1992; nationality Russia; Email Address mycryptodeals@yandex.ru; alt. Email "
    "Address artemlv@hotmail.com; Gender Male; Digital Currency Address - XBT "
    "12udabs2TkX7NXCSj6KpqXfakjE52ZPLhz; alt. Digital Currency Address - XBT "
    "1DT3tenf14cxz9WFNxmYrXFbB6TFiVWA9U; Digital Currency Address - ETH "
    "0x901bb9583b24d97e995513c6778dc6888ab6870e; alt. Digital Currency Address - ETH "
    "0xa7e5d5a720f06526557c513402f2e6b5fa20b008; Secondary sanctions risk: Ukraine-/Russia-"
    "Related Sanctions Regulations, 31 CFR 589.201; Phone Number 79110354982; Digital Currency "
    "Address - LTC Leo3j36nn1JcsUQruytQhFUdCdCH5YHMR3; Digital Currency Address - DASH "
    "Xs3vzQmNvAxRa3Xo8XzQqUb3BMgb9EogF4; Passport 719032284."
)
# 11195 IRAN AIRCRAFT MANUFACTURING INDUSTRIAL COMPANY (2025-05 sample).
HESA = (
    "Additional Sanctions Information - Subject to Secondary Sanctions; National ID No. "
    "10100722073 (Iran); Registration Number 26740 (Iran); a.k.a. 'HESA'; a.k.a. 'HTC'; a.k.a. "
    "'IAMI'; a.k.a. 'IAMCO'; a.k.a. 'HAVA PEYMA SAZI-E IRAN'; a.k.a. 'HAVAPEYMA SAZI IRAN'; "
    "a.k.a. 'HAVAPEYMA SAZHRAN'; a.k.a. 'HEVAPEIMASAZI'; a.k.a. 'SHAHIN CO.'; Linked To: MINISTRY "
    "OF DEFENSE AND ARMED FORCES LOGISTICS; Linked To: ISLAMIC REVOLUTIONARY GUARD CORPS."
)
# 40716 IRIS MAKRAN (2025-05 sample).
MAKRAN = (
    "Additional Sanctions Information - Subject to Secondary Sanctions; Vessel Registration "
    "Identification IMO 9486910; a.k.a. 'MAKRAN'."
)
# 44525 BEL-KAP-STEEL LLC (2025-05 sample).
BEL_KAP = (
    "Organization Established Date 1998; Tax ID No. 52-2083095 (United States); Business "
    "Registration Number 0582030 (Connecticut) (United States); alt. Business Registration "
    "Number M99000000961 (Florida) (United States); Linked To: OPEN JOINT STOCK COMPANY "
    "BYELORUSSIAN STEEL WORKS MANAGEMENT COMPANY OF HOLDING BYELORUSSIAN METALLURGICAL COMPANY."
)
# 21344 FEDERAL SECURITY SERVICE (2023-12-28).
FSB_2023 = (
    "Secondary sanctions risk: Ukraine-/Russia-Related Sanctions Regulations, 31 CFR 589.201; "
    "Organization Established Date 1994; Target Type Government Entity; a.k.a. 'FSB'."
)


def test_person_remarks() -> None:
    facts = mine_remarks(ROBOW)
    assert facts.birth_dates == ("1969", "1969-10-10")
    assert facts.birth_places == ("Xudur, Somalia", "Keren, Eritrea")
    assert facts.nationalities == ("ER",)
    assert facts.countries == ("ER",)
    assert facts.identifiers == (
        Identifier("Passport", "0310857", "ER", "issued 21 Aug 2006 expires 20 Aug 2008"),
        Identifier("National ID No.", "1372584", "KE"),
    )
    assert [n.name for n in facts.weak_names] == ["ABU MANSUR", "ABU MANSOUR"]
    # The parenthesized note holds `;` but stays one clause, kept as published.
    (note,) = facts.properties["notes"]
    assert note.startswith("(Following data derived") and note.endswith("20 August 2008)")


def test_cyber_person_remarks() -> None:
    facts = mine_remarks(LIFSHITS)
    assert facts.birth_dates == ("1992-12-26",)
    assert facts.nationalities == ("RU",)
    assert facts.identifiers == (Identifier("Passport", "719032284"),)
    props = facts.properties
    assert props["gender"] == ("Male",)
    assert props["email_address"] == ("mycryptodeals@yandex.ru", "artemlv@hotmail.com")
    assert props["phone"] == ("79110354982",)
    assert props["digital_currency_address"] == (
        "XBT 12udabs2TkX7NXCSj6KpqXfakjE52ZPLhz",
        "XBT 1DT3tenf14cxz9WFNxmYrXFbB6TFiVWA9U",
        "ETH 0x901bb9583b24d97e995513c6778dc6888ab6870e",
        "ETH 0xa7e5d5a720f06526557c513402f2e6b5fa20b008",
        "LTC Leo3j36nn1JcsUQruytQhFUdCdCH5YHMR3",
        "DASH Xs3vzQmNvAxRa3Xo8XzQqUb3BMgb9EogF4",
    )
    assert props["secondary_sanctions_risk"] == (
        "Ukraine-/Russia-Related Sanctions Regulations, 31 CFR 589.201",
    )
    assert "notes" not in props


def test_entity_remarks_with_weak_aliases_and_links() -> None:
    facts = mine_remarks(HESA)
    assert [n.name for n in facts.weak_names][:3] == ["HESA", "HTC", "IAMI"]
    assert Name("SHAHIN CO.", NameKind.WEAK, "Latn") in facts.weak_names
    assert all(n.kind is NameKind.WEAK and n.script == "Latn" for n in facts.weak_names)
    assert facts.relations == (
        Relation("linked_to", "MINISTRY OF DEFENSE AND ARMED FORCES LOGISTICS"),
        Relation("linked_to", "ISLAMIC REVOLUTIONARY GUARD CORPS"),
    )
    assert facts.identifiers == (
        Identifier("National ID No.", "10100722073", "IR"),
        Identifier("Registration Number", "26740", "IR"),
    )
    assert facts.properties == {
        "additional_sanctions_information": ("Subject to Secondary Sanctions",)
    }


def test_vessel_imo_number() -> None:
    facts = mine_remarks(MAKRAN)
    assert facts.identifiers == (Identifier("IMO", "9486910"),)
    assert facts.weak_names == (Name("MAKRAN", NameKind.WEAK, "Latn"),)


def test_identifier_with_a_place_before_its_country() -> None:
    facts = mine_remarks(BEL_KAP)
    assert facts.identifiers == (
        Identifier("Tax ID No.", "52-2083095", "US"),
        Identifier("Business Registration Number", "0582030", "US", "Connecticut"),
        Identifier("Business Registration Number", "M99000000961", "US", "Florida"),
    )
    assert facts.properties["organization_established_date"] == ("1998",)
    (relation,) = facts.relations
    assert relation.target_name.endswith("BYELORUSSIAN METALLURGICAL COMPANY")


def test_fsb_weak_alias_from_the_remarks() -> None:
    facts = mine_remarks(FSB_2023)
    assert facts.weak_names == (Name("FSB", NameKind.WEAK, "Latn"),)
    assert facts.properties == {
        "secondary_sanctions_risk": (
            "Ukraine-/Russia-Related Sanctions Regulations, 31 CFR 589.201",
        ),
        "organization_established_date": ("1994",),
        "target_type": ("Government Entity",),
    }


@pytest.mark.parametrize(
    ("remarks", "dates"),
    [
        ("DOB 10 Dec 1948", ("1948-12-10",)),
        ("DOB 1946", ("1946",)),
        ("DOB Aug 1946", ("1946-08",)),
        ("DOB circa 1951", ("1951",)),  # 11748 and others
        ("alt. DOB circa Mar 1961", ("1961-03",)),
        ("DOB circa 07 Jul 1966", ("1966-07-07",)),
        ("DOB 04 Sep 1957.", ("1957-09-04",)),
        # Ranges: every year, or the shared prefix when both ends fall in one year/month.
        ("DOB 1951 to 1953", ("1951", "1952", "1953")),
        ("DOB 01 Jan 1961 to 31 Dec 1962", ("1961", "1962")),
        ("DOB 26 Sep 1946 to 07 Dec 1946.", ("1946",)),
        ("DOB Mar 1962 to Feb 1963", ("1962", "1963")),  # 23470 SALAVATI
        ("DOB circa 1979-1982; alt. DOB 1982", ("1979", "1980", "1981", "1982")),  # 11748
        ("DOB 01 Jan 1960 to 15 Jan 1960", ("1960-01",)),
        ("DOB 1900 to 1990", ("1900", "1990")),  # too wide to list: the bounds
    ],
)
def test_birth_dates(remarks: str, dates: tuple[str, ...]) -> None:
    assert mine_remarks(remarks).birth_dates == dates


def test_unreadable_birth_date_is_kept_as_a_note() -> None:
    facts = mine_remarks("DOB 31 Feb 1970; DOB sometime in the 1960s")
    assert facts.birth_dates == ()
    assert facts.properties["birth_date_note"] == ("31 Feb 1970", "sometime in the 1960s")


def test_nationality_citizenship_and_unresolved_countries() -> None:
    facts = mine_remarks(
        "nationality Korea, North; citizen Russia; alt. citizen Burma; nationality possibly "
        "Palestinian; Nationality of Registration Korea, North"
    )
    assert facts.nationalities == ("KP",)
    assert facts.citizenships == ("RU", "MM")
    assert facts.countries == ("KP", "RU", "MM")
    assert facts.properties["nationality"] == ("possibly Palestinian",)
    assert facts.properties["nationality_of_registration"] == ("Korea, North",)


def test_labelled_facts_become_snake_case_properties() -> None:
    facts = mine_remarks(
        "Website www.gicdf.org; Email Address info@gicdf.org; Telephone No. (218) (0)214778301; "
        "Fax No. (022) 7363196; Organization Type: Activities of holding companies; Listing "
        "Date (EO 14024 Directive 2): 24 Feb 2022; Executive Order 13662 Directive "
        "Determination - Subject to Directive 2; Aircraft Manufacture Date Sep 1984; Aircraft "
        "Model IL-76TD; Former Vessel Flag Tanzania; Position: Director, General Intelligence "
        "Directorate."
    )
    assert facts.properties == {
        "website": ("www.gicdf.org",),
        "email_address": ("info@gicdf.org",),
        "phone": ("(218) (0)214778301",),
        "fax": ("(022) 7363196",),
        "organization_type": ("Activities of holding companies",),
        "listing_date": ("EO 14024 Directive 2: 2022-02-24",),
        "eo13662_directive_determination": ("Subject to Directive 2",),
        "aircraft_manufacture_date": ("1984-09",),
        "aircraft_model": ("IL-76TD",),
        "former_vessel_flag": ("Tanzania",),
        "position": ("Director, General Intelligence Directorate",),
    }


def test_identifier_kinds_not_in_the_known_list_are_read_from_their_shape() -> None:
    facts = mine_remarks("Ghana Voter Card 12345678 (Ghana); Member of Parliament (Kenya)")
    assert facts.identifiers == (Identifier("Ghana Voter Card", "12345678", "GH"),)
    assert facts.properties["notes"] == ("Member of Parliament (Kenya)",)


def test_unknown_clauses_are_kept_not_dropped() -> None:
    text = (
        "Member of the State Duma of the Federal Assembly of the Russian Federation; ICTY indictee."
    )
    facts = mine_remarks(text)
    assert facts.properties == {
        "notes": (
            "Member of the State Duma of the Federal Assembly of the Russian Federation",
            "ICTY indictee",
        )
    }


@pytest.mark.parametrize(
    "text",
    [
        "",
        ";;;",
        "(",
        ")",
        "((; a",
        "a.k.a. '",
        "a.k.a. ''",
        "Linked To:",
        "DOB",
        "DOB to",
        "Passport",
        "Passport ()",
        "Passport (Iran)",
        "alt.",
        "DOB 1 to",
        "\x00;\u202e;((",
    ],
)
def test_degenerate_remarks_never_raise(text: str) -> None:
    facts = mine_remarks(text)
    assert all(n.name for n in facts.weak_names)
    assert all(i.value for i in facts.identifiers)


def test_none_and_empty_remarks() -> None:
    assert mine_remarks(None) == mine_remarks("") == mine_remarks(" ; ")


def test_split_clauses_respects_parentheses() -> None:
    assert split_clauses("a; b (c; d) e;  f  ") == ["a", "b (c; d) e", "f"]
    # A parenthesis that never closes does not swallow the rest.
    assert split_clauses("a; b (c; d; e") == ["a", "b (c", "d", "e"]


@pytest.mark.parametrize(
    ("text", "stripped"),
    [
        ("HIZBALLAH.", "HIZBALLAH"),
        ("NEW AHMADI LTD.", "NEW AHMADI LTD."),
        ("KPD S.A.", "KPD S.A."),
        ("PERSIAN GULF PETROCHEMICAL INDUSTRY CO.", "PERSIAN GULF PETROCHEMICAL INDUSTRY CO."),
        ("NO PERIOD", "NO PERIOD"),
        ("www.gicdf.org.", "www.gicdf.org"),
        ("https://www.treasury.gov/jcpoa_faqs.pdf.", "https://www.treasury.gov/jcpoa_faqs.pdf"),
    ],
)
def test_strip_sentence_period(text: str, stripped: str) -> None:
    assert strip_sentence_period(text) == stripped


def test_parse_ofac_date() -> None:
    assert parse_ofac_date("25 Sep 2018") == "2018-09-25"
    assert parse_ofac_date("Sep 2018.") == "2018-09"
    assert parse_ofac_date("2018") == "2018"
    assert parse_ofac_date("30 Feb 2018") is None
    assert parse_ofac_date("2018-09-25") is None


# --- over every remarks text of a real set ---------------------------------------------------


@pytest.fixture(scope="module")
def real_remarks(lists_dir: Path) -> list[str]:
    path = lists_dir / "ofac" / "sdn_csv" / "2023-12-28" / "sdn.csv"
    with path.open(encoding="cp1252", newline="") as handle:
        return [row[11] for row in csv.reader(handle) if len(row) == 12 and row[11] != "-0- "]


def test_every_quoted_alias_clause_becomes_a_weak_name(real_remarks: list[str]) -> None:
    alias_clause = re.compile(r"^(?:alt\. )?[afn]\.k\.a\. '")
    for text in real_remarks:
        expected = {
            c.split("'", 1)[1].rsplit("'", 1)[0]
            for c in split_clauses(text)
            if alias_clause.match(c) and c.rstrip(".").endswith("'")
        }
        assert {n.name for n in mine_remarks(text).weak_names} == expected, text


def test_most_real_clauses_are_understood(real_remarks: list[str]) -> None:
    clauses = notes = 0
    for text in real_remarks:
        clauses += len(split_clauses(text))
        notes += len(mine_remarks(text).properties.get("notes", ()))
    assert clauses > 50_000
    # What stays a free-text note is mostly positions and roles ("Member of the State Duma").
    assert notes / clauses < 0.05


def test_every_real_dob_and_nationality_is_read(real_remarks: list[str]) -> None:
    for text in real_remarks:
        facts = mine_remarks(text)
        assert "birth_date_note" not in facts.properties, text
        clauses = split_clauses(text)
        if any(re.match(r"(alt\. )?DOB ", c) for c in clauses):
            assert facts.birth_dates, text
        if any(
            re.match(r"(alt\. )?nationality (Russia|Iran|Syria|Burma|Korea, North)", c)
            for c in clauses
        ):
            assert facts.nationalities, text


# --- country names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Russia", "RU"),
        ("Iran", "IR"),
        ("Korea, North", "KP"),
        ("Korea, South", "KR"),
        ("Burma", "MM"),
        ("Syria", "SY"),
        ("Turkey", "TR"),
        ("Congo, Democratic Republic of the", "CD"),
        ("Congo, Republic of the", "CG"),
        ("Kosovo", "XK"),
        ("Region: Crimea", "UA"),
        ("Region: Gaza", "PS"),
        ("West Bank", "PS"),
        ("Palestinian", "PS"),
        ("Cote d Ivoire", "CI"),
        ("Bahamas, The", "BS"),
        ("Man, Isle of", "IM"),
        ("Macau", "MO"),
        ("United Kingdom", "GB"),
        ("United States", "US"),
        ("Burma.", "MM"),
        ("  russia  ", "RU"),
        # UN and UK spellings
        ("Iran (Islamic Republic of)", "IR"),
        ("Democratic People’s Republic of Korea", "KP"),
        ("DPRK", "KP"),
        ("Democratic Republic of the Congo", "CD"),
        ("Libyan Arab Jamahiriya", "LY"),
        ("Syrian Arab Republic", "SY"),
        ("Afghan", "AF"),
        ("Saudi Arabian", "SA"),
        # A sub-national region resolves to its country.
        ("Connecticut", "US"),
    ],
)
def test_country_code(name: str, code: str) -> None:
    assert country_code(name) == code


@pytest.mark.parametrize(
    "name",
    [
        "",
        "   ",
        "123",
        "-0-",
        "Stuttgart",
        "MSN",
        "USCC",
        "ii",
        "Region: Kafia Kingi",
        "USSR",
        "Yugoslavia",
        "Netherlands Antilles",
        "undetermined",
    ],
)
def test_country_code_none(name: str) -> None:
    assert country_code(name) is None
