"""The pure evaluation over real SDN entries (hits constructed over parsed entries)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from decisions_support import FSB, Snapshot, fee, screened

from clearance.decisions.analysis import Context, candidate_caps
from clearance.decisions.caps import CapKey, Usage
from clearance.decisions.evaluate import evaluate
from clearance.decisions.rules import RuleSet
from clearance.decisions.screened import ScreenedParty
from clearance.decisions.specific import SpecificLicense
from clearance.decisions.trace import Decision, Outcome
from clearance.model import Entry, EntryType, ListSource, Name

HOLDER = "ACME Corp"


def ctx(rules: RuleSet, *specific: SpecificLicense, holder: str = HOLDER) -> Context:
    return Context(rules, specific_licenses=specific, cap_holder=holder)


def fsb_party(
    sdn: Snapshot, snapshot: str, name: str = "Federal Security Service"
) -> ScreenedParty:
    version, entries = sdn(snapshot)
    return screened(name, version, entries[FSB])


def used(amount: str, year: str = "2019") -> dict[CapKey, Usage]:
    return {CapKey("CYBER-GL-1", HOLDER, year): Usage(Decimal(amount))}


def findings(decision: Decision) -> list[str]:
    return [r.finding for r in decision.reasons]


def test_fee_in_2019_is_authorized_by_gl_1a(rules: RuleSet, sdn: Snapshot) -> None:
    txn = fee("t1", "2019-03-01")
    decision = evaluate(txn, [fsb_party(sdn, "2018-12")], ctx(rules))
    assert decision.decision is Outcome.AUTHORIZED
    assert {(a.authority, a.license) for a in decision.authorizations} == {
        ("EO13694", "CYBER-GL-1A"),
        ("CAATSA-224", "CYBER-GL-1A"),
    }
    assert decision.uncovered_authorities == ()
    (cap,) = decision.caps
    assert (cap.key, cap.used_before, cap.this, cap.limit) == (
        CapKey("CYBER-GL-1", HOLDER, "2019"),
        Decimal(0),
        Decimal(1200),
        Decimal(5000),
    )
    # The trace names the entry, the list version and the license version with citations.
    match = next(r for r in decision.reasons if r.finding == "match")
    assert match.entry == {"list": "ofac-sdn", "id": FSB, "name": "FEDERAL SECURITY SERVICE"}
    assert match.list_version is not None and match.list_version["published"] == "2018-12-31"
    covered = [r for r in decision.reasons if r.finding == "covered"]
    assert {r.rule for r in covered} == {"CYBER-GL-1A"} and all(r.citation for r in covered)
    for finding in (
        "party-named",
        "purpose-authorized",
        "regions-clear",
        "export-authorized",
        "cap-ok",
    ):
        assert finding in findings(decision)
    # UA-40 (Sevastopol) is an unverified reading: the trace says so where it was relied on.
    regions = next(r for r in decision.reasons if r.finding == "regions-clear")
    assert regions.verified is False
    assert decision.rules_version == rules.version
    assert decision.list_versions[0]["published"] == "2018-12-31"


def test_the_fee_that_would_pass_the_cap_is_prohibited(rules: RuleSet, sdn: Snapshot) -> None:
    party = [fsb_party(sdn, "2018-12")]
    assert evaluate(fee("t4", "2019-09-01"), party, ctx(rules), used("3600")).decision is (
        Outcome.AUTHORIZED
    )  # 3,600 + 1,200 = 4,800: still within
    decision = evaluate(fee("t5", "2019-10-01"), party, ctx(rules), used("4800"))
    assert decision.decision is Outcome.PROHIBITED
    assert "cap-exceeded" in findings(decision)
    (cap,) = decision.caps
    assert (cap.used_before, cap.this, cap.after, cap.limit) == (
        Decimal(4800),
        Decimal(1200),
        Decimal(6000),
        Decimal(5000),
    )
    assert {u.authority for u in decision.uncovered_authorities} == {"EO13694", "CAATSA-224"}
    assert all(u.specific_license_possible for u in decision.uncovered_authorities)


def test_cap_periods_are_calendar_years(rules: RuleSet, sdn: Snapshot) -> None:
    party = [fsb_party(sdn, "2018-12")]
    txn = fee("t6", "2020-01-02")
    assert candidate_caps(txn, party, ctx(rules)) == {CapKey("CYBER-GL-1", HOLDER, "2020")}
    decision = evaluate(txn, party, ctx(rules), used("4800", "2019"))
    assert decision.decision is Outcome.AUTHORIZED
    assert decision.caps[0].used_before == 0


def test_caps_are_per_holder(rules: RuleSet, sdn: Snapshot) -> None:
    party = [fsb_party(sdn, "2018-12")]
    other = evaluate(
        fee("t7", "2019-10-01", holder="Other GmbH"),
        party,
        ctx(rules, holder="Other GmbH"),
        used("4800"),
    )
    assert other.decision is Outcome.AUTHORIZED and other.cap_holder == "Other GmbH"


def test_june_2022_gl_1b_covers_every_authority(rules: RuleSet, sdn: Snapshot) -> None:
    decision = evaluate(fee("t8", "2022-06-20"), [fsb_party(sdn, "2022-06-17")], ctx(rules))
    assert decision.decision is Outcome.AUTHORIZED
    assert {(a.authority, a.license) for a in decision.authorizations} == {
        ("EO13382", "CYBER-GL-1B"),  # NPWMD, through 31 CFR 544
        ("EO13694", "CYBER-GL-1B"),
        ("CAATSA-224", "CYBER-GL-1B"),
    }
    npwmd = next(r for r in decision.reasons if r.finding == "covered" and r.authority == "EO13382")
    assert "through CFR-544" in npwmd.text


def test_july_2022_eo_14024_is_uncovered(rules: RuleSet, sdn: Snapshot) -> None:
    decision = evaluate(fee("t9", "2022-07-15"), [fsb_party(sdn, "2022-06-28")], ctx(rules))
    assert decision.decision is Outcome.PROHIBITED
    (gap,) = decision.uncovered_authorities
    assert (gap.authority, gap.programs) == ("EO14024", ("RUSSIA-EO14024",))
    assert gap.specific_license_possible and "501.801" in (gap.citation or "")
    assert "(unverified)" in gap.why  # no Russia-program GL was found: DOMAIN marks it unverified
    note = next(r for r in decision.reasons if r.finding == "note")
    assert note.verified is False
    assert decision.drawdowns == () and decision.cap is None  # nothing drawn, no cap broken
    # GL 1B's cap was read (it covered the other authorities): kept for an exact replay.
    assert [(c.key.family, c.drawn, c.exceeded) for c in decision.caps] == [
        ("CYBER-GL-1", False, False)
    ]


def _specific(**overrides: object) -> SpecificLicense:
    data: dict[str, object] = {
        "number": "RUSSIA-EO14024-2022-0001",
        "holder": HOLDER,
        "valid_from": "2022-07-01",
        "valid_until": "2023-06-30",
        "parties": [{"list": "ofac-sdn", "id": FSB}],
        "programs": ["RUSSIA-EO14024"],
        "purposes": ["import-authorization-fee"],
        "value_limit": {"amount": 2000, "currency": "USD"},
        "overrun_percent": 10,
        "reference": "test license",
    }
    return SpecificLicense.model_validate(data | overrides)


def test_a_specific_license_closes_the_gap_and_is_drawn_down(rules: RuleSet, sdn: Snapshot) -> None:
    party = [fsb_party(sdn, "2022-06-28")]
    txn = fee("t10", "2022-07-15")
    lic = _specific()
    key = CapKey("specific:RUSSIA-EO14024-2022-0001", HOLDER, "2022-07-01/2023-06-30")
    assert candidate_caps(txn, party, ctx(rules, lic)) == {
        key,
        CapKey("CYBER-GL-1", HOLDER, "2022"),
    }
    decision = evaluate(txn, party, ctx(rules, lic))
    assert decision.decision is Outcome.AUTHORIZED
    by_authority = {a.authority: a.license for a in decision.authorizations}
    assert by_authority["EO14024"] == "RUSSIA-EO14024-2022-0001"
    assert by_authority["EO13694"] == "CYBER-GL-1B"
    assert {c.key for c in decision.caps} == {key, CapKey("CYBER-GL-1", HOLDER, "2022")}
    spec_cap = next(c for c in decision.caps if c.key == key)
    assert spec_cap.limit == Decimal("2200.00")  # 2,000 + 10% allowed overrun
    # Drawn down to 1,100: the next 1,200 passes the overrun ceiling and is refused.
    decision = evaluate(txn, party, ctx(rules, lic), {key: Usage(Decimal(1100))})
    assert decision.decision is Outcome.PROHIBITED
    assert [u.authority for u in decision.uncovered_authorities] == ["EO14024"]


def test_a_specific_license_takes_over_when_the_general_cap_is_spent(
    rules: RuleSet, sdn: Snapshot
) -> None:
    party = [fsb_party(sdn, "2022-06-28")]
    lic = _specific(programs=[], authorities=["EO13694", "CAATSA-224", "EO13382", "EO14024"])
    decision = evaluate(fee("t10b", "2022-07-15"), party, ctx(rules, lic), used("4800", "2022"))
    assert decision.decision is Outcome.AUTHORIZED
    assert {a.license for a in decision.authorizations} == {"RUSSIA-EO14024-2022-0001"}
    assert [(c.license, c.drawn, c.exceeded) for c in decision.caps] == [
        ("RUSSIA-EO14024-2022-0001", True, False),
        ("CYBER-GL-1B", False, True),  # read and found spent: recorded for replay
    ]
    assert decision.drawdowns == decision.caps[:1]
    assert decision.to_dict()["cap"]["license"] == "RUSSIA-EO14024-2022-0001"


def test_a_specific_license_serves_only_its_holder(rules: RuleSet, sdn: Snapshot) -> None:
    party = [fsb_party(sdn, "2022-06-28")]
    txn = fee("t11", "2022-07-15", holder="Other GmbH")
    decision = evaluate(txn, party, ctx(rules, _specific(), holder="Other GmbH"))
    assert decision.decision is Outcome.PROHIBITED
    assert "holder-mismatch" in findings(decision)


def test_a_specific_license_outside_its_validity_does_not_count(
    rules: RuleSet, sdn: Snapshot
) -> None:
    party = [fsb_party(sdn, "2022-06-28")]
    decision = evaluate(fee("t12", "2023-07-01"), party, ctx(rules, _specific()))
    assert decision.decision is Outcome.PROHIBITED


def test_2024_gl_1c_covers_all_but_eo_14024(rules: RuleSet, sdn: Snapshot) -> None:
    decision = evaluate(fee("t13", "2024-05-06"), [fsb_party(sdn, "2024-05-03")], ctx(rules))
    assert decision.decision is Outcome.PROHIBITED
    assert [u.authority for u in decision.uncovered_authorities] == ["EO14024"]
    caatsa = next(
        r for r in decision.reasons if r.finding == "covered" and r.authority == "CAATSA-224"
    )
    assert caatsa.rule == "CYBER-GL-1C" and "through CFR-578" in caatsa.text
    assert caatsa.verified is False  # the inclusion's date is from secondary sources
    hostages = next(
        r for r in decision.reasons if r.authority == "EO14078" and r.finding == "covered"
    )
    assert hostages.rule == "CYBER-GL-1C"


def test_selling_software_to_the_fsb_is_prohibited(rules: RuleSet, sdn: Snapshot) -> None:
    txn = fee("t14", "2019-03-01", purpose="export-of-goods", amount="25000")
    decision = evaluate(txn, [fsb_party(sdn, "2018-12")], ctx(rules))
    assert decision.decision is Outcome.PROHIBITED
    excluded = next(r for r in decision.reasons if r.finding == "purpose-excluded")
    assert "503" in (excluded.citation or "")
    assert candidate_caps(txn, [fsb_party(sdn, "2018-12")], ctx(rules)) == frozenset()


@pytest.mark.parametrize(("entity", "name"), [("24646", "KVANT"), ("24650", "DIGITAL SECURITY")])
def test_entities_linked_to_the_fsb_are_not_covered(
    rules: RuleSet, sdn: Snapshot, entity: str, name: str
) -> None:
    version, entries = sdn("2018-12")
    decision = evaluate(
        fee("t15", "2019-03-01", party=name), [screened(name, version, entries[entity])], ctx(rules)
    )
    assert decision.decision is Outcome.PROHIBITED
    refused = next(r for r in decision.reasons if r.finding == "party-not-named")
    assert "names only ofac-sdn:21344" in refused.text and refused.rule == "CYBER-GL-1A"
    assert "EO13694" in {u.authority for u in decision.uncovered_authorities}


def test_an_unlisted_party_is_clear(rules: RuleSet, sdn: Snapshot) -> None:
    version, _ = sdn("2018-12")
    txn = fee("t16", "2019-03-01", party="Rheinische Druckwerke GmbH")
    decision = evaluate(txn, [screened("Rheinische Druckwerke GmbH", version)], ctx(rules))
    assert decision.decision is Outcome.CLEAR
    assert findings(decision) == ["in-force", "no-match", "clear"]
    assert decision.caps == () and decision.authorizations == ()


@pytest.mark.parametrize("region", ["UA-43", "UA-40"])
def test_crimea_is_excluded(rules: RuleSet, sdn: Snapshot, region: str) -> None:
    txn = fee("t17", "2019-03-01", regions=("RU", region))
    decision = evaluate(txn, [fsb_party(sdn, "2018-12")], ctx(rules))
    assert decision.decision is Outcome.PROHIBITED
    assert "region-excluded" in findings(decision)


def test_a_country_without_subdivision_needs_review(rules: RuleSet, sdn: Snapshot) -> None:
    txn = fee("t18", "2019-03-01", regions=("RU", "UA"))
    decision = evaluate(txn, [fsb_party(sdn, "2018-12")], ctx(rules))
    assert decision.decision is Outcome.REVIEW
    assert any("UA is given without a subdivision" in m for m in decision.missing)


def test_missing_export_authorization_needs_review(rules: RuleSet, sdn: Snapshot) -> None:
    txn = fee("t19", "2019-03-01", authorization=None)
    decision = evaluate(txn, [fsb_party(sdn, "2018-12")], ctx(rules))
    assert decision.decision is Outcome.REVIEW
    assert decision.missing == (
        "goods line 1 (laser printers, ECCN 5A992.c): the Commerce export authorization "
        "(NLR, a License Exception code (ENC, CCD, ...) or a BIS license number) that "
        "CYBER-GL-1A requires",
    )
    assert candidate_caps(txn, [fsb_party(sdn, "2018-12")], ctx(rules)) == frozenset()


def test_export_authorization_is_not_needed_for_law_enforcement_compliance(
    rules: RuleSet, sdn: Snapshot
) -> None:
    txn = fee("t20", "2019-03-01", purpose="law-enforcement-compliance", with_goods=False)
    decision = evaluate(txn, [fsb_party(sdn, "2018-12")], ctx(rules))
    assert decision.decision is Outcome.AUTHORIZED
    assert decision.caps == ()  # the cap applies to notification fees only


def test_goods_under_an_uncapped_purpose_need_a_person(rules: RuleSet, sdn: Snapshot) -> None:
    # Goods lines make it a fee for importing them, which GL 1 caps whatever it is called.
    txn = fee("t20b", "2019-03-01", authorization=None, purpose="law-enforcement-compliance")
    decision = evaluate(txn, [fsb_party(sdn, "2018-12")], ctx(rules))
    assert decision.decision is Outcome.REVIEW and decision.caps == ()
    assert any("'import-authorization-fee', which is capped" in m for m in decision.missing)


def test_an_amount_in_another_currency_needs_review(rules: RuleSet, sdn: Snapshot) -> None:
    txn = fee("t21", "2019-03-01", amount="90000", currency="RUB")
    decision = evaluate(txn, [fsb_party(sdn, "2018-12")], ctx(rules))
    assert decision.decision is Outcome.REVIEW
    assert any("amount in USD" in m for m in decision.missing)


def test_a_possible_match_needs_review(rules: RuleSet, sdn: Snapshot) -> None:
    version, entries = sdn("2018-12")
    party = screened("Federal Secure Services", version, entries[FSB], score=0.78, match=False)
    decision = evaluate(fee("t22", "2019-03-01"), [party], ctx(rules))
    assert decision.decision is Outcome.REVIEW
    assert "possible-match" in findings(decision)
    assert "confirm or dismiss" in decision.missing[0]


def test_a_weaker_candidate_beside_a_match_is_not_pursued(rules: RuleSet, sdn: Snapshot) -> None:
    version, entries = sdn("2018-12")
    party = fsb_party(sdn, "2018-12")
    weaker = party.hits + screened("x", version, entries["24646"], score=0.72, match=False).hits
    decision = evaluate(
        fee("t23", "2019-03-01"),
        [type(party)(party.party, weaker, party.list_versions, "clearance-v1", 0.85, 0.7)],
        ctx(rules),
    )
    assert decision.decision is Outcome.AUTHORIZED
    assert "secondary-candidate" in findings(decision)


def test_a_match_on_a_non_blocking_list_needs_review(rules: RuleSet, sdn: Snapshot) -> None:
    version, entries = sdn("2018-12")
    un_version = type(version)(
        99, "un", ListSource.UN, date(2018, 10, 29), version.imported_at, "0" * 64, 1, "un"
    )
    un_entry = Entry(
        ListSource.UN, "6908000", EntryType.ORGANIZATION, (Name("AL-QAIDA"),), ("Al-Qaida",)
    )
    party = screened("Al-Qaida", un_version, un_entry)
    decision = evaluate(fee("t24", "2019-03-01", party="Al-Qaida"), [party], ctx(rules))
    assert decision.decision is Outcome.REVIEW
    assert "match-review-list" in findings(decision)
    del entries


def test_an_unmapped_program_leaves_its_authority_uncovered(rules: RuleSet, sdn: Snapshot) -> None:
    version, entries = sdn("2018-12")
    odd = Entry(
        ListSource.OFAC_SDN,
        FSB,
        EntryType.ORGANIZATION,
        entries[FSB].names,
        ("CYBER2", "NEW-TAG-2030"),
    )
    decision = evaluate(fee("t25", "2019-03-01"), [screened("FSB", version, odd)], ctx(rules))
    assert decision.decision is Outcome.PROHIBITED
    assert [u.authority for u in decision.uncovered_authorities] == ["unmapped:NEW-TAG-2030"]


def test_several_parties_each_need_coverage(rules: RuleSet, sdn: Snapshot) -> None:
    version, entries = sdn("2018-12")
    parties = [fsb_party(sdn, "2018-12"), screened("KVANT", version, entries["24646"])]
    decision = evaluate(fee("t26", "2019-03-01"), parties, ctx(rules))
    assert decision.decision is Outcome.PROHIBITED
    assert {u.party for u in decision.uncovered_authorities} == {"KVANT"}
    assert {a.party for a in decision.authorizations} == {"Federal Security Service"}


def test_decision_round_trips_through_json(rules: RuleSet, sdn: Snapshot) -> None:
    decision = evaluate(fee("t27", "2019-03-01"), [fsb_party(sdn, "2018-12")], ctx(rules))
    again = Decision.from_dict(decision.to_dict())
    assert again.to_dict() == decision.to_dict()
    body = decision.to_dict()
    for key in (
        "decision",
        "reasons",
        "authorizations",
        "uncovered_authorities",
        "cap",
        "list_versions",
        "rules_version",
        "screening_algorithm",
    ):
        assert key in body
    assert body["cap"] == {
        "family": "CYBER-GL-1",
        "holder": HOLDER,
        "period": "2019",
        "license": "CYBER-GL-1A",
        "currency": "USD",
        "limit": "5000.00",
        "used_before": "0.00",
        "this": "1200.00",
        "after": "1200.00",
        "drawn": True,
        "exceeded": False,
        "citation": body["cap"]["citation"],
    }


def test_evaluation_is_deterministic(rules: RuleSet, sdn: Snapshot) -> None:
    party = [fsb_party(sdn, "2022-06-28")]
    first = evaluate(fee("t28", "2022-07-15"), party, ctx(rules)).to_dict()
    assert evaluate(fee("t28", "2022-07-15"), party, ctx(rules)).to_dict() == first


def test_a_license_waiting_for_facts_makes_it_review_not_prohibited(
    rules: RuleSet, sdn: Snapshot
) -> None:
    # GL 1B's cap is spent; a specific license covering everything needs goods quantities.
    party = [fsb_party(sdn, "2022-06-17")]
    lic = _specific(
        programs=[],
        authorities=["EO13694", "CAATSA-224", "EO13382"],
        valid_from="2022-06-01",
        quantity_limit=100,
    )
    decision = evaluate(fee("t29", "2022-06-20"), party, ctx(rules, lic), used("4800", "2022"))
    assert decision.decision is Outcome.REVIEW
    assert any("quantity of every goods line" in m for m in decision.missing)
    assert "cap-exceeded" in findings(decision)  # GL 1B's failure is still told
