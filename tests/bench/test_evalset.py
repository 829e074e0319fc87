"""The evaluation-set builder (bench/evalset.py) on the real 2023-12-28 SDN list."""

from __future__ import annotations

import csv
import random
import re
import sys
from pathlib import Path

import pytest
from rapidfuzz.distance import OSA

from clearance.model import Entry, EntryType, NameKind

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import evalset

SMALL = evalset.Sizes().scaled(0.1)  # ~40 per positive kind, ~260 negatives


@pytest.fixture(scope="module")
def sdn(lists_dir: Path) -> list[Entry]:
    return evalset.load_sdn(lists_dir)


@pytest.fixture(scope="module")
def built(sdn: list[Entry]) -> evalset.EvalSet:
    return evalset.build_evalset(sdn, seed=7, sizes=SMALL)


def _by_id(entries: tuple[Entry, ...] | list[Entry]) -> dict[str, Entry]:
    return {e.source_id: e for e in entries}


def test_same_seed_gives_the_same_set_and_another_seed_another(sdn: list[Entry]) -> None:
    first = evalset.build_evalset(sdn, seed=11, sizes=SMALL)
    again = evalset.build_evalset(sdn, seed=11, sizes=SMALL)
    other = evalset.build_evalset(sdn, seed=12, sizes=SMALL)
    assert first.queries == again.queries
    assert first.held_out == again.held_out
    assert first.index_entries == again.index_entries
    assert [q.name for q in first.queries] != [q.name for q in other.queries]


def test_every_kind_is_filled_to_its_size(built: evalset.EvalSet) -> None:
    counts = evalset.summary(built)
    for kind in evalset.POSITIVE_KINDS:
        wanted = SMALL.exact if kind == "exact" else SMALL.per_positive_kind
        assert counts[kind] == wanted, kind
    for kind in evalset.NEGATIVE_KINDS:
        assert counts[kind] == getattr(SMALL, kind), kind
    assert len({q.query_id for q in built.queries}) == len(built.queries)


def test_held_out_aliases_are_absent_from_the_index_input(
    sdn: list[Entry], built: evalset.EvalSet
) -> None:
    original, indexed = _by_id(sdn), _by_id(built.index_entries)
    assert set(original) == set(indexed)
    indexed_keys = {evalset.name_key(n.name) for e in built.index_entries for n in e.names}
    for ent_num, aliases in built.held_out.items():
        before = [n.name for n in original[ent_num].names]
        after = [n.name for n in indexed[ent_num].names]
        for alias in aliases:
            assert alias in before
            assert alias not in after
            assert evalset.name_key(alias) not in indexed_keys
        # Only the held-out aliases left; the primary name always stays.
        assert len(after) == len(before) - len(aliases)
        assert indexed[ent_num].primary_name == original[ent_num].primary_name
    # Entries without held-out aliases are indexed unchanged.
    untouched = [e for e in built.index_entries if e.source_id not in built.held_out]
    assert all(e == original[e.source_id] for e in untouched)


def test_positive_labels_point_at_the_entry_the_query_came_from(
    sdn: list[Entry], built: evalset.EvalSet
) -> None:
    original, indexed = _by_id(sdn), _by_id(built.index_entries)
    for q in built.queries:
        if not q.positive:
            continue
        assert q.expected_id is not None
        entry = indexed[q.expected_id]
        primary = entry.primary_name
        assert q.type is entry.type
        if q.kind == "exact":
            assert q.name == primary
        elif q.kind == "held_out_alias":
            assert built.held_out[q.expected_id] == (q.name,)
            kinds = {n.kind for n in original[q.expected_id].names if n.name == q.name}
            assert kinds <= {NameKind.AKA, NameKind.FKA} and kinds
        elif q.kind == "reordered":
            assert entry.type is EntryType.PERSON
            assert q.name != primary
            assert evalset.sorted_key(q.name) == evalset.sorted_key(primary)
        elif q.kind == "typo":
            assert 1 <= OSA.distance(q.name, primary) <= 2
        elif q.kind == "dropped_middle":
            kept, listed = q.name.split(), primary.split()
            assert len(kept) == len(listed) - 1
            assert all(word in listed for word in kept)
            assert kept[0] == listed[0]  # the surname stays
        elif q.kind == "cyrillic":
            assert re.fullmatch(r"[\u0400-\u04FF0-9\s\W]+", q.name), q.name
            assert any(evalset.CYRILLIC_PROGRAMS.search(p) for p in entry.programs)
        elif q.kind == "legal_form":
            assert entry.type is EntryType.ORGANIZATION
            form = evalset.find_legal_form(primary)
            assert form is not None
            assert evalset.name_key(q.name) != evalset.name_key(primary)
            # Outside the legal form the name is untouched.
            rest = primary[: form.start()] + " " + primary[form.end() :]
            assert all(word in q.name for word in rest.replace(",", " ").split())
        else:
            pytest.fail(f"unexpected positive kind {q.kind}")


def test_cyrillic_queries_read_back_to_the_listed_name(built: evalset.EvalSet) -> None:
    indexed = _by_id(built.index_entries)
    for q in built.by_kind("cyrillic"):
        assert q.expected_id is not None
        back = set(evalset.name_key(evalset.to_latin_bgn(q.name)).split())
        listed = set(evalset.name_key(indexed[q.expected_id].primary_name).split())
        # BGN is not a perfect round trip (`-ievich` comes back `-iyevich`, legal forms come
        # back OOO/AO), but a real word of the listed name survives it.
        assert any(len(word) >= 4 for word in back & listed), (q.name, listed)


def test_positives_are_unambiguous_against_other_entries(built: evalset.EvalSet) -> None:
    owners: dict[str, set[str]] = {}
    for entry in built.index_entries:
        for name in entry.names:
            owners.setdefault(evalset.name_key(name.name), set()).add(entry.source_id)
    for q in built.queries:
        if q.positive:
            assert owners.get(evalset.name_key(q.name), set()) <= {q.expected_id}, q


def test_negatives_are_not_listed_names(sdn: list[Entry], built: evalset.EvalSet) -> None:
    listed = {evalset.sorted_key(n.name) for e in sdn for n in e.names}
    negatives = [q for q in built.queries if not q.positive]
    assert len(negatives) == sum(getattr(SMALL, k) for k in evalset.NEGATIVE_KINDS)
    for q in negatives:
        assert q.expected_id is None
        assert evalset.sorted_key(q.name) not in listed, q
    # Customers come in many scripts: Latin, Cyrillic, Arabic, Han among them.
    scripts = {
        "latin": r"[A-Za-z]",
        "cyrillic": r"[\u0400-\u04FF]",
        "arabic": r"[\u0600-\u06FF]",
        "han": r"[\u4E00-\u9FFF]",
    }
    names = " ".join(q.name for q in negatives)
    for script, pattern in scripts.items():
        assert re.search(pattern, names), script


def test_near_miss_people_keep_a_listed_surname_with_another_given_name(
    sdn: list[Entry], built: evalset.EvalSet
) -> None:
    for q in built.by_kind("near_miss_person"):
        parts = evalset.split_person(q.source_name)
        assert parts is not None
        surname, given = parts
        assert q.name.upper().endswith(" ".join(surname).upper())
        assert q.name.split()[0].upper() not in {g.upper() for g in given}


def test_negatives_equal_to_a_listed_name_are_dropped(sdn: list[Entry]) -> None:
    builder = evalset._Builder(sdn, seed=1, sizes=SMALL)

    def accepted(name: str) -> bool:
        return builder._add_negative(name, "negative_person", "", EntryType.PERSON)

    assert not accepted(sdn[0].primary_name.lower())
    reordered = evalset.natural_order("PUTIN, Vladimir Vladimirovich")
    assert reordered is not None
    assert not accepted(reordered)
    # A listed name with a part left out, in Cyrillic: ALEKSEEV, Oleg Aleksandrovich (36763).
    assert not accepted("Алексеев Олег")
    # A listed company under another legal form: PROMSVYAZBANK PUBLIC JOINT STOCK COMPANY.
    assert not accepted("Promsvyazbank PJSC")
    assert accepted("Zebulon Quarterfield")
    assert accepted("Castro")  # one word found in listed names is no listed name


def test_no_negative_is_contained_in_a_listed_name(
    sdn: list[Entry], built: evalset.EvalSet
) -> None:
    listed = [
        frozenset(evalset.strip_legal_forms(evalset.name_key(n.name)).split())
        for e in sdn
        for n in e.names
    ]
    negatives = [q for q in built.queries if not q.positive]
    for q in random.Random(0).sample(negatives, 60):
        for key in evalset.name_keys(q.name):
            words = frozenset(evalset.strip_legal_forms(key).split())
            if len(words) >= 2:
                assert not any(words <= name for name in listed), q
            else:
                assert words not in listed, q


def test_real_companies_in_faker_are_not_negatives(built: evalset.EvalSet) -> None:
    from faker import Faker

    real = {
        c
        for locale in evalset.COMPANY_LOCALES
        for p in Faker(locale).get_providers()
        for c in getattr(p, "large_companies", ())
    }
    assert "Промсвязьбанк" in real
    assert not {q.name for q in built.by_kind("negative_company")} & real


def test_legal_form_swaps_stay_within_the_form_group() -> None:
    rng = random.Random(3)
    seen = set()
    for _ in range(60):
        swapped = evalset.swap_legal_form("LIMITED LIABILITY COMPANY TRANSLINEINVEST", rng)
        assert swapped is not None and swapped.endswith("TRANSLINEINVEST")
        seen.add(swapped.removesuffix("TRANSLINEINVEST").strip())
    assert seen == {"LLC", "OOO", "OBSHCHESTVO S OGRANICHENNOI OTVETSTVENNOSTYU", ""}
    # `LTD.` with its dot, and the hyphenated `JOINT-STOCK` spelling, are recognised.
    form = evalset.find_legal_form("IPS PACIFIC COMPANY LTD.")
    assert form is not None and evalset.legal_form_of(form) == "LTD"
    form = evalset.find_legal_form("PUBLIC JOINT-STOCK COMPANY ODK")
    assert form is not None and evalset.legal_form_of(form) == "PUBLIC JOINT STOCK COMPANY"
    # A form inside a word is not a form.
    assert evalset.find_legal_form("AOMORI TRADING") is None
    assert evalset.swap_legal_form("BANCO NACIONAL DE CUBA", rng) is None


def test_person_name_helpers() -> None:
    assert evalset.natural_order("RODRIGUEZ OREJUELA, Gilberto Jose") == (
        "Gilberto Jose Rodriguez Orejuela"
    )
    assert evalset.natural_order("AEROCARIBBEAN AIRLINES") is None
    rng = random.Random(0)
    dropped = {
        evalset.drop_middle("PUTIN, Vladimir Vladimirovich Petrovich", rng) for _ in range(30)
    }
    assert dropped == {"PUTIN, Vladimir Petrovich", "PUTIN, Vladimir Vladimirovich"}
    assert evalset.drop_middle("ABBAS, Abu", rng) is None


def test_typos_are_one_or_two_edits() -> None:
    rng = random.Random(5)
    for edits in (1, 2):
        for _ in range(200):
            typo = evalset.make_typo("SYRIAN COMPANY FOR OIL TRANSPORT", rng, edits)
            assert 1 <= OSA.distance(typo, "SYRIAN COMPANY FOR OIL TRANSPORT") <= edits


def test_csv_has_the_agreed_columns(built: evalset.EvalSet, tmp_path: Path) -> None:
    path = tmp_path / "evalset.csv"
    evalset.write_csv(built, path)
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == list(evalset.CSV_COLUMNS)
    assert len(rows) == len(built.queries)
    first = built.queries[0]
    assert rows[0]["name"] == first.name and rows[0]["expected_id"] == (first.expected_id or "")
    assert {r["kind"] for r in rows} == set(evalset.POSITIVE_KINDS + evalset.NEGATIVE_KINDS)
