"""Writes src/clearance/names/data/name_frequency.csv: how common each name word is among
ordinary people's names, for clearance-v2's evidence weights (names/frequency.py).

Source: the person-name lists that ship with Faker (MIT licence), every locale it has. Where
Faker gives frequencies (en_US, ko_KR, zh_CN, ... from census tables: its providers cite
them), a name's share is its frequency over the list's total; where it gives a plain list,
every name of the list gets an equal share. Each name is read as clearance-v2 reads names
(`analyze_name(..., reading="v2")`: Arabic, Persian, Hangul, Han and Cyrillic names come out
as the words screening compares), and a word's share is the largest it has in any locale's
first-name or last-name list: `kim` is a fifth of Korean surnames, `muhammad` one of a few
hundred Arabic given names. Words of less than 1 in 5,000 are left out (weight 1.0).

    python scripts/make_name_frequency.py     # needs Faker (the `dev` extra)
"""

from __future__ import annotations

import csv
import os
import pkgutil
from collections import defaultdict
from pathlib import Path

import faker.providers.person
from faker import Faker

from clearance.model import EntryType
from clearance.names import analyze_name
from clearance.names.east_asian import syllable_key
from clearance.names.tables import east_asian_tables

OUT = Path(__file__).resolve().parents[1] / "src/clearance/names/data/name_frequency.csv"
MIN_SHARE = 1 / 2000
MIN_LIST = 30  # a few locales have stub lists (`John`, `Jane`): no frequencies there
EAST_ASIAN = ("ko_KR", "zh_CN", "zh_TW")
LISTS = ("first_names_male", "first_names_female", "first_names", "last_names")


def _locales() -> list[str]:
    folder = os.path.dirname(faker.providers.person.__file__)
    return sorted(m.name for m in pkgutil.iter_modules([folder]) if "_" in m.name)


def _weighted(names: object) -> dict[str, float]:
    if isinstance(names, dict):
        return {str(k): float(v) for k, v in names.items()}
    items = list(names)  # type: ignore[call-overload]
    return {str(name): 1.0 for name in items}


def _words(name: str, locale: str, attribute: str) -> tuple[str, ...]:
    """The words screening compares for one name of a list: Korean and Chinese surnames and
    given names as the keys clearance-v2 gives them inside a whole name."""
    tokens = analyze_name(name, EntryType.PERSON, reading="v2").tokens
    if locale not in EAST_ASIAN or not tokens:
        return tokens
    if attribute == "last_names":
        surnames = east_asian_tables().surnames
        return tuple(surnames.get(t, t) for t in tokens)
    return (syllable_key("".join(tokens)),)


def main() -> None:
    best: dict[str, tuple[float, str]] = defaultdict(lambda: (0.0, ""))
    for locale in _locales():
        provider = Faker(locale).provider("faker.providers.person")
        for attribute in LISTS:
            names = _weighted(getattr(provider, attribute, ()))
            if len(names) < MIN_LIST:
                continue
            total = sum(names.values())
            shares: dict[str, float] = defaultdict(float)
            for name, weight in names.items():
                tokens = _words(name, locale, attribute)
                for token in set(tokens):
                    shares[token] += weight / total
            for token, share in shares.items():
                if share > best[token][0]:
                    best[token] = (share, f"{locale}:{attribute}")
    rows = sorted(
        ((t, s, where) for t, (s, where) in best.items() if s >= MIN_SHARE and t.isalpha()),
        key=lambda r: (-r[1], r[0]),
    )
    with OUT.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(("token", "share", "where"))
        writer.writerows((t, f"{s:.5f}", where) for t, s, where in rows)
    print(f"{len(rows)} words written to {OUT}")


if __name__ == "__main__":
    main()
