"""Registering specific licenses: validation against the rules, storage, idempotency."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from clearance.decisions.rules import RuleError, RuleSet
from clearance.decisions.specific import (
    get_specific,
    load_specific,
    register_specific,
    specific_view,
)

LICENSE = """number: CYBER-2019-77
holder: ACME Corp
issued: 2019-01-10
valid_from: 2019-01-10
valid_until: 2019-12-31
parties:
  - {list: ofac-sdn, id: 21344}
authorities: [EO13694, CAATSA-224]
purposes: [import-authorization-fee]
value_limit: {amount: 10000, currency: USD}
quantity_limit: 200
overrun_percent: 5
reference: OFAC license CYBER-2019-77 (example)
"""


def write(tmp_path: Path, text: str, name: str = "lic.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_register_load_and_view(engine: Engine, rules: RuleSet, tmp_path: Path) -> None:
    result = register_specific(engine, write(tmp_path, LICENSE), rules)
    assert result.created and result.license.number == "CYBER-2019-77"
    assert result.license.parties != "any" and result.license.parties[0].id == "21344"
    (stored,) = load_specific(engine)
    assert stored == result.license == get_specific(engine, "CYBER-2019-77")
    view = specific_view(rules, stored)
    assert view.family == "specific:CYBER-2019-77" and view.holder == "ACME Corp"
    (cap,) = view.caps
    assert (str(cap.limit), cap.quantity_limit, cap.period) == ("10500.00", 210, "license")
    assert get_specific(engine, "nope") is None


def test_same_content_again_is_a_no_op_other_content_is_refused(
    engine: Engine, rules: RuleSet, tmp_path: Path
) -> None:
    register_specific(engine, write(tmp_path, LICENSE), rules)
    again = register_specific(engine, write(tmp_path, LICENSE, "again.yaml"), rules)
    assert not again.created
    changed = write(tmp_path, LICENSE.replace("10000", "20000"), "changed.yaml")
    with pytest.raises(RuleError, match=r"changed.yaml: number: .* already registered"):
        register_specific(engine, changed, rules)
    assert len(load_specific(engine)) == 1


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            ("[import-authorization-fee]", "[gifts]"),
            r"lic.yaml:9: purposes.0.code: unknown purpose",
        ),
        (("[EO13694, CAATSA-224]", "[EO1]"), r"lic.yaml:8: authorities.0.id: unknown authority"),
        (
            ("authorities: [EO13694, CAATSA-224]", "programs: [CYBER9]"),
            r"programs.0: unknown program tag",
        ),
        (("authorities: [EO13694, CAATSA-224]\n", ""), r"give the authorities or the programs"),
        (("currency: USD", "currency: XXY"), r"value_limit.currency: 'XXY' is not an ISO 4217"),
        (("overrun_percent: 5", "overrun_percent: 500"), r"overrun_percent"),
        (("valid_until: 2019-12-31", "valid_until: 2018-12-31"), r"valid_until is before"),
        (("holder: ACME Corp\n", ""), r"holder: Field required"),
    ],
)
def test_errors_name_the_file_the_field_and_the_line(
    engine: Engine, rules: RuleSet, tmp_path: Path, edit: tuple[str, str], message: str
) -> None:
    path = write(tmp_path, LICENSE.replace(*edit))
    with pytest.raises(RuleError, match=message):
        register_specific(engine, path, rules)
    assert load_specific(engine) == []


def test_a_missing_file_is_named(engine: Engine, rules: RuleSet, tmp_path: Path) -> None:
    with pytest.raises(RuleError, match=r"nothing\.yaml"):
        register_specific(engine, tmp_path / "nothing.yaml", rules)
