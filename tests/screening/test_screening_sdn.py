"""Screening against the real OFAC SDN list of 2023-12-28, one kind of variation at a time.

Every test asserts on the explanation too: a hit must say which names met and why.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clearance.lists.ofac_csv import parse
from clearance.model import EntryType, Hit, Identifier, NameKind, Party
from clearance.screening import ScreeningIndex, get_algorithm

FSB = "21344"
PUTIN = "35096"
CONFIG = get_algorithm("clearance-v1")


def top_hit(index: ScreeningIndex, party: Party) -> Hit:
    hits = index.search(party)
    assert hits, f"no hit for {party.name!r}"
    return hits[0]


def feature(hit: Hit, name: str) -> str:
    found = [f.detail for f in hit.features if f.name == name]
    assert found, f"no {name} feature in {hit.explanation!r}"
    return found[0]


# --- the motivating cases -------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "Федеральная служба безопасности",
        "Federalnaya Sluzhba Bezopasnosti",
        "Federal Security Service",
    ],
)
def test_fsb_is_found_in_any_script_and_language(sdn_index: ScreeningIndex, query: str) -> None:
    hit = top_hit(sdn_index, Party(query))
    assert hit.entry.source_id == FSB
    assert hit.match and hit.score == 1.0
    assert hit.list_name == "ofac-sdn" and hit.list_version_id == 1
    assert hit.algorithm == "clearance-v1.1"


def test_cyrillic_fsb_explains_the_transliterated_alignment(sdn_index: ScreeningIndex) -> None:
    hit = top_hit(sdn_index, Party("Федеральная служба безопасности"))
    assert hit.matched_name.name == "FEDERALNAYA SLUZHBA BEZOPASNOSTI"
    assert hit.matched_name.kind is NameKind.AKA
    assert (
        "federalnaya~FEDERALNAYA 1.00, sluzhba~SLUZHBA 1.00, bezopasnosti~BEZOPASNOSTI 1.00"
        in feature(hit, "name")
    )


def test_fsb_acronym_meets_only_the_weak_alias_exactly(sdn_index: ScreeningIndex) -> None:
    hit = top_hit(sdn_index, Party("FSB"))
    assert hit.entry.source_id == FSB
    assert hit.matched_name.kind is NameKind.WEAK
    # A weak alias alone is worth a review, not a match.
    assert hit.score == CONFIG.weak_alias_score and not hit.match
    assert "equals weak alias 'FSB'" in feature(hit, "weak_alias")
    assert "weak aliases match only exactly" in hit.explanation
    for near in ("FSBB", "FSV", "F.S.A."):
        assert FSB not in {h.entry.source_id for h in sdn_index.search(Party(near))}


@pytest.mark.parametrize(
    ("party", "pairs"),
    [
        (Party("Vladimir Putin"), "vladimir~VLADIMIR 1.00, putin~PUTIN 1.00"),
        (
            Party("ПУТИН Владимир Владимирович", EntryType.PERSON),
            "putin~PUTIN 1.00, vladimir~VLADIMIR 1.00, vladimirovich~VLADIMIROVICH 1.00",
        ),
    ],
)
def test_putin_is_found(sdn_index: ScreeningIndex, party: Party, pairs: str) -> None:
    hit = top_hit(sdn_index, party)
    assert hit.entry.source_id == PUTIN
    assert hit.entry.primary_name == "PUTIN, Vladimir Vladimirovich"
    assert hit.match
    assert pairs in feature(hit, "name")


def test_acme_printers_finds_nothing(sdn_index: ScreeningIndex) -> None:
    assert sdn_index.search(Party("Acme Printers GmbH")) == []
    # Its best candidates exist, far below the review threshold.
    candidates = sdn_index.search(Party("Acme Printers GmbH"), threshold=0, top=3)
    assert 1 <= len(candidates) <= 3
    assert all(h.score < CONFIG.review_threshold and not h.match for h in candidates)


# --- one variation at a time ----------------------------------------------------------------


def test_reordered_person_name(sdn_index: ScreeningIndex) -> None:
    hit = top_hit(sdn_index, Party("Vladimir Vladimirovich Putin", EntryType.PERSON))
    assert hit.entry.source_id == PUTIN and hit.match and hit.score == 1.0
    assert hit.matched_name.name == "PUTIN, Vladimir Vladimirovich"


def test_dropped_patronymic(sdn_index: ScreeningIndex) -> None:
    hit = top_hit(sdn_index, Party("Denis Bortnikov", EntryType.PERSON))
    assert hit.entry.source_id == "34577"  # BORTNIKOV, Denis Aleksandrovich
    assert hit.match
    assert "[ALEKSANDROVICH unmatched on listed side, optional]" in feature(hit, "name")


def test_different_family_name_is_not_a_dropped_middle_name(sdn_index: ScreeningIndex) -> None:
    # Given name and patronymic alone leave out the (required) family name.
    hits = sdn_index.search(Party("Vladimir Vladimirovich", EntryType.PERSON), top=50)
    assert PUTIN not in {h.entry.source_id for h in hits if h.match}


@pytest.mark.parametrize(
    ("query", "expected", "pair"),
    [
        ("Federal Securty Service", FSB, "securty~SECURITY"),
        ("Vladimir Putn", PUTIN, "putn~PUTIN"),
        ("Denis Bortnikof", "34577", "bortnikof~BORTNIKOV"),
    ],
)
def test_typos(sdn_index: ScreeningIndex, query: str, expected: str, pair: str) -> None:
    hit = top_hit(sdn_index, Party(query))
    assert hit.entry.source_id == expected and hit.match
    assert pair in feature(hit, "name")


@pytest.mark.parametrize(
    ("query", "expected", "pair"),
    [
        # Two edits inside one word: no deletion or sound in common, found by n-grams.
        ("Transmasholdign JSC", "45054", "transmasholdign~TRANSMASHHOLDING"),
        ("Fmratecy", "15636", "fmratecy~FARATECH"),
    ],
)
def test_two_typos_in_one_word(
    sdn_index: ScreeningIndex, query: str, expected: str, pair: str
) -> None:
    (hit,) = sdn_index.search(Party(query, EntryType.ORGANIZATION), threshold=0, top=1)
    assert hit.entry.source_id == expected
    assert hit.score >= 0.7
    assert pair in feature(hit, "name")


@pytest.mark.parametrize(
    "query",
    [
        "OOO Concord Management and Consulting",
        "Concord Management and Consulting LLC",
        "Concord Management and Consulting, L.L.C.",
        "ООО Конкорд Менеджмент и Консалтинг",
    ],
)
def test_legal_form_variants(sdn_index: ScreeningIndex, query: str) -> None:
    hit = top_hit(sdn_index, Party(query, EntryType.ORGANIZATION))
    # LIMITED LIABILITY COMPANY CONCORD MANAGEMENT AND CONSULTING
    assert hit.entry.source_id == "22526"
    assert hit.match and hit.score == 1.0
    assert feature(hit, "legal_form") == "query llc and listed llc (same form)"


def test_different_legal_form_costs_a_little(sdn_index: ScreeningIndex) -> None:
    hit = top_hit(sdn_index, Party("JSC Concord Management and Consulting"))
    assert hit.entry.source_id == "22526" and hit.match
    assert hit.score == pytest.approx(1.0 - CONFIG.legal_form_mismatch_penalty)
    assert "query jsc vs listed llc (different forms)" in feature(hit, "legal_form")


def test_legal_form_alone_never_matches(sdn_index: ScreeningIndex) -> None:
    for query in ("LLC", "OOO", "Limited Liability Company", "JSC"):
        assert sdn_index.search(Party(query)) == []


def test_generic_words_do_not_flood(sdn_index: ScreeningIndex) -> None:
    hits = sdn_index.search(Party("International Trading Company"), top=100)
    assert not any(h.match for h in hits)
    assert len(hits) <= 5


def test_short_plain_alias_is_exact_only(sdn_index: ScreeningIndex) -> None:
    # `PKK` is a plain a.k.a. of the Kurdistan Workers' Party (4702).
    hit = top_hit(sdn_index, Party("PKK"))
    assert hit.entry.source_id == "4702" and hit.match
    assert "equals short name 'PKK' (aka)" in feature(hit, "short_name")
    assert "4702" not in {h.entry.source_id for h in sdn_index.search(Party("PKC"))}


# --- secondary attributes -------------------------------------------------------------------


def test_type_mismatch_is_penalized(sdn_index: ScreeningIndex) -> None:
    as_vessel = top_hit(sdn_index, Party("Vladimir Putin", EntryType.VESSEL))
    assert as_vessel.entry.source_id == PUTIN
    assert as_vessel.score == pytest.approx(
        1.0 - CONFIG.type_penalty(EntryType.VESSEL, EntryType.PERSON)
    )
    assert not as_vessel.match
    assert "query vessel vs listed person (-0.25)" in feature(as_vessel, "type")
    as_person = top_hit(sdn_index, Party("Vladimir Putin", EntryType.PERSON))
    assert as_person.score == 1.0
    assert feature(as_person, "type") == "query person and listed person"
    unknown = top_hit(sdn_index, Party("Vladimir Putin"))
    assert not [f for f in unknown.features if f.name == "type"]


def test_date_of_birth_agreement_and_conflict(sdn_index: ScreeningIndex) -> None:
    agree = top_hit(sdn_index, Party("Vladimir Putn", dob="1952-10-07"))
    plain = top_hit(sdn_index, Party("Vladimir Putn"))
    assert agree.score == pytest.approx(plain.score + CONFIG.dob_agree_bonus, abs=1e-3)
    assert "query 1952-10-07 agrees with listed 1952-10-07" in feature(agree, "dob")
    conflict = top_hit(sdn_index, Party("Vladimir Putin", dob="1960"))
    assert conflict.score == pytest.approx(1.0 - CONFIG.dob_conflict_penalty)
    assert not conflict.match
    assert "query 1960 conflicts with listed 1952-10-07" in feature(conflict, "dob")
    same_year = top_hit(sdn_index, Party("Vladimir Putin", dob="1952-01-01"))
    assert same_year.score == 1.0
    assert "same year" in feature(same_year, "dob")


def test_country_agreement_and_conflict(sdn_index: ScreeningIndex) -> None:
    plain = top_hit(sdn_index, Party("Vladimir Putn"))
    agree = top_hit(sdn_index, Party("Vladimir Putn", country="RU"))
    conflict = top_hit(sdn_index, Party("Vladimir Putn", country="DE"))
    assert agree.score == pytest.approx(plain.score + CONFIG.country_agree_bonus, abs=1e-3)
    assert conflict.score == pytest.approx(plain.score - CONFIG.country_conflict_penalty, abs=1e-3)
    assert "query RU among listed RU" in feature(agree, "country")
    assert "query DE not among listed RU" in feature(conflict, "country")


def test_identifier_match_is_strong_evidence(sdn_index: ScreeningIndex) -> None:
    # The yacht GRACEFUL (37444), IMO 1011551, under a misspelt name.
    imo = Identifier(kind="IMO", value="IMO 1011551")
    with_id = top_hit(sdn_index, Party("Gracefull", EntryType.VESSEL, identifiers=(imo,)))
    without = top_hit(sdn_index, Party("Gracefull", EntryType.VESSEL))
    assert with_id.entry.source_id == without.entry.source_id == "37444"
    assert with_id.score == pytest.approx(min(1.0, without.score + CONFIG.identifier_bonus))
    assert "equals listed IMO 1011551" in feature(with_id, "identifier")
    other = Identifier(kind="IMO", value="9999999")
    different = top_hit(sdn_index, Party("Gracefull", EntryType.VESSEL, identifiers=(other,)))
    assert different.score == without.score


# --- the search contract --------------------------------------------------------------------


def test_threshold_zero_returns_the_n_best_candidates(sdn_index: ScreeningIndex) -> None:
    hits = sdn_index.search(Party("Vladimir Putin"), threshold=0, top=10)
    assert len(hits) == 10
    assert hits[0].entry.source_id == PUTIN
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert len({h.entry.source_id for h in hits}) == 10  # one hit per entry


def test_match_threshold_can_be_set_per_search(sdn_index: ScreeningIndex) -> None:
    hit = top_hit(sdn_index, Party("Denis Bortnikov", EntryType.PERSON))
    strict = sdn_index.search(Party("Denis Bortnikov", EntryType.PERSON), match_threshold=0.99)
    assert hit.match and not strict[0].match
    assert sdn_index.search(Party("Vladimir Putin"), top=0) == []
    assert sdn_index.search(Party("   ")) == []


def test_fsb_as_a_plain_alias_is_still_exact_only(lists_dir: Path) -> None:
    # In the 2018 file `FSB` is an ordinary a.k.a. of 21344, not a weak one: as a name of one
    # short word it is still matched only exactly.
    entries = parse(lists_dir / "ofac" / "sdn_csv" / "2018-12").entries
    fsb = next(e for e in entries if e.source_id == FSB)
    assert any(n.name == "FSB" and n.kind is NameKind.AKA for n in fsb.names)
    index = ScreeningIndex.build([("ofac-sdn", 7, fsb)])
    (hit,) = index.search(Party("FSB"))
    assert hit.match and hit.score == CONFIG.short_alias_score and hit.list_version_id == 7
    assert "equals short name 'FSB' (aka)" in feature(hit, "short_name")
    assert index.search(Party("FSBB")) == [] and index.search(Party("FSA")) == []
