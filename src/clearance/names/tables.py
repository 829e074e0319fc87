"""The data tables of clearance-v2's name reading, loaded once from package data.

Each table is a YAML file under `names/data/` that says where its content comes from; this
module only reads them (package resources, read-only, like rigour's and ICU's own data) and
checks that no spelling belongs to two groups.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

import yaml

__all__ = [
    "ArabicTables",
    "EastAsianTables",
    "arabic_tables",
    "cyrillic_rules",
    "east_asian_tables",
    "honorifics",
    "org_qualifiers",
]

Rules = tuple[tuple[re.Pattern[str], str], ...]


def _load(name: str) -> Any:
    return yaml.safe_load(files("clearance.names").joinpath("data", name).read_text("utf-8"))


def _rules(pairs: list[list[str]]) -> Rules:
    return tuple((re.compile(pattern), replacement) for pattern, replacement in pairs)


@dataclass(frozen=True, slots=True)
class ArabicTables:
    latin: dict[str, str]  # spelling -> canonical name part
    script: dict[str, str]  # folded Arabic-script form -> canonical name part (may be 2 words)
    letters: dict[str, str]
    semivowels: dict[str, str]
    marks: frozenset[str]
    fold: dict[str, str]
    prefixes: tuple[str, ...]  # longest first
    suffixes: tuple[str, ...]
    suffix_reads: dict[str, str]
    prefix_reads: str
    min_rest: int
    articles: frozenset[str]


def fold_arabic(text: str, fold: dict[str, str], marks: frozenset[str]) -> str:
    return "".join(fold.get(c, c) for c in text if c not in marks)


@cache
def arabic_tables() -> ArabicTables:
    parts, letters = _load("arabic_name_parts.yaml"), _load("arabic_letters.yaml")
    marks = frozenset(letters["marks"])
    latin: dict[str, str] = {}
    script: dict[str, str] = {}
    for canonical, group in parts["groups"].items():
        for spelling in [canonical, *group.get("latin", [])]:
            if latin.get(spelling, canonical) != canonical:
                raise ValueError(f"{spelling!r} is in two groups: {latin[spelling]}, {canonical}")
            latin[spelling] = canonical
        for form in group.get("arabic", []):
            script[fold_arabic(form, letters["fold"], marks).replace(" ", "")] = canonical
    split = parts["split"]
    return ArabicTables(
        latin=latin,
        script=script,
        letters=letters["letters"],
        semivowels=letters["semivowels"],
        marks=marks,
        fold=letters["fold"],
        prefixes=tuple(sorted(split["prefixes"], key=len, reverse=True)),
        suffixes=tuple(sorted(split["suffixes"], key=len, reverse=True)),
        suffix_reads=split["suffix_reads"],
        prefix_reads=split["prefix_reads"],
        min_rest=split["min_rest"],
        articles=frozenset(parts["articles"]),
    )


@cache
def cyrillic_rules() -> tuple[int, Rules]:
    data = _load("cyrillic_spellings.yaml")
    return data["min_length"], _rules(data["rules"])


@dataclass(frozen=True, slots=True)
class EastAsianTables:
    korean_hangul: dict[str, str]  # Hangul surname -> its key
    surnames: dict[str, str]  # Latin spelling -> surname key
    syllabic: re.Pattern[str]
    syllable: re.Pattern[str]
    key_rules: Rules


@cache
def east_asian_tables() -> EastAsianTables:
    data = _load("east_asian_names.yaml")
    hangul: dict[str, str] = {}
    surnames: dict[str, str] = {}
    for key, item in data["korean_surnames"].items():
        key = key.rstrip("0123456789")
        hangul[item["hangul"]] = key
        for spelling in item["latin"]:
            surnames.setdefault(spelling, key)
    key_rules = _rules(data["key_rules"])
    for spelling in data["chinese_surnames"]:
        surnames.setdefault(spelling, apply_rules(spelling, key_rules))
    syllable = data["syllable"]
    syllabic = re.compile(f"(?:{syllable}){{1,{data['max_syllables']}}}")
    return EastAsianTables(hangul, surnames, syllabic, re.compile(syllable), key_rules)


def apply_rules(word: str, rules: Rules) -> str:
    for pattern, replacement in rules:
        word = pattern.sub(replacement, word)
    return word


@cache
def honorifics() -> frozenset[str]:
    return frozenset(_load("name_particles.yaml")["honorifics"])


@cache
def org_qualifiers() -> frozenset[str]:
    data = _load("org_qualifiers.yaml")
    return frozenset(data["connectors"]) | frozenset(data["words"])
