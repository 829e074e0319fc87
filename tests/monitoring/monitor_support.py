"""Shared pieces of the monitoring tests: the real SDN versions, and a small party book.

The book holds planted names of listed parties (as customers write them: reordered, with a
typo, with another legal form) among a few hundred Faker names from many locales and scripts,
so that the tests stay fast while every door of retrieval and of reverse screening is used.
"""

from __future__ import annotations

import csv
import random
from datetime import date
from pathlib import Path

from faker import Faker
from sqlalchemy import Engine

from clearance.lists.ofac_csv import parse
from clearance.model import ListVersion
from clearance.store.versions import import_list

BEFORE = date(2022, 6, 17)
AFTER = date(2022, 6, 28)

# Planted: (id, name, type, dob, country, identifiers) — what the test expects of each is
# noted beside it. SDN entry numbers in brackets.
PLANTED: list[tuple[str, str, str, str, str, str]] = [
    # listed on 2022-06-17 and unchanged on 2022-06-28: alerts of the first run
    ("C-PUTIN", "Vladimir Putin", "person", "", "", ""),  # [35096]
    ("C-SECHIN", "Igor Sechin", "person", "1960-09-07", "RU", ""),  # [16692]
    ("C-KADYROV", "Ramzan Kadyrov", "person", "", "", ""),  # [23343]
    # listed on both dates, its entry changed on 2022-06-28 (changed-entry)
    ("C-FSB", "Federal Security Service", "organization", "", "", ""),  # [21344]
    ("C-ROSOBORON", "Rosoboroneksport OAO", "organization", "", "", ""),
    ("C-BORODAY", "Alexander Boroday", "person", "", "", ""),
    # added on 2022-06-28 (new-entry), written as customers write them
    ("C-GRIGORYEV", "Andrey Grigoryev", "person", "", "", ""),  # reordered, no patronymic
    ("C-KRINITSYN", "Krinitsyn, Oleg", "person", "", "", ""),
    ("C-PINCHUK", "Andrei Pinchuck", "person", "", "", ""),  # one letter more
    ("C-KULYGINA", "KULYGINA Olga Ivanovna", "person", "", "", ""),
    ("C-TEKHNO", "Tekhnodinamika JSC", "organization", "", "", ""),  # legal form moved
    ("C-TEKHNO2", "Tekhnodynamica AO", "organization", "", "", ""),  # two letters off
    ("C-TEKHNO3", "Tekhnodimanika JSC", "organization", "", "", ""),  # n, m swapped
    ("C-KRIMITSYN", "Oleg Krimitsyn", "person", "", "", ""),  # another sound
    ("C-ENERGO", "Energocenter Irkut", "organization", "", "", ""),
    # ... and some that score just above the review threshold (0.75 to 0.80)
    ("C-ANDREY", "Andrey Ivanovich", "person", "", "", ""),  # GRIGORYEV, Andrey Ivanovich
    ("C-TUPDB", "Tupolev Design Bureau", "organization", "", "", ""),
    ("C-ROSTEC", "State Corporation Rostec", "organization", "", "", ""),
    ("C-SHVABE", "Shvabe AO", "organization", "", "", ""),
    ("C-TUPOLEV", "PJSC Tupolev", "organization", "", "", ""),
    ("C-IRKUT", "Irkut Corporation", "organization", "", "", ""),
    ("C-ILYUSHIN", "Ilyushin Finance Co", "organization", "", "", ""),
    ("C-RADIOZAVOD", "Radiozavod", "organization", "", "", ""),
    # not listed, but sharing words with listed names (`Andrey`, `Olga`, `Service`)
    ("C-NEAR1", "Andrey Smirnov", "person", "", "", ""),
    ("C-NEAR2", "Olga Petrova", "person", "", "", ""),
    ("C-NEAR3", "Federal Express Service Ltd", "organization", "", "", ""),
    ("C-ID", "Nadia Lange", "person", "1980-01-01", "DE", "Passport:C01X00T47"),
]
# Evasions of entries added on 2022-06-28 (issue 15), for a version with clearance-v1.1's
# routes: a word split by a hyphen or a space, two words joined, a right-to-left override
# (stored `NYSTINIRK gelO`, displayed `Oleg KRINITSYN`). clearance-v1 finds none of them and
# refuses the last at import.
EVASIONS: list[tuple[str, str, str, str, str, str]] = [
    ("C-HYPHEN", "Oleg Krini-tsyn", "person", "", "", ""),  # [37672]
    ("C-SPACED", "Tekhno Dinamika JSC", "organization", "", "", ""),  # [18774]
    ("C-JOINED", "KulyginaOlga Ivanovna", "person", "", "", ""),  # [37678]
    ("C-SPLIT", "Andrey Grigo ryev", "person", "", "", ""),  # [36377]
    ("C-BIDI", "\u202eNYSTINIRK gelO", "person", "", "", ""),  # [37672]
]
LOCALES = (
    "en_US",
    "de_DE",
    "fr_FR",
    "es_ES",
    "it_IT",
    "pl_PL",
    "tr_TR",
    "ru_RU",
    "uk_UA",
    "ar_AA",
    "fa_IR",
    "zh_CN",
    "ja_JP",
    "ko_KR",
    "el_GR",
    "vi_VN",
)
COLUMNS = ("id", "name", "type", "dob", "country", "identifiers")


def import_sdn(engine: Engine, lists_dir: Path, when: date) -> ListVersion:
    folder = lists_dir / "ofac" / "sdn_csv" / when.isoformat()
    return import_list(engine, parse(folder), published=when).version


def book_rows(fakes: int = 300, seed: int = 11) -> list[tuple[str, ...]]:
    """The planted parties, then `fakes` Faker persons and companies (fixed seed)."""
    rows: list[tuple[str, ...]] = list(PLANTED)
    rnd = random.Random(seed)
    fakers = []
    for k, locale in enumerate(LOCALES):
        faker = Faker(locale)
        faker.seed_instance(seed + k)
        fakers.append(faker)
    for k in range(fakes):
        faker = fakers[k % len(fakers)]
        if rnd.random() < 0.7:
            dob = faker.date_of_birth().isoformat() if rnd.random() < 0.4 else ""
            rows.append((f"F{k:05d}", faker.name(), "person", dob, "", ""))
        else:
            rows.append((f"F{k:05d}", faker.company(), "organization", "", "", ""))
    return rows


def write_book(path: Path, rows: list[tuple[str, ...]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return path
