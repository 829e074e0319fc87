"""The rule files: what was in force when, how authorities are covered, validation errors."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from clearance.decisions.rules import (
    RuleError,
    RuleSet,
    default_rules_dir,
    load_rules,
    packaged_rules,
)
from clearance.settings import ENV_PREFIX, Settings, load_settings

RULES_DIR_ENV = ENV_PREFIX + "RULES_DIR"
# The rules version (SHA-256 over the canonical content of every rule file) of the packaged
# rules (`src/clearance/rules/`). The move from the repository's `rules/` folder kept it
# (e9b8c07b...); a deliberate rules change updates it, and says so in its commit.
# Issue 14: references corrected (no internal notes cited; GL 1B's CFR-578 dropped; the FSB's
# E.O. 13382 and 14078 designation dates marked unverified) -> 54fe5ad2...; then goods.yaml
# (IT products, export authorization forms, the 2022 Commerce rules for Russia), places.yaml,
# purposes say whether they are capped and why, GL 1-1C gain `goods_category` -> this.
VERSION_BEFORE_THE_MOVE = "630925cae48aad001a09484b94d9125e59e66afb887fa95ed0dcacdbaefea223"


@pytest.mark.parametrize(
    ("day", "in_force"),
    [
        ("2017-02-01", []),  # the day before GL 1 was issued
        ("2017-02-02", ["CYBER-GL-1"]),
        ("2018-03-14", ["CYBER-GL-1"]),  # GL 1's derived last day
        ("2018-03-15", ["CYBER-GL-1A"]),
        ("2021-03-01", ["CYBER-GL-1A"]),
        ("2021-03-02", ["CYBER-GL-1B"]),
        ("2022-07-15", ["CYBER-GL-1B"]),
        ("2023-04-26", ["CYBER-GL-1B"]),
        ("2023-04-27", ["CYBER-GL-1C"]),
        ("2030-01-01", ["CYBER-GL-1C"]),  # no expiry
    ],
)
def test_one_version_of_gl1_is_in_force_on_each_date(
    rules: RuleSet, day: str, in_force: list[str]
) -> None:
    assert [lic.id for lic in rules.in_force(date.fromisoformat(day))] == in_force


def test_validity_ends_are_derived_from_supersession(rules: RuleSet) -> None:
    ends = {lic.id: rules.valid_until(lic) for lic in rules.licenses}
    assert ends == {
        "CYBER-GL-1": date(2018, 3, 14),
        "CYBER-GL-1A": date(2021, 3, 1),
        "CYBER-GL-1B": date(2023, 4, 26),
        "CYBER-GL-1C": None,
    }
    assert rules.superseded_by(rules.license("CYBER-GL-1A")) == rules.license("CYBER-GL-1B")
    assert {lic.family for lic in rules.licenses} == {"CYBER-GL-1"}


def test_gl1c_covers_caatsa_224_through_the_cyber_regulations(rules: RuleSet) -> None:
    named = [a.id for a in rules.license("CYBER-GL-1C").authorities]
    assert "CAATSA-224" not in named
    coverage = rules.covers(named, "CAATSA-224", date(2023, 5, 1))
    assert coverage is not None and coverage.named == "CFR-578"
    assert coverage.via is not None and coverage.via.since == date(2022, 9, 6)
    assert rules.covers(named, "EO13694", date(2023, 5, 1)) is not None  # CYBER2
    assert rules.covers(named, "EO13382", date(2023, 5, 1)) is not None  # NPWMD via 31 CFR 544
    assert rules.covers(named, "EO14078", date(2023, 5, 1)) is not None
    assert rules.covers(named, "EO14024", date(2023, 5, 1)) is None  # the gap
    # The inclusion is dated: before the 2022 reissue 31 CFR 578 did not reach sec. 224.
    assert rules.covers(["CFR-578"], "CAATSA-224", date(2022, 9, 5)) is None


def test_fsb_caatsa_tag_is_refined_to_section_224_others_are_not(rules: RuleSet) -> None:
    fsb = rules.bases("ofac-sdn", "21344", ["CYBER2", "CAATSA - RUSSIA", "RUSSIA-EO14024"])
    assert [(b.program, b.authority, b.refined) for b in fsb] == [
        ("CYBER2", "EO13694", False),
        ("CAATSA - RUSSIA", "CAATSA-224", True),
        ("RUSSIA-EO14024", "EO14024", False),
    ]
    kvant = rules.bases("ofac-sdn", "24646", ["CAATSA - RUSSIA"])
    assert [b.authority for b in kvant] == ["CAATSA-RUSSIA"]
    unknown = rules.bases("ofac-sdn", "1", ["NO-SUCH-TAG"])
    assert unknown[0].authority == "unmapped:NO-SUCH-TAG" and not unknown[0].verified


def test_every_fsb_program_tag_is_mapped(rules: RuleSet) -> None:
    for tag in ("CYBER2", "CAATSA - RUSSIA", "NPWMD", "RUSSIA-EO14024", "HOSTAGES-EO14078"):
        assert tag in rules.programs_file.programs


def test_unverified_facts_are_marked(rules: RuleSet) -> None:
    gl = rules.license("CYBER-GL-1B")
    regions = gl.conditions.excluded_regions
    assert regions is not None
    assert {r.code: r.verified for r in regions.value} == {"UA-43": True, "UA-40": False}
    assert not rules.authorities["EO14024"].notes[0].verified


def _strings(value: object, path: str) -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [s for i, v in enumerate(value) for s in _strings(v, f"{path}.{i}")]
    return [(path, value)] if isinstance(value, str) else []


def test_no_rule_cites_the_projects_own_notes_as_a_source(rules: RuleSet) -> None:
    """DOMAIN.md is this project's notes, not a legal source: a value rests on the Federal
    Register, OFAC's publications, the license text, or says `verified: false`."""
    cited = [
        (path, text)
        for rel, content in rules.files.items()
        for path, text in _strings(content, rel)
        if "DOMAIN" in text
    ]
    assert cited == []


def test_references_name_what_each_version_itself_says(rules: RuleSet) -> None:
    gl1b, gl1c = rules.license("CYBER-GL-1B"), rules.license("CYBER-GL-1C")
    # Nothing shows that GL 1B names 31 CFR part 578; it names E.O. 13694 and sec. 224 itself.
    assert [a.id for a in gl1b.authorities] == ["EO13694", "CAATSA-224", "CFR-544"]
    cfr544 = next(a for a in gl1c.authorities if a.id == "CFR-544")
    assert cfr544.reference is not None and "GL 1C" in cfr544.reference
    assert "GL 1B" not in cfr544.reference
    # Designation dates come from OFAC's recent actions, which were not checked here.
    for lic, day in ((gl1b, "2 Mar 2021"), (gl1c, "27 Apr 2023")):
        dated = [n for n in lic.notes if day in n.text]
        assert dated and not any(n.verified for n in dated)
        assert all(n.reference and "Recent Actions" in n.reference for n in dated)
    for tag in ("NPWMD", "HOSTAGES-EO14078"):
        reference = rules.programs_file.programs[tag].reference or ""
        assert "2021" not in reference and "2023" not in reference  # no designation date


def test_snapshot_rebuilds_the_same_rules(rules: RuleSet) -> None:
    again = RuleSet.from_snapshot(rules.snapshot())
    assert again.version == rules.version
    assert again.licenses == rules.licenses
    assert again.in_force(date(2022, 6, 20))[0].id == "CYBER-GL-1B"


def test_snapshot_with_tampered_content_is_refused(rules: RuleSet) -> None:
    snap = rules.snapshot()
    files = dict(snap["files"])
    gl = dict(files["general_licenses/CYBER-GL-1A.yaml"])
    gl["title"] = "something else"
    files["general_licenses/CYBER-GL-1A.yaml"] = gl
    with pytest.raises(RuleError, match="not the recorded"):
        RuleSet.from_snapshot(snap | {"files": files})


def _copy_rules(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), target)
    return target


def test_a_user_adds_a_general_license_without_code(tmp_path: Path, rules: RuleSet) -> None:
    folder = _copy_rules(tmp_path)
    (folder / "general_licenses" / "UKRAINE-GL-99.yaml").write_text(
        """
id: UKRAINE-GL-99
family: UKRAINE-GL-99
title: A test license for UKRAINE-EO13685 compliance payments
issued: 2020-01-01
valid_from: 2020-01-01
authorities: [EO13685]
parties: any
purposes: [regulatory-compliance]
reference: "test"
""",
        encoding="utf-8",
    )
    custom = load_rules(folder)
    assert custom.version != rules.version
    assert [lic.id for lic in custom.in_force(date(2021, 1, 1))] == ["CYBER-GL-1A", "UKRAINE-GL-99"]
    assert custom.license("UKRAINE-GL-99").parties == "any"


def _broken(tmp_path: Path, name: str, text: str) -> Path:
    folder = _copy_rules(tmp_path)
    (folder / "general_licenses" / name).write_text(text, encoding="utf-8")
    return folder


_BASE = """id: X-GL-1
family: X-GL-1
title: test
issued: 2020-01-01
valid_from: 2020-01-01
authorities: [EO13685]
parties: any
purposes: [regulatory-compliance]
reference: "test"
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            _BASE.replace("[EO13685]", "[EO99999]"),
            r"X.yaml:6: authorities.0.id: unknown authority 'EO99999'",
        ),
        (
            _BASE.replace("[regulatory-compliance]", "[bribes]"),
            r"X.yaml:8: purposes.0.code: unknown purpose",
        ),
        (
            _BASE + "conditions:\n  excluded_regions: [UA-99]\n",
            r"X.yaml:11: conditions.excluded_regions.value.0.code: 'UA-99' is not an ISO",
        ),
        (
            _BASE + "caps:\n  - {amount: 10, currency: USX, period: calendar_year}\n",
            r"caps.0.currency: 'USX' is not an ISO 4217",
        ),
        (
            _BASE + "caps:\n  - {amount: 10.001, currency: USD, period: calendar_year}\n",
            r"caps.0.amount: at most two decimal places",
        ),
        (
            _BASE + "caps:\n  - {amount: 10, currency: USD, period: rolling_12_months}\n",
            r"caps.0.period",
        ),
        (_BASE.replace("issued: 2020-01-01", "issued: 2020-13-01"), r"X.yaml:4: issued"),
        (_BASE + "colour: red\n", r"X.yaml:10: colour: Extra inputs are not permitted"),
        (_BASE + "title: again\n", r"X.yaml:10: not valid YAML: .*duplicate key 'title'"),
        (_BASE + "supersedes: CYBER-GL-1C\n", r"supersedes: CYBER-GL-1C is of family 'CYBER-GL-1'"),
        (_BASE.replace("family: X-GL-1", "family: CYBER-GL-1"), r"would both be in force"),
        (_BASE.replace("id: X-GL-1", "id: CYBER-GL-1A"), r"id: 'CYBER-GL-1A' is already defined"),
        ("- just a list\n", r"X.yaml: expected a mapping"),
        (
            _BASE + "caps:\n  - {amount: 10, currency: USD, period: calendar_year}\n",
            r"X.yaml:8: purposes.0.code: purposes.yaml says 'regulatory-compliance' is not "
            r"capped, but a cap of X-GL-1 applies to it",
        ),
        (
            _BASE + "conditions:\n  goods_category: {value: fish}\n",
            r"X.yaml:11: conditions.goods_category.value: unknown goods category 'fish'",
        ),
    ],
)
def test_rule_errors_name_the_file_the_field_and_the_line(
    tmp_path: Path, text: str, expected: str
) -> None:
    folder = _broken(tmp_path, "X.yaml", text)
    with pytest.raises(RuleError, match=expected):
        load_rules(folder)


def test_a_license_needing_goods_yaml_is_refused_without_it(tmp_path: Path) -> None:
    folder = _copy_rules(tmp_path)
    (folder / "goods.yaml").unlink()
    with pytest.raises(RuleError, match=r"CYBER-GL-1.yaml:\d+: conditions.goods_category.value"):
        load_rules(folder)


def test_every_purpose_says_whether_it_is_capped_and_why(rules: RuleSet) -> None:
    capped = {code for code, p in rules.purposes.items() if p.capped.value}
    assert capped == {"import-authorization-fee"}
    assert all(p.capped.why and p.capped.reference for p in rules.purposes.values())
    fee = rules.purposes["import-authorization-fee"]
    # The notification-fee purpose is worded as GL 1 words it.
    assert "information technology products" in fee.description
    assert "licenses, permits, certifications, or notifications" in fee.description
    # A fee must not escape the cap by being called a compliance payment.
    assert [r.when for r in rules.purposes["regulatory-compliance"].review] == ["payment", "goods"]
    assert [r.when for r in rules.purposes["law-enforcement-compliance"].review] == ["goods"]


def test_missing_programs_file_is_named(tmp_path: Path) -> None:
    folder = _copy_rules(tmp_path)
    (folder / "programs.yaml").unlink()
    with pytest.raises(RuleError, match=r"programs.yaml: missing"):
        load_rules(folder)


def test_programs_file_cross_references_are_checked(tmp_path: Path) -> None:
    folder = _copy_rules(tmp_path)
    path = folder / "programs.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("authorities: [EO13382]", "authorities: [EO1]"),
        encoding="utf-8",
    )
    with pytest.raises(
        RuleError, match=r"programs.yaml:\d+: programs.NPWMD.authorities.0: unknown"
    ):
        load_rules(folder)


def test_rules_dir_env_variable_is_honoured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _copy_rules(tmp_path)
    monkeypatch.setenv(RULES_DIR_ENV, str(folder))
    assert default_rules_dir() == folder
    assert load_rules().source == str(folder)
    monkeypatch.setenv(RULES_DIR_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(RuleError, match="not found"):
        load_rules()


def test_packaged_rules_keep_the_version_they_had_before_the_move() -> None:
    assert default_rules_dir(Settings()) == packaged_rules()
    assert load_rules(settings=Settings()).version == VERSION_BEFORE_THE_MOVE


@pytest.mark.parametrize("found_by", ["CLEARANCE_CONFIG", "cwd"])
def test_rules_dir_in_the_settings_file_is_used_and_its_source_is_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, found_by: str
) -> None:
    folder = _copy_rules(tmp_path)
    config = tmp_path / "clearance.toml"
    config.write_text(f"rules_dir = '{folder}'\n", encoding="utf-8")
    monkeypatch.delenv(RULES_DIR_ENV, raising=False)
    if found_by == "cwd":
        monkeypatch.delenv(ENV_PREFIX + "CONFIG", raising=False)
        monkeypatch.chdir(tmp_path)
    else:
        monkeypatch.setenv(ENV_PREFIX + "CONFIG", str(config))
    loaded = load_settings()
    assert loaded.described()["rules_dir"] == {"value": str(folder), "source": "file"}
    assert load_rules(settings=loaded.settings).source == str(folder)
    assert load_rules().source == str(folder)  # settings loaded as the commands load them


def test_environment_overrides_the_file_and_a_flag_overrides_the_environment(
    tmp_path: Path,
) -> None:
    in_file, in_env, in_flag = (_copy_rules(tmp_path / where) for where in ("file", "env", "flag"))
    config = tmp_path / "clearance.toml"
    config.write_text(f"rules_dir = '{in_file}'\n", encoding="utf-8")
    env = {ENV_PREFIX + "CONFIG": str(config), RULES_DIR_ENV: str(in_env)}

    by_env = load_settings(env=env)
    assert by_env.described()["rules_dir"] == {"value": str(in_env), "source": "env"}
    assert load_rules(settings=by_env.settings).source == str(in_env)

    by_flag = load_settings({"rules_dir": in_flag}, env=env)
    assert by_flag.described()["rules_dir"] == {"value": str(in_flag), "source": "flag"}
    assert load_rules(settings=by_flag.settings).source == str(in_flag)
