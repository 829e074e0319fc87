"""Makes the golden file that freezes a screening algorithm, or checks it against the code.

The file's format, and how a case is answered, are in golden_support.py.

The index is built from `golden/index-slice.jsonl.gz`: a committed snapshot of real entries (every
fourth entry of the OFAC SDN list of 2023-12-28 plus the entries the hand-written cases aim at,
the whole UN list of 2026-02-27 and the OpenSanctions `t1`/`zala` fixtures), cut down to what
screening reads (names, type, countries, birth dates, identifiers). A snapshot rather than a
parse of the list files at test time, so that a parser change can never pass for a scorer
change, and the other way round.

Cases are built once from the real lists under `CLEARANCE_LISTS_DIR` (cross-script names as the
UN and OpenSanctions publish them, reordered names, typos, dropped middle names, legal forms,
weak aliases, persons against organizations, negatives) and stored in the golden file with their
answers; a later run reads the cases from the file, never regenerates them.

    python tests/screening/make_golden.py                    # check every row, print differences
    python tests/screening/make_golden.py --algorithm clearance-v2 --write

`--write` refuses to overwrite an existing golden file: a released algorithm's answers never
change (see `FROZEN_CONFIG_SHA256` in test_golden.py). A new version gets its own file, made from
the same cases as clearance-v1's, so that the two can be compared row by row.
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import os
import random
import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from golden_names import (
    ARABIC,
    CHINESE,
    CONCORD,
    CYRILLIC,
    FSB,
    GREEK,
    HAND_PAIRS,
    NEGATIVES,
    PUTIN,
    TARGET_IDS,
)
from golden_support import (
    FIRST_ALGORITHM,
    SLICE_FILE,
    answer,
    build_index,
    check,
    golden_file,
    load_slice,
    meta_row,
    read_golden,
)

from clearance.model import Address, Entry, EntryType, NameKind, canonical_json, entry_to_dict

REPO_ROOT = Path(__file__).resolve().parents[2]
SEED = 20231228
SDN_DATE = "2023-12-28"
UN_DATE = "2026-02-27"
SDN_STEP = 4  # every fourth SDN entry goes into the index slice

# --- the index slice -------------------------------------------------------------------------


def _trim(entry: Entry) -> Entry:
    """An entry cut down to what screening reads (names, type and the compared attributes)."""
    codes = sorted({a.country_code for a in entry.addresses if a.country_code})
    return dataclasses.replace(
        entry,
        programs=(),
        addresses=tuple(Address(country_code=code) for code in codes),
        birth_places=(),
        relations=(),
        remarks=None,
        listed_on=None,
        properties={},
    )


def _slice_rows(lists_dir: Path) -> Iterator[dict[str, Any]]:
    from clearance.lists import ftm, ofac_csv, un_xml

    sdn = list(ofac_csv.parse(lists_dir / "ofac" / "sdn_csv" / SDN_DATE).entries)
    for position, entry in enumerate(sdn):
        if position % SDN_STEP == 0 or entry.source_id in TARGET_IDS:
            yield {"list": "ofac-sdn", "version": 1, "entry": entry_to_dict(_trim(entry))}
    for entry in un_xml.parse(lists_dir / "un" / UN_DATE / "consolidated.xml").entries:
        yield {"list": "un", "version": 2, "entry": entry_to_dict(_trim(entry))}
    fixtures = lists_dir / "opensanctions" / "yente_fixtures"
    for name in ("t1", "zala"):
        for entry in ftm.parse(fixtures / name / "entities.ftm.json").entries:
            yield {"list": "opensanctions", "version": 3, "entry": entry_to_dict(_trim(entry))}


def write_slice(lists_dir: Path) -> None:
    text = "".join(canonical_json(row) + "\n" for row in _slice_rows(lists_dir))
    SLICE_FILE.parent.mkdir(parents=True, exist_ok=True)
    SLICE_FILE.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))


# --- making the cases ------------------------------------------------------------------------


class _Cases:
    """Collects cases with ids `<category>-<n>` in a fixed order."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self._counts: dict[str, int] = {}

    def _id(self, kind: str, category: str) -> str:
        key = f"{kind}/{category}"
        self._counts[key] = self._counts.get(key, 0) + 1
        prefix = "c" if kind == "compare" else "s"
        return f"{prefix}-{category}-{self._counts[key]:03d}"

    def pair(self, category: str, left: str, right: str, kind: EntryType) -> None:
        self.items.append(
            {
                "id": self._id("compare", category),
                "kind": "compare",
                "category": category,
                "left": left,
                "right": right,
                "type": kind.value,
            }
        )

    def search(
        self,
        category: str,
        name: str,
        kind: EntryType = EntryType.UNKNOWN,
        *,
        aim: str | None = None,
        threshold: float | None = None,
        top: int = 5,
        **attributes: Any,
    ) -> None:
        party: dict[str, Any] = {"name": name, "type": kind.value}
        party |= {k: v for k, v in attributes.items() if v}
        self.items.append(
            {
                "id": self._id("search", category),
                "kind": "search",
                "category": category,
                "party": party,
                "threshold": threshold,
                "top": top,
                "aim": aim,  # the entry the query was made from (not asserted: information)
            }
        )


def _evalset() -> Any:
    sys.path.insert(0, str(REPO_ROOT / "bench"))
    import evalset

    return evalset


def _persons(entries: Sequence[Entry]) -> list[Entry]:
    return [e for e in entries if e.type is EntryType.PERSON and "," in e.primary_name]


def _orgs(entries: Sequence[Entry]) -> list[Entry]:
    return [e for e in entries if e.type is EntryType.ORGANIZATION]


def _pick(rng: random.Random, entries: Sequence[Entry], count: int) -> list[Entry]:
    return rng.sample(list(entries), min(count, len(entries)))


_RUSSIAN_PROGRAMS = re.compile(r"RUSSIA|UKRAINE|BELARUS|CYBER")


def _russian(entries: Sequence[Entry]) -> list[Entry]:
    return [e for e in entries if any(_RUSSIAN_PROGRAMS.search(p) for p in e.programs)]


def _script_names(entries: Sequence[Entry], scripts: set[str]) -> list[tuple[Entry, str, str]]:
    """(entry, a name of it in one of `scripts`, its primary or first Latin-script name)."""
    from clearance.names.scripts import detect_script

    found = []
    for entry in entries:
        latin = [n.name for n in entry.names if detect_script(n.name) == "Latn"]
        if entry.primary_name in latin:
            latin.insert(0, entry.primary_name)
        if not latin:
            continue
        found += [
            (entry, n.name, latin[0]) for n in entry.names if detect_script(n.name) in scripts
        ]
    return found


def _compare_cases(cases: _Cases, rng: random.Random, data: dict[str, Any]) -> None:
    ev = _evalset()
    sdn, un, ftm = data["sdn"], data["un"], data["ftm"]
    by_id = {e.source_id: e for e in sdn}
    arabic = _script_names(un, {"Arab"})
    for entry, text, latin in rng.sample(arabic, 30):
        cases.pair("cross_script_arabic", text, latin, entry.type)
    for source_id, text, kind in ARABIC:
        cases.pair("cross_script_arabic", text, by_id[source_id].primary_name, kind)
    for entry, text, latin in _script_names(un, {"Cyrl"}):
        cases.pair("cross_script_cyrillic", text, latin, entry.type)
    ftm_cyrillic = _script_names(ftm, {"Cyrl"})
    for entry, text, latin in rng.sample(ftm_cyrillic, 16):
        cases.pair("cross_script_cyrillic", text, latin, entry.type)
    for source_id, text, kind in CYRILLIC:
        cases.pair("cross_script_cyrillic", text, by_id[source_id].primary_name, kind)
    for entry in _pick(rng, _persons(_russian(sdn)), 10):
        latin = ev.natural_order(entry.primary_name) or entry.primary_name
        cases.pair("cross_script_cyrillic", ev.to_cyrillic(latin), entry.primary_name, entry.type)
    for entry, text, latin in _script_names(un, {"Hani"}) + _script_names(ftm, {"Hani"}):
        cases.pair("cross_script_chinese", text, latin, entry.type)
    for entry, text, latin in _script_names(ftm, {"Kana"}):
        cases.pair("cross_script_japanese", text, latin, entry.type)
    for source_id, text, kind in CHINESE:
        cases.pair("cross_script_chinese", text, by_id[source_id].primary_name, kind)
    for entry, text, latin in _script_names(ftm, {"Grek"}):
        cases.pair("cross_script_greek", text, latin, entry.type)
    for source_id, text, kind in GREEK:
        cases.pair("cross_script_greek", text, by_id[source_id].primary_name, kind)
    _variation_pairs(cases, rng, sdn, ev)
    _weak_and_type_pairs(cases, rng, sdn)
    _negative_pairs(cases, rng, sdn)
    for left, right, kind in HAND_PAIRS:
        cases.pair("hand_picked", left, right, kind)


def _variation_pairs(cases: _Cases, rng: random.Random, sdn: list[Entry], ev: Any) -> None:
    persons, orgs = _persons(sdn), _orgs(sdn)
    for entry in _pick(rng, persons, 20):
        reordered = ev.natural_order(entry.primary_name)
        cases.pair("reordered", reordered, entry.primary_name, EntryType.PERSON)
    for entry in _pick(rng, [e for e in orgs if len(e.primary_name.split()) >= 3], 10):
        words = entry.primary_name.split()
        rng.shuffle(words)
        cases.pair("reordered", " ".join(words), entry.primary_name, EntryType.ORGANIZATION)
    for edits, count in ((1, 20), (2, 10)):
        for entry in _pick(rng, persons + orgs, count):
            typo = ev.make_typo(entry.primary_name, rng, edits)
            cases.pair("typo", typo, entry.primary_name, entry.type)
    multi = [e for e in persons if len(e.primary_name.split(",")[1].split()) >= 2]
    for entry in _pick(rng, multi, 20):
        dropped = ev.drop_middle(entry.primary_name, rng)
        cases.pair("dropped_middle", dropped, entry.primary_name, EntryType.PERSON)
    formed = [e for e in orgs if ev.find_legal_form(e.primary_name)]
    for entry in _pick(rng, formed, 25):
        swapped = ev.swap_legal_form(entry.primary_name, rng)
        cases.pair("legal_form", swapped, entry.primary_name, EntryType.ORGANIZATION)
    for entry in _pick(rng, [e for e in orgs if not ev.find_legal_form(e.primary_name)], 8):
        form = rng.choice(("GmbH", "AG", "S.A.", "Ltd.", "OOO", "JSC", "LLC", "Inc."))
        cases.pair(
            "legal_form", f"{entry.primary_name} {form}", entry.primary_name, EntryType.ORGANIZATION
        )


def _weak_and_type_pairs(cases: _Cases, rng: random.Random, sdn: list[Entry]) -> None:
    weak = [(e, n.name) for e in sdn for n in e.names if n.kind is NameKind.WEAK]
    for entry, text in rng.sample(weak, 15):
        cases.pair("weak_alias", text, text, entry.type)
        cases.pair("weak_alias", text, entry.primary_name, entry.type)
    for entry in _pick(rng, _persons(sdn), 8) + _pick(rng, _orgs(sdn), 8):
        for kind in (EntryType.PERSON, EntryType.ORGANIZATION):
            cases.pair("person_vs_org", entry.primary_name, entry.primary_name, kind)
    persons = _pick(rng, _persons(sdn), 6)
    for entry in persons:
        natural = " ".join(reversed([p.strip() for p in entry.primary_name.split(",", 1)]))
        for kind in (EntryType.PERSON, EntryType.ORGANIZATION):
            cases.pair("person_vs_org", natural, entry.primary_name, kind)


def _negative_pairs(cases: _Cases, rng: random.Random, sdn: list[Entry]) -> None:
    for group in (_persons(sdn), _orgs(sdn)):
        picked = _pick(rng, group, 24)
        for left, right in zip(picked[::2], picked[1::2], strict=True):
            cases.pair("negative", left.primary_name, right.primary_name, left.type)
    persons = _pick(rng, _persons(sdn), 20)
    for one, other in zip(persons[::2], persons[1::2], strict=True):
        surname = one.primary_name.split(",")[0]
        given = other.primary_name.split(",")[1].split()[0]
        cases.pair("near_miss", f"{given} {surname}", one.primary_name, EntryType.PERSON)
    for text, kind in NEGATIVES:
        listed = rng.choice(_persons(sdn) if kind is EntryType.PERSON else _orgs(sdn))
        cases.pair("negative", text, listed.primary_name, kind)


def _search_cases(cases: _Cases, rng: random.Random, data: dict[str, Any]) -> None:
    ev = _evalset()
    sliced = [e for e in data["sdn"] if e.source_id in data["slice_ids"]]
    by_id = {e.source_id: e for e in sliced}
    persons, orgs = _persons(sliced), _orgs(sliced)
    for entry in _pick(rng, persons + orgs, 16):
        kind = entry.type if rng.random() < 0.5 else EntryType.UNKNOWN
        cases.search("exact", entry.primary_name, kind, aim=entry.source_id)
    for entry in _pick(rng, persons, 10):
        natural = ev.natural_order(entry.primary_name)
        cases.search("reordered", natural, EntryType.PERSON, aim=entry.source_id)
    for edits, count in ((1, 12), (2, 6)):
        for entry in _pick(rng, persons + orgs, count):
            typo = ev.make_typo(entry.primary_name, rng, edits)
            cases.search("typo", typo, entry.type, aim=entry.source_id)
    multi = [e for e in persons if len(e.primary_name.split(",")[1].split()) >= 2]
    for entry in _pick(rng, multi, 8):
        dropped = ev.drop_middle(entry.primary_name, rng)
        cases.search("dropped_middle", dropped, EntryType.PERSON, aim=entry.source_id)
    formed = [e for e in orgs if ev.find_legal_form(e.primary_name)]
    for entry in _pick(rng, formed, 12):
        swapped = ev.swap_legal_form(entry.primary_name, rng)
        cases.search("legal_form", swapped, EntryType.ORGANIZATION, aim=entry.source_id)
    for query in (
        "OOO Concord Management and Consulting",
        "JSC Concord Management and Consulting",
        "Concord Management and Consulting GmbH",
        "LLC",
        "Limited Liability Company",
    ):
        cases.search("legal_form", query, EntryType.ORGANIZATION, aim=CONCORD)
    _script_searches(cases, rng, data, sliced, ev)
    _special_searches(cases, rng, sliced, by_id)


def _script_searches(
    cases: _Cases, rng: random.Random, data: dict[str, Any], sliced: list[Entry], ev: Any
) -> None:
    for source_id, text, kind in CYRILLIC:
        cases.search("cross_script_cyrillic", text, kind, aim=source_id)
    for entry in _pick(rng, _persons(_russian(sliced)), 6):
        latin = ev.natural_order(entry.primary_name) or entry.primary_name
        cases.search("cross_script_cyrillic", ev.to_cyrillic(latin), aim=entry.source_id)
    for entry, text, _ in _script_names(data["ftm"], {"Cyrl"})[::8]:
        cases.search("cross_script_cyrillic", text, entry.type, aim=entry.source_id)
    for entry, text, _ in rng.sample(_script_names(data["un"], {"Arab"}), 12):
        cases.search("cross_script_arabic", text, entry.type, aim=entry.source_id)
    for source_id, text, kind in ARABIC:
        cases.search("cross_script_arabic", text, kind, aim=source_id)
    for entry, text, _ in _script_names(data["un"], {"Hani"}):
        cases.search("cross_script_chinese", text, entry.type, aim=entry.source_id)
    for source_id, text, kind in CHINESE:
        cases.search("cross_script_chinese", text, kind, aim=source_id)
    for entry, text, _ in _script_names(data["ftm"], {"Grek"}):
        cases.search("cross_script_greek", text, entry.type, aim=entry.source_id)
    for entry, text, _ in _script_names(data["ftm"], {"Kana"})[::4]:
        cases.search("cross_script_japanese", text, entry.type, aim=entry.source_id)
    for source_id, text, kind in GREEK:
        cases.search("cross_script_greek", text, kind, aim=source_id)


def _special_searches(
    cases: _Cases, rng: random.Random, sliced: list[Entry], by_id: dict[str, Entry]
) -> None:
    weak = [(e, n.name) for e in sliced for n in e.names if n.kind is NameKind.WEAK]
    for entry, text in [*rng.sample(weak, 12), (by_id[FSB], "FSB"), (by_id["306"], "BNC")]:
        cases.search("weak_alias", text, aim=entry.source_id)
    for text in ("FSBB", "FSV", "F.S.A.", "BNCC"):
        cases.search("weak_alias", text)
    for text in ("PKK", "PKC", "FSB", "KGB", "IRGC"):
        cases.search("short_name", text)
    for entry in _pick(rng, _persons(sliced), 5) + _pick(rng, _orgs(sliced), 5):
        other = EntryType.ORGANIZATION if entry.type is EntryType.PERSON else EntryType.PERSON
        cases.search("person_vs_org", entry.primary_name, other, aim=entry.source_id)
    for kind in (EntryType.VESSEL, EntryType.AIRCRAFT, EntryType.ORGANIZATION):
        cases.search("person_vs_org", "Vladimir Putin", kind, aim=PUTIN)
    imo = [{"kind": "IMO", "value": "IMO 1011551"}]
    other_imo = [{"kind": "IMO", "value": "9999999"}]
    attributes: list[tuple[str, EntryType, dict[str, Any]]] = [
        ("Vladimir Putn", EntryType.UNKNOWN, {"dob": "1952-10-07"}),
        ("Vladimir Putin", EntryType.UNKNOWN, {"dob": "1960"}),
        ("Vladimir Putin", EntryType.PERSON, {"dob": "1952-01-01"}),
        ("Vladimir Putn", EntryType.UNKNOWN, {"country": "RU"}),
        ("Vladimir Putn", EntryType.UNKNOWN, {"country": "DE"}),
        ("Denis Bortnikov", EntryType.PERSON, {"dob": "1974", "country": "RU"}),
        ("Gracefull", EntryType.VESSEL, {"identifiers": imo}),
        ("Gracefull", EntryType.VESSEL, {"identifiers": other_imo}),
        ("Gracefull", EntryType.VESSEL, {}),
        ("Federal Security Service", EntryType.ORGANIZATION, {"country": "RU"}),
    ]
    for name, kind, extra in attributes:
        cases.search("attributes", name, kind, **extra)
    for text, kind in NEGATIVES:
        cases.search("negative", text, kind, threshold=0.0, top=3)
    for entry in _pick(rng, _persons(sliced) + _orgs(sliced), 10):
        cases.search("ranked", entry.primary_name, aim=entry.source_id, threshold=0.0, top=10)
    for text in (
        "Federal Securty Service",
        "Vladimir Putn",
        "Denis Bortnikof",
        "Transmasholdign JSC",
        "Fmratecy",
        "International Trading Company",
    ):
        cases.search("ranked", text, threshold=0.0, top=10)


def make_cases(lists_dir: Path) -> list[dict[str, Any]]:
    from clearance.lists import ftm, ofac_csv, un_xml

    sdn = list(ofac_csv.parse(lists_dir / "ofac" / "sdn_csv" / SDN_DATE).entries)
    fixtures = lists_dir / "opensanctions" / "yente_fixtures"
    data = {
        "sdn": sdn,
        "un": list(un_xml.parse(lists_dir / "un" / UN_DATE / "consolidated.xml").entries),
        "ftm": [
            e for n in ("t1", "zala") for e in ftm.parse(fixtures / n / "entities.ftm.json").entries
        ],
        "slice_ids": {e.source_id for lst, _, e in load_slice() if lst == "ofac-sdn"},
    }
    cases = _Cases()
    _compare_cases(cases, random.Random(SEED), data)
    _search_cases(cases, random.Random(SEED + 1), data)
    return cases.items


# --- the command -----------------------------------------------------------------------------


def write(algorithm: str, lists_dir: Path) -> int:
    path = golden_file(algorithm)
    if path.exists():
        print(f"{path} exists: a released algorithm's answers are frozen", file=sys.stderr)
        return 1
    if not SLICE_FILE.exists():
        write_slice(lists_dir)
    if golden_file(FIRST_ALGORITHM).exists():
        cases = read_golden(FIRST_ALGORITHM)[1]  # the same cases, answered by the new version
    else:
        cases = make_cases(lists_dir)
    index = build_index(algorithm)
    rows = [meta_row(algorithm)] + [answer(case, index, algorithm) for case in cases]
    text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    path.write_text(text, encoding="utf-8")
    print(f"wrote {len(rows) - 1} rows to {path}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--algorithm", default=FIRST_ALGORITHM)
    parser.add_argument("--write", action="store_true", help="create the file (new versions only)")
    default_lists = os.environ.get("CLEARANCE_LISTS_DIR") or REPO_ROOT.parent / "shared/data/lists"
    parser.add_argument("--lists-dir", type=Path, default=Path(default_lists))
    args = parser.parse_args(argv)
    if args.write:
        return write(args.algorithm, args.lists_dir)
    problems = check(args.algorithm)
    for problem in problems:
        print(problem)
    print(f"{len(problems)} difference(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
