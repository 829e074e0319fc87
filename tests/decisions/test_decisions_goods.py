"""Goods as the rules read them: IT products, export authorization forms, the dated Commerce
rules for Russia, and places in excluded regions (goods.yaml, places.yaml)."""

from __future__ import annotations

from datetime import date

import pytest

from clearance.decisions.goods import authorization_form, classify, export_rule
from clearance.decisions.identity import canonical_holder, entity_key
from clearance.decisions.places import party_places
from clearance.decisions.rules import RuleSet
from clearance.decisions.rules_schema import GoodsFile
from clearance.decisions.transaction import GoodsLine
from clearance.model import Party


def goods(rules: RuleSet) -> GoodsFile:
    assert rules.goods_file is not None
    return rules.goods_file


@pytest.mark.parametrize(
    ("line", "member", "why"),
    [
        (GoodsLine("laser printers", "5A992.c"), True, "Category 5 Part 2"),
        (GoodsLine("routers", "5A991.b"), True, "Category 5 Part 1"),
        (GoodsLine("servers", "4A994.b"), True, "Category 4 - Computers"),
        (GoodsLine("valves", "2B350.g"), False, "Category 0, 1, 2, 7, 8 or 9"),
        (GoodsLine("frozen fish", "EAR99", hs_code="0303.89"), False, "HS chapter other"),
        (GoodsLine("frozen fish", "EAR99"), None, "EAR99"),
        (GoodsLine("laptops", "EAR99", hs_code="847130"), True, "heading 8471"),
        (GoodsLine("refrigerators", None, hs_code="8418.10"), None, "chapters 84, 85 and 90"),
        (GoodsLine("Smartphones, 128 GB"), True, "names 'smartphones'"),
        (GoodsLine("image sensors", "6A003.b"), None, "Category 3 (Electronics), 6"),
        (GoodsLine("widgets", "XYZ"), None, "not a Commerce Control List number"),
        # The ECCN decides before the description.
        (GoodsLine("computer desks", "EAR99", hs_code="9403.30"), False, "HS chapter other"),
    ],
)
def test_information_technology_products(
    rules: RuleSet, line: GoodsLine, member: bool | None, why: str
) -> None:
    found = classify(line, goods(rules).categories["information-technology"])
    assert found.member is member
    assert why in found.why()


def test_descriptions_match_whole_words(rules: RuleSet) -> None:
    category = goods(rules).categories["information-technology"]
    assert classify(GoodsLine("serverless ice cream"), category).member is None
    assert classify(GoodsLine("Computer"), category).member is True


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("NLR", "nlr"),
        (" nlr ", "nlr"),
        ("ENC", "exception"),
        ("License Exception CCD", "exception"),
        ("D123456", "license"),
        ("d1234567", "license"),
        ("none", None),
        ("n/a", None),
        ("pending", None),
        ("XYZ", None),
        ("D12345", None),
    ],
)
def test_what_an_export_authorization_can_be(rules: RuleSet, value: str, kind: str | None) -> None:
    form = authorization_form(value, goods(rules).export_authorizations)
    assert (form.kind if form is not None else None) == kind


@pytest.mark.parametrize(
    ("eccn", "day", "rule"),
    [
        ("4A994.b", date(2022, 2, 23), None),  # before 87 FR 12226
        ("4A994.b", date(2022, 2, 24), "RU-2022-02-24"),
        ("5A992.c", date(2022, 3, 1), None),  # mass market left out in February (unverified)
        ("5A992.c", date(2022, 4, 7), None),
        ("5A992.c", date(2022, 4, 8), "RU-2022-04-08"),  # 87 FR 22130: every CCL item
        ("1A004", date(2022, 3, 1), None),  # Category 1 only from April
        ("1A004", date(2022, 4, 8), "RU-2022-04-08"),
        ("EAR99", date(2024, 1, 1), None),
    ],
)
def test_commerce_rules_for_russia(rules: RuleSet, eccn: str, day: date, rule: str | None) -> None:
    found = export_rule(GoodsLine("x", eccn), ["RU"], day, goods(rules))
    assert (found.id if found is not None else None) == rule
    assert export_rule(GoodsLine("x", eccn), ["DE"], day, goods(rules)) is None


def test_places_in_crimea_in_any_script(rules: RuleSet) -> None:
    parties = (
        Party("A", address="ul. Lenina 1, SIMFEROPOL, 295000"),
        Party("B", city="Севастополь"),
        Party("C", city="Moscow", address="Sevastopolsky prospekt 1"),  # a Moscow street
        Party("D"),
    )
    found = party_places(parties, rules.places_file)
    assert [(p.party, p.field, p.region) for p in found] == [
        ("A", "address", "UA-43"),
        ("B", "city", "UA-40"),
    ]


def test_holders_and_entities_are_read_as_screening_reads_names() -> None:
    assert {
        canonical_holder(n)
        for n in ("Acme Printers", "ACME PRINTERS", "Acme  Printers, L.L.C.", "Acme Printers LLC")
    } == {"acme printers"}
    assert canonical_holder("Acme Printing GmbH") == "acme printing"
    assert entity_key("TVERSKAYA CIPHER SERVICES, OOO") == entity_key(
        "Tverskaya Cipher Services LLC"
    )
