"""The FollowTheMoney parser, on the OpenSanctions (yente) fixtures in shared data.

t1 is a small full export with a delta index; zala a full export of a family and company
network with Sanction, Ownership, Family, Directorship, Address and Passport records; t2 a
delta series that starts from nothing. The series is imported into the real store on both
backends and read back after every version.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from clearance.lists import parse_list
from clearance.lists.errors import ListFormatError
from clearance.lists.ftm import parse, parse_delta_series
from clearance.model import (
    Address,
    Entry,
    EntryType,
    Identifier,
    ListSource,
    Name,
    NameKind,
    Relation,
    entry_from_dict,
    entry_to_dict,
)
from clearance.store.versions import import_list, iter_entries, list_versions

ZAKHAROV = "NK-aU5ybkbRFJucf8YMwsJvDw"
CST = "NK-abdzbEBkqyT29GyREbiURZ"
KALASHNIKOV = "NK-nR5AXM9AVPq4pQaSPSaVam"


def fixtures(lists_dir: Path) -> Path:
    return lists_dir / "opensanctions" / "yente_fixtures"


@cache
def _entries(path: Path) -> dict[str, Entry]:
    return {entry.source_id: entry for entry in parse(path).entries}


def entries(lists_dir: Path, dataset: str) -> dict[str, Entry]:
    return _entries(fixtures(lists_dir) / dataset)


def records(entry: Entry, key: str) -> list[dict[str, Any]]:
    return [json.loads(text) for text in entry.properties.get(key, ())]


# --- t1 ----------------------------------------------------------------------------------------


def test_t1_full_export_gives_its_six_things(lists_dir: Path) -> None:
    folder = fixtures(lists_dir) / "t1"
    parsed = parse(folder)
    assert parsed.source is ListSource.FTM and not parsed.is_delta
    assert parsed.list_name == "t1" and parsed.name == "t1"
    # Next to a delta index, the export takes the index's updated_at (2024-05-27T14:47:29Z).
    assert parsed.published == date(2024, 5, 27)
    files = (folder / "entities.ftm.json", folder / "delta.json")
    assert parsed.files == tuple(str(f) for f in files)
    assert parsed.sha256 == hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()
    found = entries(lists_dir, "t1")
    assert Counter(e.type for e in found.values()) == {
        EntryType.ORGANIZATION: 2,
        EntryType.PERSON: 4,
    }
    # The one Address entity (Mombasa) is referenced by no thing in this extract: no entry,
    # and attached to nothing.
    assert "NK-2MQE6AmhAk4tqhENJAMUG9" not in found
    assert not any(a.city for e in found.values() for a in e.addresses)


def test_t1_export_file_and_folder_parse_the_same(lists_dir: Path) -> None:
    folder = fixtures(lists_dir) / "t1"
    by_file = parse(folder / "entities.ftm.json")
    assert (by_file.published, by_file.list_name) == (date(2024, 5, 27), "t1")
    assert list(by_file.entries) == list(parse(folder).entries)
    assert parse_list(folder).source is ListSource.FTM


def test_t1_person_field_by_field(lists_dir: Path) -> None:
    entry = entries(lists_dir, "t1")["NK-2Ka3UvopqbpZmVDFjWd4LA"]
    assert entry.source is ListSource.FTM and entry.type is EntryType.PERSON
    assert entry.names == (
        Name("Vitaly Yurievich KUZMENKO", NameKind.PRIMARY, "Latn", "Vitaly", "KUZMENKO"),
        Name("Vitalij Kuzmenko", NameKind.AKA, "Latn", "Vitalij", "Kuzmenko"),
        Name("Виталий Юрьевич КУЗЬМЕНКО", NameKind.AKA, "Cyrl", "Виталий", "КУЗЬМЕНКО"),
    )
    assert entry.birth_dates == ("1971-01-22",)
    assert entry.countries == ("RU",)
    assert entry.identifiers == (Identifier("Tax Number", "366510784303"),)
    assert (
        entry.remarks == "The plant is part of the High Precision Systems holding company of Rostec"
    )
    assert entry.programs == () and entry.listed_on is None  # no Sanction record in t1
    assert entry.properties["gender"] == ("male",)
    assert entry.properties["position"] == ("General Director of JSC 163 Armor Repair Plant",)
    assert entry.properties["datasets"] == ("eu_fsf",)
    assert entry.properties["last_change"] == ("2024-03-28T18:57:01",)
    assert entry.properties["target"] == ("true",)
    assert "ru-inn-366510784303" in entry.properties["referents"]
    assert "last_seen" not in entry.properties


def test_t1_organization_with_registration_number(lists_dir: Path) -> None:
    entry = entries(lists_dir, "t1")["NK-2GdmHtZTeNXjNVrBGEXZNj"]
    assert entry.type is EntryType.ORGANIZATION
    assert entry.names[0] == Name("RAB „Inter Tobacco“", NameKind.PRIMARY, "Latn")
    assert len(entry.names) == 12
    scripts = Counter(n.script for n in entry.names)
    assert scripts == {"Latn": 8, "Cyrl": 3, "Grek": 1}
    assert entry.identifiers == (Identifier("Registration Number", "808000714"),)
    assert entry.countries == ("BY",)
    # Its addressEntity is not in the extract: no address, but the reference is not lost.
    assert entry.addresses == ()


# --- zala --------------------------------------------------------------------------------------


def test_zala_things_and_published_date(lists_dir: Path) -> None:
    path = fixtures(lists_dir) / "zala" / "entities.ftm.json"
    parsed = parse(path)
    assert parsed.list_name == "zala"
    assert parsed.published == date(2026, 4, 29)  # the newest last_change in the file
    assert parsed.files == (str(path),)
    found = entries(lists_dir, "zala")
    assert Counter(e.type for e in found.values()) == {
        EntryType.PERSON: 6,
        EntryType.ORGANIZATION: 11,
    }
    # Companies that are only related to listed ones are entries too, flagged as non-targets.
    assert sorted(k for k, e in found.items() if e.properties["target"] == ("false",)) == [
        "NK-56Edov9bas9puzaChH5pBy",
        "NK-9Xa4Kg7Y7nfccE7VcZt6Q6",
        "ru-inn-5920040846",
    ]


def test_zala_sanction_records_give_programs_and_listing_date(lists_dir: Path) -> None:
    cst = entries(lists_dir, "zala")[CST]
    assert len(records(cst, "sanction")) == 28
    assert {"RUSSIA-EO14024", "US-RUSHAR", "GB-RUS", "EU-UKR", "UKR", "SECO-UKRAINE"} <= set(
        cst.programs
    )
    ofac = [
        r
        for r in records(cst, "sanction")
        if r["id"] == "ofac-780cd5691cab9c1219d921e42857cc300fef150e"
    ]
    raw = zala_lines(lists_dir)["ofac-780cd5691cab9c1219d921e42857cc300fef150e"]
    assert raw["properties"]["program"] == ["RUSSIA-EO14024"]
    # The whole record as published: id, schema and every property.
    assert ofac == [{"id": raw["id"], "schema": "Sanction", **raw["properties"]}]
    # The earliest of each record's listing (else start) date: NSDC decree 556/2021.
    assert cst.listed_on == date(2021, 10, 30)
    zakharov = entries(lists_dir, "zala")[ZAKHAROV]
    assert len(records(zakharov, "sanction")) == 13
    assert zakharov.listed_on == date(2023, 7, 1)
    assert "RUSSIA-EO14024" in zakharov.programs


def test_zala_ownership_relations_keep_percentages_and_dates(lists_dir: Path) -> None:
    found = entries(lists_dir, "zala")
    cst = found[CST]
    owners = [r for r in cst.relations if r.kind == "owned_by"]
    # One relation per Ownership record, each with its stake and dates.
    assert sorted(
        (r.target_id or "", r.percentage or -1, r.start_date or "", r.end_date or "")
        for r in owners
    ) == [
        ("NK-DQ98GPMgdVH8DSZd8g9Xtc", 1.0, "2022-01-17", "2023-03-02"),
        ("NK-DSxJ9ZzHxBBMyEMnnTBhai", 2.0, "2019-05-24", "2023-12-21"),
        (ZAKHAROV, 48.0, "2015-11-25", "2023-12-21"),
        (ZAKHAROV, 50.0, "2015-11-25", "2023-03-02"),
        (ZAKHAROV, 51.0, "2015-11-25", ""),
        (KALASHNIKOV, -1, "", ""),  # "subsidiary of", no stake published
        (KALASHNIKOV, 49.0, "2016-03-29", ""),
    ]
    assert {r.target_name for r in owners if r.target_id == ZAKHAROV} == {
        "Alexander Vyacheslavovich ZAKHAROV"
    }
    stakes = sorted(
        (
            r["owner"][0],
            r.get("percentage", [""])[0],
            r.get("startDate", [""])[0],
            r.get("endDate", [""])[0],
        )
        for r in records(cst, "ownership")
    )
    assert stakes == [
        ("NK-DQ98GPMgdVH8DSZd8g9Xtc", "1", "2022-01-17", "2023-03-02"),
        ("NK-DSxJ9ZzHxBBMyEMnnTBhai", "2", "2019-05-24", "2023-12-21"),
        (ZAKHAROV, "48", "2015-11-25", "2023-12-21"),
        (ZAKHAROV, "50", "2015-11-25", "2023-03-02"),
        (ZAKHAROV, "51", "2015-11-25", ""),  # no end date: the stake in force
        (KALASHNIKOV, "", "", ""),  # "subsidiary of", no stake published
        (KALASHNIKOV, "49", "2016-03-29", ""),
    ]
    # The owner sees the same records, and "owns" relations to his companies.
    zakharov = found[ZAKHAROV]
    owned = {r.target_id for r in zakharov.relations if r.kind == "owns"}
    assert owned == {
        "NK-56Edov9bas9puzaChH5pBy",
        "NK-9Xa4Kg7Y7nfccE7VcZt6Q6",
        "NK-ERScv7cLkkvZ3ejz7xiToj",
        CST,
        "NK-cPks3aTbes8k4aCerfBAzN",
        "NK-cWSvGMvufNH5KwEV88FwTA",
        "NK-iE6m5ryPeTAMZozfECVSL7",
        "ru-inn-5920040846",
    }
    assert len(records(zakharov, "ownership")) == 10
    # 14 Ownership records, each on both ends.
    assert sum(len(records(e, "ownership")) for e in found.values()) == 28


def test_zala_family_and_directorship_relations(lists_dir: Path) -> None:
    found = entries(lists_dir, "zala")
    zakharov = found[ZAKHAROV]
    assert {r.target_id for r in zakharov.relations if r.kind == "family"} == {
        "NK-2Tbri3s6GgNtAwsSXh4qpL",
        "NK-DQ98GPMgdVH8DSZd8g9Xtc",
        "NK-JseaPJctnK9o8wrmz8xmoT",
        "NK-hUAjuiA3vTKXF6v2X6MYnS",
    }
    assert (
        Relation("family", "Alexander Vyacheslavovich ZAKHAROV", ZAKHAROV)
        in found["NK-JseaPJctnK9o8wrmz8xmoT"].relations
    )
    assert Relation("director_of", "LLC CST", CST) in zakharov.relations
    assert (
        Relation("directed_by", "Alexander Vyacheslavovich ZAKHAROV", ZAKHAROV)
        in found[CST].relations
    )
    roles = {r["role"][0] for r in records(found[CST], "directorship")}
    assert roles == {"Leader or official of", "ГЕНЕРАЛЬНЫЙ ДИРЕКТОР"}


def test_zala_person_names_addresses_and_identifiers(lists_dir: Path) -> None:
    zakharov = entries(lists_dir, "zala")[ZAKHAROV]
    assert zakharov.names[0] == Name(
        "Alexander Vyacheslavovich ZAKHAROV",
        NameKind.PRIMARY,
        "Latn",
        "Alexander Vyacheslavovich",
        "ZAKHAROV",
    )
    assert (
        Name("Александр Вячеславович Захаров", NameKind.AKA, "Cyrl", "Александр", "Захаров")
        in zakharov.names
    )
    assert zakharov.birth_dates == ("1965-09-21",)
    assert zakharov.countries == ("RU",)
    assert zakharov.addresses == (
        Address(
            street="272 Pushkinskaya Street, Apt 41",
            city="Izhevsk",
            postal_code="426008",
            country_code="RU",
        ),
        Address(street="IZHEVSK, 426008"),  # an `address` text of its own
    )
    assert Identifier("INN", "183111242406") in zakharov.identifiers
    # Osetrova: previousName entries are former names.
    osetrova = entries(lists_dir, "zala")["NK-2Tbri3s6GgNtAwsSXh4qpL"]
    former = {n.name for n in osetrova.names if n.kind is NameKind.FKA}
    assert former == {"Maria Aleksandrovna Zakharova", "Мария Александровна Захарова"}


def test_zala_weak_aliases_yield_to_stronger_kinds(lists_dir: Path) -> None:
    cst = entries(lists_dir, "zala")[CST]
    kinds = {n.name: n.kind for n in cst.names}
    assert kinds["ZALA"] is NameKind.WEAK
    # "Limited Liability Company CST" is both a weakAlias and an alias: it stays an a.k.a.
    assert kinds["Limited Liability Company CST"] is NameKind.AKA
    assert cst.names[0] == Name("LLC CST", NameKind.PRIMARY, "Latn")


# --- t2: a delta series from nothing -------------------------------------------------------------

T2_VERSIONS = [
    # (version, published, ids re-published, ids deleted, entity set after it)
    (
        "20240527194702-wnk",
        date(2024, 5, 27),
        ["NK-2T3S8Hu29ktYnKSTgQp2wL", "NK-2sJaJRaPJcWUfMbHjTtWcL"],
        [],
        {"NK-2T3S8Hu29ktYnKSTgQp2wL", "NK-2sJaJRaPJcWUfMbHjTtWcL"},
    ),
    (
        "20240528014702-pfh",
        date(2024, 5, 28),
        ["NK-2T3S8Hu29ktYnKSTgQp2wL", "NK-500Poltergeist"],
        [],
        {"NK-2T3S8Hu29ktYnKSTgQp2wL", "NK-2sJaJRaPJcWUfMbHjTtWcL", "NK-500Poltergeist"},
    ),
    (
        "20240528074703-npf",
        date(2024, 5, 28),
        [],
        ["NK-500Poltergeist"],
        {"NK-2T3S8Hu29ktYnKSTgQp2wL", "NK-2sJaJRaPJcWUfMbHjTtWcL"},
    ),
    (
        "20240528134729-3iv",
        date(2024, 5, 28),
        ["Q4365364"],
        [],
        {"NK-2T3S8Hu29ktYnKSTgQp2wL", "NK-2sJaJRaPJcWUfMbHjTtWcL", "Q4365364"},
    ),
]


def test_t2_series_has_one_delta_per_non_empty_version(lists_dir: Path) -> None:
    folder = fixtures(lists_dir) / "t2"
    series = parse_delta_series(folder)
    assert len(series) == 4  # 20240527134702-zbn is empty: no version of its own
    for parsed, (version, published, ids, deleted, _) in zip(series, T2_VERSIONS, strict=True):
        delta_file = folder / version / "entities.delta.json"
        assert parsed.is_delta and parsed.list_name == "t2"
        assert parsed.files == (str(delta_file),)
        assert parsed.sha256 == hashlib.sha256(delta_file.read_bytes()).hexdigest()
        assert parsed.published == published
        assert [e.source_id for e in parsed.entries] == ids
        assert list(parsed.deleted) == deleted
    assert [p.published for p in parse_delta_series(folder / "delta.json")] == [
        v[1] for v in T2_VERSIONS
    ]


def test_t2_mod_replaces_the_whole_entity_and_blank_names_fall_back_to_caption(
    lists_dir: Path,
) -> None:
    series = parse_delta_series(fixtures(lists_dir) / "t2")
    first = {e.source_id: e for e in series[0].entries}
    second = {e.source_id: e for e in series[1].entries}
    before, after = first["NK-2T3S8Hu29ktYnKSTgQp2wL"], second["NK-2T3S8Hu29ktYnKSTgQp2wL"]
    assert before.primary_name == "AL-QAIDA IN IRAQ" and len(before.names) > 100
    assert [n.name for n in after.names] == [
        "Foobar Foobargroup",
        "IRGC",
        "Iranian Revolutionary Guard Corps",
    ]
    assert after.countries == ("IR",)
    # NK-500Poltergeist publishes name [""]: its caption is the name.
    assert second["NK-500Poltergeist"].names[0] == Name(
        "AL-QAIDA IN IRAQ", NameKind.PRIMARY, "Latn"
    )


def test_t2_series_imports_in_order_into_the_store(lists_dir: Path, engine: Engine) -> None:
    for parsed, (_, published, _, _, expected) in zip(
        parse_delta_series(fixtures(lists_dir) / "t2"), T2_VERSIONS, strict=True
    ):
        result = import_list(engine, parsed)
        assert result.created and result.version.published == published
        stored = {e.source_id: e for e in iter_entries(engine, result.version.id)}
        assert set(stored) == expected
        assert result.version.entry_count == len(expected)
    versions = list_versions(engine, "t2")
    assert [v.entry_count for v in versions] == [2, 3, 2, 3]
    final = {e.source_id: e for e in iter_entries(engine, versions[-1].id)}
    assert final["NK-2T3S8Hu29ktYnKSTgQp2wL"].primary_name == "Foobar Foobargroup"
    assert final["Q4365364"].names[0].first == "Vladimir"
    # Replaying the series in one go gives the state of the last version.
    replayed = parse(fixtures(lists_dir) / "t2")
    assert not replayed.is_delta and replayed.published == date(2024, 5, 28)
    assert {e.source_id: e for e in replayed.entries} == final


def test_t1_index_lists_only_an_empty_version(lists_dir: Path) -> None:
    assert parse_delta_series(fixtures(lists_dir) / "t1") == []


# --- deltas that change attached records ---------------------------------------------------------


def zala_lines(lists_dir: Path) -> dict[str, dict[str, Any]]:
    path = fixtures(lists_dir) / "zala" / "entities.ftm.json"
    return {e["id"]: e for e in map(json.loads, path.read_text().splitlines())}


def write_series(folder: Path, versions: dict[str, list[dict[str, Any]]]) -> Path:
    folder.mkdir()
    index = {
        "versions": {v: f"https://example.invalid/{v}" for v in versions},
        "updated_at": "2026-05-03T00:00:00Z",
    }
    (folder / "delta.json").write_text(json.dumps(index))
    for version, ops in versions.items():
        (folder / version).mkdir()
        text = "".join(json.dumps(op, ensure_ascii=False) + "\n" for op in ops)
        (folder / version / "entities.delta.json").write_text(text)
    return folder


def test_changes_to_attached_records_republish_their_things(
    lists_dir: Path, tmp_path: Path, engine: Engine
) -> None:
    """A series built from the real zala records: ADD all, then change records only."""
    zala = zala_lines(lists_dir)
    stake = dict(zala["ru-dfe0a021cb69f99e198bb8cbbcb93e81130b32a7"])  # Zakharov 51% of CST
    stake["properties"] = stake["properties"] | {"percentage": ["25"]}
    home = dict(zala["addr-a300b5bf407e387d2cf1f1a2f74b8178edde276e"])  # Zakharov's address
    home["properties"] = home["properties"] | {"city": ["Izhevsk (Udmurtia)"]}
    folder = write_series(
        tmp_path / "zala-series",
        {
            "20260501000000-aaa": [{"op": "ADD", "entity": e} for e in zala.values()],
            "20260502000000-bbb": [
                {"op": "MOD", "entity": stake},
                {"op": "MOD", "entity": home},
                {"op": "DEL", "entity": {"id": "ofac-927f7a4547f68cd05570180fed763dd2d5d8eca7"}},
            ],
            "20260503000000-ccc": [{"op": "DEL", "entity": {"id": "NK-hUAjuiA3vTKXF6v2X6MYnS"}}],
        },
    )
    first, second, third = parse_delta_series(folder)
    # Built from deltas, the first version equals the full export.
    assert {e.source_id: e for e in first.entries} == entries(lists_dir, "zala")
    # The Ownership touches both ends; the Sanction and the Address touch Zakharov.
    changed = {e.source_id: e for e in second.entries}
    assert set(changed) == {CST, ZAKHAROV} and second.deleted == ()
    percentages = {r["id"]: r.get("percentage") for r in records(changed[CST], "ownership")}
    assert percentages["ru-dfe0a021cb69f99e198bb8cbbcb93e81130b32a7"] == ["25"]
    assert "RUSSIA-EO14024" not in changed[ZAKHAROV].programs  # its OFAC record was deleted
    assert "RUSSIA-EO14024" in entries(lists_dir, "zala")[ZAKHAROV].programs
    assert changed[ZAKHAROV].addresses[0].city == "Izhevsk (Udmurtia)"
    # Deleting a person re-publishes those linked to it.
    assert third.deleted == ("NK-hUAjuiA3vTKXF6v2X6MYnS",)
    assert {e.source_id for e in third.entries} == {ZAKHAROV}

    for parsed in parse_delta_series(folder):
        import_list(engine, parsed)
    versions = list_versions(engine, "zala-series")
    assert [v.entry_count for v in versions] == [17, 17, 16]
    final = {e.source_id: e for e in iter_entries(engine, versions[-1].id)}
    assert "RUSSIA-EO14024" not in final[ZAKHAROV].programs
    assert final[CST] == changed[CST]


# --- bad input ---------------------------------------------------------------------------------


def write(tmp_path: Path, text: str | bytes, name: str = "entities.ftm.json") -> Path:
    folder = tmp_path / "dataset"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def parse_all(path: Path) -> list[Entry]:
    return list(parse(path).entries)


def test_truncated_export_names_the_cut_line(lists_dir: Path, tmp_path: Path) -> None:
    data = (fixtures(lists_dir) / "zala" / "entities.ftm.json").read_bytes()
    cut = data.index(b"\n", len(data) // 2) + 200
    path = write(tmp_path, data[:cut])
    with pytest.raises(ListFormatError, match="malformed JSON line") as caught:
        parse(path)
    assert caught.value.path == str(path) and caught.value.line == data[:cut].count(b"\n") + 1


PERSON = {
    "id": "p1",
    "schema": "Person",
    "caption": "Ann Example",
    "properties": {"name": ["Ann Example"]},
}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('["not", "an", "object"]', "not a JSON object"),
        ('{"schema": "Person", "properties": {}}', "without a string 'id'"),
        ('{"id": "p2", "properties": {}}', "without a 'schema'"),
        ('{"id": "p2", "schema": "Person", "properties": []}', "'properties' is not an object"),
        (
            '{"id": "p2", "schema": "Person", "properties": {"name": "Bob"}}',
            "not a list of strings",
        ),
        ('{"id": "p2", "schema": "Person", "properties": {"name": [1]}}', "not a list of strings"),
        ('{"op": "ADD", "entity": {"id": "p2"}}', "this is a delta file"),
    ],
)
def test_malformed_entities_are_errors(tmp_path: Path, line: str, message: str) -> None:
    path = write(tmp_path, json.dumps(PERSON) + "\n" + line + "\n")
    with pytest.raises(ListFormatError, match=message) as caught:
        parse(path)
    assert caught.value.line == 2


@pytest.mark.parametrize("bad", ["1965-13-01", "1965-02-30", "21.09.1965", "unknown"])
def test_bad_birth_date_is_an_error_naming_the_record(tmp_path: Path, bad: str) -> None:
    person = PERSON | {"properties": {"name": ["Ann Example"], "birthDate": [bad]}}
    path = write(tmp_path, json.dumps(PERSON | {"id": "p0"}) + "\n" + json.dumps(person) + "\n")
    with pytest.raises(ListFormatError) as caught:
        parse_all(path)
    assert (caught.value.line, caught.value.record) == (2, "p1")


def test_bad_sanction_date_is_an_error(tmp_path: Path) -> None:
    sanction = {
        "id": "s1",
        "schema": "Sanction",
        "properties": {"entity": ["p1"], "listingDate": ["2022-02-31"]},
    }
    path = write(tmp_path, json.dumps(PERSON) + "\n" + json.dumps(sanction) + "\n")
    with pytest.raises(ListFormatError) as caught:
        parse_all(path)
    assert (caught.value.line, caught.value.record) == (2, "s1")


def test_invalid_utf8_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, json.dumps(PERSON).encode() + b"\n" + '{"id": "é"}'.encode("latin-1"))
    with pytest.raises(ListFormatError, match="not UTF-8") as caught:
        parse(path)
    assert caught.value.line == 2


def test_thing_without_any_name_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, json.dumps({"id": "v1", "schema": "Vessel", "properties": {}}))
    with pytest.raises(ListFormatError, match="neither a name nor a caption"):
        parse_all(path)


def test_bad_delta_series_are_errors(tmp_path: Path) -> None:
    good = {"20240101000000-aaa": [{"op": "ADD", "entity": PERSON}]}
    folder = write_series(
        tmp_path / "s1", good | {"20240102000000-bbb": [{"op": "UPSERT", "entity": PERSON}]}
    )
    with pytest.raises(ListFormatError, match="unknown delta op 'UPSERT'") as caught:
        parse_delta_series(folder)
    assert caught.value.line == 1 and caught.value.path.endswith("bbb/entities.delta.json")

    folder = write_series(tmp_path / "s2", good)
    (folder / "20240101000000-aaa" / "entities.delta.json").unlink()
    with pytest.raises(ListFormatError, match="is missing"):
        parse_delta_series(folder)

    folder = write_series(tmp_path / "s3", good)
    (folder / "delta.json").write_text('{"versions": {"latest": "x"}}')
    with pytest.raises(ListFormatError, match="does not start with a date"):
        parse_delta_series(folder)

    (folder / "delta.json").write_text('{"versions": ')
    with pytest.raises(ListFormatError, match="malformed delta index"):
        parse_delta_series(folder)

    with pytest.raises(ListFormatError, match="needs its series"):
        parse(write_series(tmp_path / "s4", good) / "20240101000000-aaa" / "entities.delta.json")

    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ListFormatError, match=r"no entities\.ftm\.json or delta\.json"):
        parse(empty)
    with pytest.raises(ListFormatError, match=r"no delta\.json"):
        parse_delta_series(empty)


def test_an_id_twice_in_an_export_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, json.dumps(PERSON) + "\n" + json.dumps(PERSON) + "\n")
    with pytest.raises(ListFormatError, match="occurs twice") as caught:
        parse(path)
    assert (caught.value.line, caught.value.record) == (2, "p1")


def test_a_thing_turned_into_an_unused_schema_leaves_the_list(tmp_path: Path) -> None:
    position = PERSON | {"schema": "Position"}
    folder = write_series(
        tmp_path / "s",
        {
            "20240101000000-aaa": [{"op": "ADD", "entity": PERSON}],
            "20240102000000-bbb": [{"op": "MOD", "entity": position}],
            "20240103000000-ccc": [{"op": "ADD", "entity": position | {"id": "p9"}}],
        },
    )
    first, second = parse_delta_series(folder)  # ccc adds nothing clearance uses
    assert [e.source_id for e in first.entries] == ["p1"]
    assert list(second.entries) == [] and second.deleted == ("p1",)


def test_entries_survive_the_store_serialization(lists_dir: Path) -> None:
    for entry in entries(lists_dir, "zala").values():
        assert entry_from_dict(entry_to_dict(entry)) == entry
