"""The 50 Percent Rule: aggregation, chains, the CSV import, and its effect on decisions."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from decisions_support import Snapshot, fee, screened
from sqlalchemy import Engine

from clearance.decisions.analysis import Context
from clearance.decisions.evaluate import evaluate
from clearance.decisions.ownership import (
    Link,
    ListedOwner,
    OwnershipError,
    OwnershipView,
    blocked_share,
    build_view,
    import_ownership,
    latest_import,
    load_links,
    node_key,
    parse_ownership_csv,
)
from clearance.decisions.rules import RuleSet
from clearance.decisions.screened import version_ref
from clearance.decisions.trace import Outcome

LISTS = {"ofac-sdn"}


def view(sdn: Snapshot, rows: list[tuple[str, str, str]], listed: tuple[str, ...]) -> OwnershipView:
    version, entries = sdn("2018-12")
    links = [
        Link(node_key(a, LISTS), node_key(b, LISTS), a, b, Decimal(p), i)
        for i, (a, b, p) in enumerate(rows, start=1)
    ]
    resolved = {
        f"ofac-sdn:{i}": ListedOwner(f"ofac-sdn:{i}", version_ref(version), entries[i])
        for i in listed
    }
    return OwnershipView(tuple(links), resolved)


def share(v: OwnershipView, name: str) -> Decimal | None:
    found = blocked_share({node_key(name, LISTS)}, v, name)
    return found.share if found else None


def test_stakes_of_different_blocked_persons_add_up(sdn: Snapshot) -> None:
    v = view(
        sdn,
        [("ofac-sdn:21344", "Alpha OOO", "25"), ("ofac-sdn:24646", "Alpha OOO", "25")],
        ("21344", "24646"),
    )
    finding = blocked_share({node_key("Alpha OOO", LISTS)}, v, "Alpha OOO")
    assert finding is not None and finding.blocked and finding.share == 50
    assert {o.ref for o in finding.owners} == {"ofac-sdn:21344", "ofac-sdn:24646"}
    assert not finding.multiplied


def test_a_name_is_one_entity_whatever_its_legal_form_case_or_punctuation(sdn: Snapshot) -> None:
    # The ownership data writes the Russian form, the payee the English one: one entity.
    v = view(
        sdn,
        [
            ("ofac-sdn:21344", "TVERSKAYA CIPHER SERVICES, OOO", "25"),
            ("ofac-sdn:24646", "tverskaya  cipher-services limited liability company", "25"),
        ],
        ("21344", "24646"),
    )
    assert node_key("Tverskaya Cipher Services LLC", LISTS) == "name:cipher services tverskaya"
    assert share(v, "Tverskaya Cipher Services LLC") == 50
    assert share(v, "tverskaya cipher services") == 50
    assert share(v, "Tverskaya Cipher Holdings LLC") is None  # another name is another entity


def test_below_fifty_percent_is_not_blocked(sdn: Snapshot) -> None:
    v = view(sdn, [("ofac-sdn:21344", "Alpha OOO", "49.99")], ("21344",))
    finding = blocked_share({node_key("Alpha OOO", LISTS)}, v, "Alpha OOO")
    assert finding is not None and not finding.blocked


def test_a_blocked_intermediary_counts_in_full(sdn: Snapshot) -> None:
    # OFAC's example: X owns 50% of A, A owns 50% of B -> B is blocked (not 25%).
    v = view(sdn, [("ofac-sdn:21344", "A Corp", "50"), ("A Corp", "B Corp", "50")], ("21344",))
    assert share(v, "B Corp") == 50
    finding = blocked_share({node_key("B Corp", LISTS)}, v, "B Corp")
    assert finding is not None and [o.ref for o in finding.owners] == ["ofac-sdn:21344"]
    assert "is itself blocked" in finding.lines[0]


def test_an_unblocked_intermediary_multiplies(sdn: Snapshot) -> None:
    # X owns 40% of A (A not blocked); A owns 100% of C; Y owns 10% of C: 40% + 10% = 50%.
    v = view(
        sdn,
        [
            ("ofac-sdn:21344", "A Corp", "40"),
            ("A Corp", "C Corp", "100"),
            ("ofac-sdn:24646", "C Corp", "10"),
        ],
        ("21344", "24646"),
    )
    finding = blocked_share({node_key("C Corp", LISTS)}, v, "C Corp")
    assert finding is not None and finding.share == 50 and finding.blocked
    assert finding.multiplied
    assert any("40% counts (100% x 40%)" in line for line in finding.lines)


def test_ownership_cycles_terminate(sdn: Snapshot) -> None:
    v = view(
        sdn,
        [
            ("ofac-sdn:21344", "A Corp", "30"),
            ("A Corp", "B Corp", "60"),
            ("B Corp", "A Corp", "40"),
        ],
        ("21344",),
    )
    assert share(v, "B Corp") is not None


def test_names_are_folded_across_scripts(sdn: Snapshot) -> None:
    v = view(sdn, [("ofac-sdn:21344", "ООО Альфа", "60")], ("21344",))
    assert share(v, "ooo alfa") == 60


def test_an_entity_owned_by_the_fsb_is_blocked_and_gl1_does_not_reach_it(
    rules: RuleSet, sdn: Snapshot
) -> None:
    version, _ = sdn("2018-12")
    v = view(sdn, [("ofac-sdn:21344", "Lubyanka Print Services OOO", "60")], ("21344",))
    party = screened("Lubyanka Print Services OOO", version)  # screening finds nothing
    txn = fee("o1", "2019-03-01", party="Lubyanka Print Services OOO")
    decision = evaluate(txn, [party], Context(rules, ownership=v, cap_holder="ACME Corp"))
    assert decision.decision is Outcome.PROHIBITED
    owned = next(r for r in decision.reasons if r.finding == "blocked-by-ownership")
    assert "60.00%" in owned.text and "FEDERAL SECURITY SERVICE" in owned.text
    refused = next(r for r in decision.reasons if r.finding == "party-not-named")
    assert "does not extend to owned entities" in refused.text
    assert {u.authority for u in decision.uncovered_authorities} == {"EO13694", "CAATSA-224"}


def test_a_license_that_extends_to_owned_entities_covers_them(
    tmp_path: Path, sdn: Snapshot
) -> None:
    import shutil

    from clearance.decisions.rules import default_rules_dir, load_rules

    folder = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), folder)
    path = folder / "general_licenses" / "CYBER-GL-1A.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "includes_owned_entities: false", "includes_owned_entities: true"
        ),
        encoding="utf-8",
    )
    version, _ = sdn("2018-12")
    v = view(sdn, [("ofac-sdn:21344", "Lubyanka Print Services OOO", "60")], ("21344",))
    decision = evaluate(
        fee("o2", "2019-03-01", party="Lubyanka Print Services OOO"),
        [screened("Lubyanka Print Services OOO", version)],
        Context(load_rules(folder), ownership=v, cap_holder="ACME Corp"),
    )
    assert decision.decision is Outcome.AUTHORIZED


def test_csv_parsing(tmp_path: Path) -> None:
    text = (
        "owner,owned,percentage\n"
        "ofac-sdn:21344,Alpha OOO,30\n"
        "Beta Holding,Alpha OOO,25%,2020-01-01,2020-12-31\n"
        "# a comment\n"
        "\n"
    )
    links = parse_ownership_csv(text, "own.csv", LISTS)
    assert [(lk.owner, lk.owned, lk.percentage, lk.line) for lk in links] == [
        ("ofac-sdn:21344", "name:alpha", Decimal(30), 2),  # legal form folded
        ("name:beta holding", "name:alpha", Decimal(25), 3),
    ]
    assert links[1].valid_until is not None and links[1].valid_until.year == 2020


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a,b\n", r"own.csv:1: expected owner,owned,percentage"),
        ("a,b,abc\n", r"own.csv:1: percentage: not a number"),
        ("a,b,0\n", r"own.csv:1: percentage must be in \(0, 100\]"),
        ("a,b,101\n", r"own.csv:1: percentage must be in"),
        ("a,b,10,2020-13-01\n", r"own.csv:1: valid_from: not a date"),
        ("a,a,10\n", r"own.csv:1: an entity cannot own itself"),
        ("x,b,60\ny,b,50\n", r"own.csv: lines 1, 2: stakes in b add up to 110%"),
        ("owner,owned,percentage\n", r"own.csv: no ownership rows"),
    ],
)
def test_csv_errors_name_the_line(text: str, message: str) -> None:
    with pytest.raises(OwnershipError, match=message):
        parse_ownership_csv(text, "own.csv", LISTS)


def test_import_replaces_the_data_set_and_keeps_the_old(engine: Engine, tmp_path: Path) -> None:
    first = tmp_path / "first.csv"
    first.write_text("ofac-sdn:21344,Alpha OOO,60\n", encoding="utf-8")
    second = tmp_path / "second.csv"
    second.write_text("ofac-sdn:21344,Alpha OOO,20\nofac-sdn:21344,Beta OOO,70\n", encoding="utf-8")
    one = import_ownership(engine, first, LISTS)
    two = import_ownership(engine, second, LISTS)
    latest = latest_import(engine)
    assert latest is not None and latest.id == two.id and latest.rows == 2
    assert [lk.percentage for lk in load_links(engine, one.id)] == [Decimal(60)]
    links = load_links(engine, two.id)
    v = build_view(links, fee("x", "2019-01-01").date, lambda ref: None, two.id)
    assert v.listed == {} and len(v.links) == 2


def test_import_of_a_bad_file_stores_nothing(engine: Engine, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("ofac-sdn:21344,Alpha OOO,60\nBeta,Alpha OOO,x\n", encoding="utf-8")
    with pytest.raises(OwnershipError, match=r"bad\.csv:2"):
        import_ownership(engine, bad, LISTS)
    assert latest_import(engine) is None
