"""The extended evaluation set of issue 13, from real list data (clearance-v2's evaluation).

Index: the OFAC SDN list of 2023-12-28 with the held-out aliases of bench/evalset.py removed.
Queries are labelled with the SDN entry they must find; positives come from other
authorities' publications of the same parties, linked to the SDN entry **never through names**:

- `un_arabic`: the Arabic-script names of UN list entries (2018-10-29 and 2026-02-27);
- `un_latin`: the Latin names of those UN entries (the UN's spellings, not OFAC's);
- `uk_latin`: the names of UK HMT (2018-04-13) targets, spelt the UK's way;
- plus evalset.py's kinds (held-out real OFAC aliases, typos, Cyrillic, ...).

A UN or UK entry is linked to an SDN entry when they share an identity-document number (six
letters or digits or more, numbers read out of free text), or else a full date of birth and
a country, unique on both sides. An SDN entry in more than one link, and a query equal to a
name of another SDN entry, are left out (two right answers).

Negatives (no expected entry): Faker person names of many origins, in their own script and
romanized (Arabic, Persian, Korean, Chinese, Russian, Turkish, Pakistani, Western ...; Korean
and Chinese romanized with ICU and the surname spellings of passports), three-part Arab-style
names, and Faker companies. Any negative equal to a listed name is dropped (evalset.py's rule).

Every query has a `split`: `tune` or `report`, by a hash of the expected entry (positives) or
of the query text (negatives). Thresholds are chosen on `tune`; figures are reported on
`report` only.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import evalset
import icu

from clearance.lists import uk_csv, un_xml
from clearance.model import Entry, EntryType

UN_DATES = ("2018-10-29", "2026-02-27")
UK_DATE = "2018-04-13"
REAL_KINDS = ("un_arabic", "un_latin", "uk_latin")
NEGATIVE_KINDS = ("clean_person", "clean_person_native", "clean_company")
_NUMBER = re.compile(r"[A-Z0-9]{6,}")


@dataclass(frozen=True, slots=True)
class Query:
    name: str
    type: EntryType
    expected_id: str | None
    kind: str
    script: str
    split: str

    @property
    def positive(self) -> bool:
        return self.expected_id is not None


def _split(key: str) -> str:
    return "tune" if hashlib.sha256(key.encode()).digest()[0] % 2 == 0 else "report"


def _numbers(entry: Entry) -> set[str]:
    found: set[str] = set()
    for identifier in entry.identifiers:
        text = identifier.value.upper().replace("-", "").replace(".", "").replace("/", "")
        for token in _NUMBER.findall(text):
            if any(c.isdigit() for c in token):
                found.add(token)
    return found


def _countries(entry: Entry) -> set[str]:
    codes = {c.upper() for c in entry.countries}
    return codes | {a.country_code.upper() for a in entry.addresses if a.country_code}


def _linker(sdn: Sequence[Entry]) -> tuple[dict[str, set[str]], dict[tuple[str, str], set[str]]]:
    by_number: dict[str, set[str]] = defaultdict(set)
    by_birth: dict[tuple[str, str], set[str]] = defaultdict(set)
    for entry in sdn:
        for number in _numbers(entry):
            by_number[number].add(entry.source_id)
        for date in entry.birth_dates:
            if len(date) == 10:
                for country in _countries(entry):
                    by_birth[(date, country)].add(entry.source_id)
    return by_number, by_birth


def link(others: Iterable[Entry], sdn: Sequence[Entry]) -> dict[str, tuple[Entry, str]]:
    """SDN id -> (the other list's entry, how linked); never through names."""
    by_number, by_birth = _linker(sdn)
    found: dict[str, list[tuple[Entry, str]]] = defaultdict(list)
    for entry in others:
        ids: set[str] = set()
        how = "document"
        for number in _numbers(entry):
            ids |= by_number.get(number, set())
        if not ids:
            how = "birth date and country"
            for date in entry.birth_dates:
                for country in _countries(entry):
                    ids |= by_birth.get((date, country), set())
        if len(ids) == 1:
            found[ids.pop()].append((entry, how))
    return {k: v[0] for k, v in found.items() if len(v) == 1}


def _script(text: str) -> str:
    from clearance.names.scripts import detect_script

    return detect_script(text) or "none"


def real_positives(
    lists_dir: Path, sdn: Sequence[Entry], owners: dict[str, set[str]]
) -> list[Query]:
    queries: list[Query] = []
    seen: set[tuple[str, str]] = set()
    un_entries = {}
    for date in UN_DATES:
        for entry in un_xml.parse(lists_dir / "un" / date / "consolidated.xml").entries:
            un_entries[entry.source_id] = entry  # the later version wins
    sources = (
        ("un", link(un_entries.values(), sdn)),
        (
            "uk",
            link(uk_csv.parse(lists_dir / "uk" / UK_DATE / "sanctionsconlist.csv").entries, sdn),
        ),
    )
    for source, links in sources:
        for sdn_id, (entry, _) in sorted(links.items()):
            for name in entry.names:
                key = evalset.name_key(name.name)
                if not key or (sdn_id, key) in seen or owners.get(key, {sdn_id}) != {sdn_id}:
                    continue
                seen.add((sdn_id, key))
                script = _script(name.name)
                kind = f"{source}_{'arabic' if script == 'Arab' else 'latin'}"
                if kind == "uk_arabic":
                    continue
                queries.append(Query(name.name, entry.type, sdn_id, kind, script, _split(sdn_id)))
    return queries


# --- negatives -------------------------------------------------------------------------------

_NATIVE = (
    "ar_AA",
    "ar_SA",
    "fa_IR",
    "ko_KR",
    "zh_CN",
    "zh_TW",
    "ru_RU",
    "uk_UA",
    "ja_JP",
    "he_IL",
    "el_GR",
    "hi_IN",
)
_LATIN = (
    "en_US",
    "en_GB",
    "de_DE",
    "fr_FR",
    "es_ES",
    "es_MX",
    "it_IT",
    "pt_BR",
    "pl_PL",
    "nl_NL",
    "tr_TR",
    "en_PK",
    "en_IN",
    "en_NG",
    "id_ID",
    "vi_VN",
    "az_AZ",
    "sw",
    "ha_NG",
    "yo_NG",
)


@dataclass
class _Romanizer:
    hangul: icu.Transliterator
    han: icu.Transliterator
    bgn: icu.Transliterator

    @classmethod
    def make(cls) -> _Romanizer:
        create = icu.Transliterator.createInstance
        return cls(
            create("Hangul-Latin; Latin-ASCII"),
            create("Han-Latin/Names; Latin-ASCII"),
            create("Russian-Latin/BGN; Latin-ASCII"),
        )


def _korean_latin(last: str, first: str, rng: random.Random, roman: _Romanizer) -> str:
    from clearance.names.tables import east_asian_tables

    tables = east_asian_tables()
    key = tables.korean_hangul.get(last)
    spellings = [s for s, k in tables.surnames.items() if k == key] or [
        roman.hangul.transliterate(last)
    ]
    surname = rng.choice(spellings[:3]).title()
    syllables = [str(roman.hangul.transliterate(s)) for s in first]
    given = rng.choice(
        (
            " ".join(syllables).title(),
            "-".join(syllables).capitalize(),
            "".join(syllables).capitalize(),
        )
    )
    return f"{surname} {given}" if rng.random() < 0.7 else f"{surname.upper()}, {given}"


def _chinese_latin(last: str, first: str, rng: random.Random, roman: _Romanizer) -> str:
    surname = str(roman.han.transliterate(last)).replace(" ", "").title()
    given = str(roman.han.transliterate(first)).replace(" ", "").capitalize()
    return f"{surname} {given}" if rng.random() < 0.5 else f"{given} {surname}"


def negatives(seed: int, count: int, companies: int, listed: set[str]) -> list[Query]:
    from faker import Faker

    rng = random.Random(seed)
    roman = _Romanizer.make()
    fakers: dict[str, Faker] = {}

    def fake(locale: str) -> Faker:
        if locale not in fakers:
            fakers[locale] = Faker(locale)
            fakers[locale].seed_instance(f"{seed}-{locale}")
        return fakers[locale]

    out: list[Query] = []
    seen: set[str] = set()

    def add(name: str, kind: str, type_: EntryType) -> None:
        key = " ".join(sorted(evalset.name_key(name).split()))
        if not key or key in seen or key in listed:
            return
        seen.add(key)
        out.append(Query(name, type_, None, kind, _script(name), _split(name)))

    while len([q for q in out if q.type is EntryType.PERSON]) < count:
        roll = rng.random()
        if roll < 0.35:
            locale = rng.choice(_NATIVE)
            f = fake(locale)
            last, first = str(f.last_name()), str(f.first_name())
            east = locale in ("ko_KR", "zh_CN", "zh_TW", "ja_JP")
            add(
                f"{last}{first}" if east else f"{first} {last}",
                "clean_person_native",
                EntryType.PERSON,
            )
            if locale == "ko_KR":
                add(_korean_latin(last, first, rng, roman), "clean_person", EntryType.PERSON)
            elif locale.startswith("zh"):
                add(_chinese_latin(last, first, rng, roman), "clean_person", EntryType.PERSON)
            elif locale in ("ru_RU", "uk_UA"):
                add(
                    str(
                        roman.bgn.transliterate(
                            f"{first} {f.middle_name() if locale == 'ru_RU' else ''} {last}"
                        )
                    ).replace("ʹ", ""),
                    "clean_person",
                    EntryType.PERSON,
                )
        elif roll < 0.45:
            f = fake("en_PK")
            add(
                f"{f.first_name_male()} {f.first_name_male()} {f.last_name()}",
                "clean_person",
                EntryType.PERSON,
            )
        else:
            f = fake(rng.choice(_LATIN))
            add(f"{f.first_name()} {f.last_name()}", "clean_person", EntryType.PERSON)
    company_locales = (
        "en_US",
        "en_GB",
        "de_DE",
        "fr_FR",
        "es_ES",
        "it_IT",
        "nl_NL",
        "pl_PL",
        "tr_TR",
        "ru_RU",
        "zh_CN",
        "ja_JP",
        "id_ID",
        "en_PK",
        "fa_IR",
        "ar_AA",
    )
    made = 0
    while made < companies:
        f = fake(rng.choice(company_locales))
        real = {c for p in f.get_providers() for c in getattr(p, "large_companies", ())}
        name = str(f.company())
        if name in real:
            continue
        before = len(out)
        add(name, "clean_company", EntryType.ORGANIZATION)
        made += len(out) - before
    return out


def _syllable_dropped(query: evalset.EvalQuery) -> bool:
    """A `dropped_middle` query made from a Korean or Chinese name (`CHOE, Chol` from `CHOE,
    Chol Ho`): its second given-name syllable is not a middle name, and without it the name
    is another name. Such queries are left out of the kind."""
    from clearance.names import analyze_name
    from clearance.names.reading import FLAG_EAST_ASIAN

    if query.kind != "dropped_middle":
        return False
    return bool(analyze_name(query.source_name, query.type, reading="v2").flags & FLAG_EAST_ASIAN)


def build(
    lists_dir: Path, seed: int, persons: int, companies: int, sizes: evalset.Sizes
) -> tuple[evalset.EvalSet, list[Query]]:
    """The base evaluation set (its index entries are what gets indexed) and every query of
    the extended set, each with its split."""
    sdn = evalset.load_sdn(lists_dir)
    base = evalset.build_evalset(sdn, seed=seed, sizes=sizes)
    owners: dict[str, set[str]] = defaultdict(set)
    for entry in base.index_entries:
        for name in entry.names:
            owners[evalset.name_key(name.name)].add(entry.source_id)
    listed = {" ".join(sorted(evalset.name_key(n.name).split())) for e in sdn for n in e.names}
    queries = [
        Query(
            q.name, q.type, q.expected_id, q.kind, _script(q.name), _split(q.expected_id or q.name)
        )
        for q in base.queries
        if q.kind not in ("negative_person", "negative_company") and not _syllable_dropped(q)
    ]
    queries += real_positives(lists_dir, base.index_entries, owners)
    queries += negatives(seed, persons, companies, listed)
    return base, queries
