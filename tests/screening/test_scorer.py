"""The scorer on its own: `compare`, token similarity, the frozen algorithm registry."""

from __future__ import annotations

import pytest

from clearance.model import EntryType
from clearance.screening import ALGORITHMS, compare, get_algorithm
from clearance.screening.scorer import token_similarity

CONFIG = get_algorithm("clearance-v1")


def test_registry_holds_frozen_named_algorithms() -> None:
    assert set(ALGORITHMS) >= {"clearance-v1"}
    assert CONFIG.match_threshold == 0.80 and CONFIG.review_threshold == 0.75
    # A weak alias met exactly is reported for review, never a match on its own.
    assert CONFIG.review_threshold <= CONFIG.weak_alias_score < CONFIG.match_threshold
    with pytest.raises(ValueError, match="unknown screening algorithm 'nope'"):
        get_algorithm("nope")
    with pytest.raises(AttributeError):
        CONFIG.match_threshold = 0.5  # type: ignore[misc]
    data = CONFIG.to_dict()
    assert data["name"] == "clearance-v1"
    assert data["type_penalties"]["person/vessel"] == 0.25


@pytest.mark.parametrize(
    ("a", "b", "how"),
    [
        ("putin", "putin", "="),
        ("putyn", "putin", "fuzzy+phonetic"),
        ("sluzba", "sluzhba", "fuzzy+phonetic"),
        ("v", "vladimir", "initial"),
        ("corp", "company", "synonym"),
        ("trading", "trade", "synonym"),
    ],
)
def test_token_pairs_that_align(a: str, b: str, how: str) -> None:
    similarity, found = token_similarity(a, b, CONFIG)
    assert found == how
    assert similarity >= CONFIG.min_token_similarity


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("fsb", "fsa"),  # three letters: exact only
        ("ali", "aly"),
        ("federal", "federalnaya"),  # too many edits
        ("1011551", "1011552"),  # numbers: exact only
        ("zhao", "qiu"),  # short romanized syllables are no synonyms
        ("v", "putin"),  # an initial of another letter
    ],
)
def test_token_pairs_that_do_not(a: str, b: str) -> None:
    similarity, _ = token_similarity(a, b, CONFIG)
    assert similarity < CONFIG.min_token_similarity


def test_long_tokens_align_with_two_edits() -> None:
    # Two substitutions in eight letters score below the general floor, but the pair is long
    # enough for two edits; in five letters it is not.
    similarity, how = token_similarity("fmratecy", "faratech", CONFIG)
    assert how == "fuzzy" and similarity < CONFIG.min_token_similarity
    assert CONFIG.aligns(similarity, "fmratecy", "faratech")
    assert not CONFIG.aligns(similarity, "fmrat", "farat")


def test_compare_explains_itself() -> None:
    score, features = compare("Vladimir Putin", "PUTIN, Vladimir Vladimirovich", EntryType.PERSON)
    assert score >= CONFIG.match_threshold
    (name,) = features
    assert name.name == "name" and name.score == score
    assert name.detail.startswith(
        "query 'Vladimir Putin' ~ listed 'PUTIN, Vladimir Vladimirovich' (primary): "
        "vladimir~VLADIMIR 1.00, putin~PUTIN 1.00, "
        "[VLADIMIROVICH unmatched on listed side, optional]"
    )


def test_compare_orders_and_scripts() -> None:
    cyrillic, _ = compare("ПУТИН Владимир Владимирович", "PUTIN, Vladimir Vladimirovich")
    reordered, _ = compare("Vladimir Vladimirovich PUTIN", "PUTIN, Vladimir Vladimirovich")
    assert cyrillic == reordered == 1.0


def test_compare_legal_forms() -> None:
    same, features = compare("OOO Romashka", "Romashka LLC", EntryType.ORGANIZATION)
    assert same == 1.0
    assert features[1].detail == "query llc and listed llc (same form)"
    different, features = compare("AO Romashka", "Romashka LLC", EntryType.ORGANIZATION)
    assert different == pytest.approx(1.0 - CONFIG.legal_form_mismatch_penalty)
    assert features[1].score == -CONFIG.legal_form_mismatch_penalty
    leftover, features = compare("Torgan Co., Ltd", "TORGAN CO., LIMITED", EntryType.ORGANIZATION)
    assert leftover >= 0.95
    assert "[CO unmatched on listed side, legal-form word]" in features[0].detail
    assert compare("LLC", "Romashka LLC")[0] < 0.5


def test_compare_weights_generic_words_down() -> None:
    generic, _ = compare("Acme Trading Company", "Zenith Trading Company")
    distinctive, _ = compare("Acme Trading Company", "Acme Shipping Company")
    assert generic < CONFIG.review_threshold < distinctive


def test_compare_short_names_only_exactly() -> None:
    assert compare("FSB", "FSB")[0] == 1.0
    score, features = compare("FSA", "FSB")
    assert score == 0.0
    assert "differs from short name 'FSB'" in features[0].detail
    assert compare("", "FSB")[0] == 0.0


def test_initials_earn_little() -> None:
    full, _ = compare("Vladimir Putin", "PUTIN, Vladimir", EntryType.PERSON)
    initial, features = compare("V. Putin", "PUTIN, Vladimir", EntryType.PERSON)
    assert initial < full
    assert "v~VLADIMIR 0.90 (initial)" in features[0].detail
    # A listed one-letter family name is not an initial of a full query given name.
    olga, _ = compare("Olga Kuk", "O, Kuk-Ryol", EntryType.PERSON)
    assert olga < CONFIG.review_threshold


def test_concatenated_tokens_align() -> None:
    score, features = compare("Al Qaeda", "ALQAEDA", EntryType.ORGANIZATION)
    assert score >= CONFIG.match_threshold
    assert "al+qaeda~ALQAEDA 1.00 (merged)" in features[0].detail


def test_look_alikes_without_a_common_word_are_weaker_evidence() -> None:
    look_alike, features = compare("Castro", "CASTOR", EntryType.ORGANIZATION)
    similarity, _ = token_similarity("castro", "castor", CONFIG)
    assert look_alike == pytest.approx(similarity * CONFIG.no_exact_word_factor, abs=1e-4)
    assert "no word in common, look-alikes only (scaled down)" in features[0].detail
    one_common, features = compare("Castro Trading", "CASTOR TRADING", EntryType.ORGANIZATION)
    assert "look-alikes only" not in features[0].detail
    assert one_common > look_alike
