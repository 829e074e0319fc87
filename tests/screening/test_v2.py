"""clearance-v2 on real lists: the cases of issue 13 and the evasions of issue 15.

Every test asserts on the explanation: a hit says which names met, and how.
Index: the OFAC SDN list of 2023-12-28 and the UN list of 2026-02-27, as published.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clearance.lists import un_xml
from clearance.model import Entry, EntryType, Hit, Identifier, Party
from clearance.schema import parse_party
from clearance.screening import ScreeningIndex

V2 = "clearance-v2"
FSB, PRIGOZHIN, KIM_JONG_UN, HARZI, OMM = "21344", "21171", "20157", "17293", "17068"


@pytest.fixture(scope="module")
def index(sdn_2023: list[Entry], lists_dir: Path) -> ScreeningIndex:
    un = un_xml.parse(lists_dir / "un" / "2026-02-27" / "consolidated.xml").entries
    items = [("ofac-sdn", 1, e) for e in sdn_2023] + [("un", 2, e) for e in un]
    return ScreeningIndex.build(items, V2)


def hit_for(
    index: ScreeningIndex, party: Party, source_id: str, list_name: str = "ofac-sdn"
) -> Hit:
    hits = index.search(party)
    found = [h for h in hits if h.entry.source_id == source_id and h.list_name == list_name]
    assert found, f"{party.name!r}: no hit on {source_id}; got {[h.explanation for h in hits]}"
    assert found[0].algorithm == V2
    return found[0]


# --- longer real names, extra words, acronyms (issue 13) -------------------------------------


def test_a_patronymic_chain_spelt_the_uk_way_matches(index: ScreeningIndex) -> None:
    hit = hit_for(index, Party("Tarak Ben Taher Ben Faleh OUNI HARZI", EntryType.PERSON), HARZI)
    assert hit.match and hit.score >= 0.95
    assert hit.matched_name.name == "AL-HARZI, Tariq Bin-Al-Tahar Bin Al Falih Al-'Awni"
    assert "tariq~TARIQ 1.00, bin~BIN 1.00, tahir~TAHIR 1.00" in hit.explanation
    assert "awni~AWNI 1.00, harzi~HARZI 1.00" in hit.explanation


def test_an_honorific_and_an_abd_prefix_cost_little(index: ScreeningIndex) -> None:
    hit = hit_for(index, Party("Abdul Basir NOORZAI", EntryType.PERSON), "17151")
    assert hit.match
    assert "basir~BASIR 1.00" in hit.explanation and "nurzai~NURZAI 1.00" in hit.explanation
    assert "[abd unmatched on query side]" in hit.explanation


def test_a_bracketed_acronym_beside_its_expansion_is_not_an_extra_word(
    index: ScreeningIndex,
) -> None:
    party = Party("OCEAN MARITIME MANAGEMENT COMPANY, LIMITED (OMM)", EntryType.ORGANIZATION)
    hit = hit_for(index, party, OMM)
    assert hit.match and hit.score == 1.0
    assert "ocean~OCEAN 1.00, maritime~MARITIME 1.00, management~MANAGEMENT 1.00" in hit.explanation
    assert "omm" not in hit.features[0].detail.split("):", 1)[1]


def test_a_country_qualifier_costs_little(index: ScreeningIndex) -> None:
    party = Party("Federal Security Service of the Russian Federation", EntryType.ORGANIZATION)
    hit = hit_for(index, party, FSB)
    assert hit.match and hit.score >= 0.9
    assert "federal~FEDERAL 1.00, security~SECURITY 1.00, service~SERVICE 1.00" in hit.explanation
    assert "[russian unmatched on query side, qualifier]" in hit.explanation


@pytest.mark.parametrize("query", ["ФСБ России", "FSB"])
def test_an_acronym_confirmed_by_a_listed_expansion_matches(
    index: ScreeningIndex, query: str
) -> None:
    hit = hit_for(index, Party(query), FSB)
    assert hit.match and hit.score == 0.9
    assert "equals weak alias 'FSB'" in hit.explanation
    assert (
        "confirmed by the initials of listed 'FEDERALNAYA SLUZHBA BEZOPASNOSTI' (aka), 'FSB'"
        in hit.explanation
    )


# --- Korean and Chinese names ----------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["Kim Jong Un", "Kim Jong-un", "Kim Jongun", "KIM, Jong-Un", "김정은"]
)
def test_kim_jong_un_in_every_form(index: ScreeningIndex, query: str) -> None:
    hit = hit_for(index, Party(query, EntryType.PERSON), KIM_JONG_UN)
    assert hit.match and hit.score == 1.0
    assert "gim~GIM 1.00, jongun~JONGUN 1.00" in hit.explanation


@pytest.mark.parametrize("query", ["Kim Jong Su", "Kim Jong Chol", "Ri Jong Un", "Pak Jong Un"])
def test_korean_names_sharing_syllables_are_not_matches(index: ScreeningIndex, query: str) -> None:
    for hit in index.search(Party(query, EntryType.PERSON)):
        assert (
            not hit.match
            or query.replace(" ", "").lower()
            in hit.matched_name.name.replace(" ", "").replace(",", "").lower()
        ), hit.explanation


# --- Arabic script ---------------------------------------------------------------------------


def test_an_arabic_script_query_finds_its_un_entry(index: ScreeningIndex) -> None:
    hit = hit_for(index, Party("عبد البصير نورزی", EntryType.PERSON), "6908450", "un")
    assert hit.match
    assert "abd~ABD 1.00, basir~BASIR 1.00, nurzai~NURZAI 1.00" in hit.explanation


def test_an_arabic_script_query_finds_the_latin_only_sdn_entry(index: ScreeningIndex) -> None:
    hit = hit_for(index, Party("صدام حسين التكريتي", EntryType.PERSON), "7843")
    assert hit.match
    assert "saddam~SADDAM 1.00, husayn~HUSAYN 1.00, tikriti~TIKRITI 1.00" in hit.explanation


# --- attributes as evidence, both ways -------------------------------------------------------


def test_attributes_move_a_person_across_the_threshold(index: ScreeningIndex) -> None:
    base = Party("Kim Jong Un", EntryType.PERSON)
    agree = hit_for(index, Party(base.name, base.type, dob="1984-01-08"), KIM_JONG_UN)
    assert agree.score == 1.0 and "dob: query 1984-01-08 agrees with listed" in agree.explanation
    apart = [
        h
        for h in index.search(Party(base.name, base.type, dob="1962"))
        if h.entry.source_id == KIM_JONG_UN
    ]
    assert apart and not apart[0].match and "(-0.25)" in apart[0].explanation
    other = [
        h
        for h in index.search(Party(base.name, base.type, country="JP"))
        if h.entry.source_id == KIM_JONG_UN
    ]
    assert (
        other
        and not other[0].match
        and "query JP not among listed KP (-0.22)" in other[0].explanation
    )


def test_a_shared_identifier_raises_a_weak_name(
    index: ScreeningIndex, sdn_2023: list[Entry]
) -> None:
    entry = next(e for e in sdn_2023 if e.source_id == "2676")  # AL ZAWAHIRI, Ayman
    party = Party(
        "Ayman Zawahri", EntryType.PERSON, identifiers=(Identifier("Passport", "1084010"),)
    )
    hit = hit_for(index, party, entry.source_id)
    assert (
        hit.match and "identifier: query Passport 1084010 equals listed Passport" in hit.explanation
    )


# --- evasion (issue 15) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "aligned"),
    [
        ("Yevgeniy Pri\u00adgozhin", "prigozhin~PRIGOZHIN 1.00"),
        ("Yevgeniy Pri\u200bgozhin", "prigozhin~PRIGOZHIN 1.00"),
        ("Yevgeniy Prigo-zhin", "prigo+zhin~PRIGOZHIN 1.00 (merged)"),
        ("Yevgeniy Pri gozhin", "pri+gozhin~PRIGOZHIN 1.00 (merged)"),
    ],
)
def test_a_word_broken_by_invisible_or_visible_separators_is_found(
    index: ScreeningIndex, query: str, aligned: str
) -> None:
    hit = hit_for(index, Party(query, EntryType.PERSON), PRIGOZHIN)
    assert hit.match and aligned in hit.explanation
    assert "yevgeniy~EVGENY 0.95 (variant)" in hit.explanation


def test_a_soft_hyphen_inside_an_organization_name_is_ignored(index: ScreeningIndex) -> None:
    hit = hit_for(index, Party("Federal Secu\u00adrity Service"), FSB)
    assert hit.match and hit.score == 1.0


def test_a_right_to_left_override_is_screened_as_displayed_and_flagged(
    index: ScreeningIndex,
) -> None:
    hit = hit_for(index, Party("\u202enihzogirp yinegvey", EntryType.PERSON), PRIGOZHIN)
    assert hit.match
    assert "displayed as 'yevgeniy prigozhin': screened both ways" in hit.explanation


def test_the_party_model_strips_invisible_characters_for_every_version() -> None:
    party = parse_party({"name": "Pri\u00adgo\u200dzhin\ufe0f"}, "test")
    assert party.name == "Prigozhin"
    assert parse_party({"name": "\u202enitup"}, "test").name == "\u202enitup"  # flagged later
