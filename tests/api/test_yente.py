"""The yente layer's pure conversions: entity ids, queries to parties, entries to FtM entities
(checked against FollowTheMoney's own schema model over every entry of a real SDN list)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from api_support import FSB, PUTIN, SDN_DATE
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from clearance.api.ftm import entity_id, parse_entity_id
from clearance.api.yente import (
    EntityExample,
    EntityMatchQuery,
    entry_to_entity,
    query_to_parties,
)
from clearance.lists.ofac_csv import parse
from clearance.model import Entry, EntryType, Identifier, ListSource, ListVersion

ftm = pytest.importorskip("followthemoney")
FTM_ID = ftm.registry.entity.REGEX


def version(name: str = "ofac-sdn") -> ListVersion:
    return ListVersion(
        id=1,
        list_name=name,
        source=ListSource.OFAC_SDN,
        published=date.fromisoformat(SDN_DATE),
        imported_at=datetime(2024, 1, 1, tzinfo=UTC),
        sha256="0" * 64,
        entry_count=1,
        origin="test",
    )


@pytest.fixture(scope="module")
def sdn_entries(lists_dir: Path) -> list[Entry]:
    return list(parse(lists_dir / "ofac" / "sdn_csv" / SDN_DATE).entries)


# --- ids -------------------------------------------------------------------------------------


def test_entity_ids_read_like_opensanctions() -> None:
    assert entity_id("ofac-sdn", FSB) == "ofac-sdn-21344"
    assert parse_entity_id("ofac-sdn-21344") == ("ofac-sdn", FSB)
    # The source id's hyphens are escaped, so a list `ofac` cannot be confused with `ofac-sdn`.
    assert entity_id("ofac", "sdn-7") == "ofac-sdn.2d7"
    assert parse_entity_id("ofac-sdn.2d7") == ("ofac", "sdn-7")
    assert entity_id("us_ofac_sdn", "NK-a.b") == "us.5fofac.5fsdn-NK.2da.2eb"
    for bad in ("", "ofac-sdn-", "ofacsdn", "-1", "ofac-sdn-1.zz", "ofac-sdn-a\x00", "a-.ff"):
        assert parse_entity_id(bad) is None


_ALNUM = st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789")


@given(
    list_name=st.builds(lambda a, b: a + b, _ALNUM, st.text(max_size=30)),
    source_id=st.text(min_size=1, max_size=40),
)
def test_entity_ids_round_trip(list_name: str, source_id: str) -> None:
    value = entity_id(list_name, source_id)
    assert FTM_ID.match(value), value
    assert parse_entity_id(value) == (list_name, source_id)


# --- queries -> parties ----------------------------------------------------------------------


def test_query_to_parties() -> None:
    example = EntityExample.model_validate(
        {
            "schema": "Person",
            "properties": {
                "name": ["ПУТИН Владимир Владимирович", "Vladimir Putin"],
                "birthDate": ["circa 1950", "1952-10-07"],
                "nationality": ["Russia"],
                "passportNumber": ["123"],
                "address": ["ignored, not screened"],
            },
        }
    )
    query = query_to_parties(example)
    assert [p.name for p in query.parties] == ["ПУТИН Владимир Владимирович", "Vladimir Putin"]
    first = query.parties[0]
    assert (first.type, first.dob, first.country) == (EntryType.PERSON, "1952-10-07", "RU")
    assert first.identifiers == (Identifier("passportNumber", "123"),)
    assert query.used == {
        "name": ["ПУТИН Владимир Владимирович", "Vladimir Putin"],
        "birthDate": ["1952-10-07"],
        "country": ["ru"],
        "passportNumber": ["123"],
    }
    parts = EntityExample.model_validate(
        {"schema": "Vessel", "properties": {"firstName": "x", "lastName": ["Nordic Star"]}}
    )
    [vessel] = query_to_parties(parts).parties
    assert (vessel.name, vessel.type) == ("x Nordic Star", EntryType.VESSEL)
    with pytest.raises(ValueError, match="needs a `name`"):
        query_to_parties(EntityExample.model_validate({"schema": "Thing", "properties": {}}))


def test_request_models_take_yentes_documented_example_and_refuse_the_rest() -> None:
    documented = {  # from yente's /match docstring
        "queries": {
            "entity1": {
                "schema": "Person",
                "properties": {
                    "name": ["John Doe"],
                    "birthDate": ["1975-04-21"],
                    "nationality": ["us"],
                },
            },
            "entity2": {
                "schema": "Company",
                "properties": {
                    "name": ["Brilliant Amazing Limited"],
                    "jurisdiction": ["hk"],
                    "registrationNumber": ["84BA99810"],
                },
            },
        }
    }
    parsed = EntityMatchQuery.model_validate(documented)
    assert query_to_parties(parsed.queries["entity2"]).parties[0].country == "HK"
    for bad in (
        {"queries": {}},
        {"queries": {"q": {"schema": "Event", "properties": {"name": ["x"]}}}},
        {"queries": {"q": {"schema": "Person", "properties": {"name": [1]}}}},
        {"queries": {"q": {"schema": "Person", "properties": {"na me": ["x"]}}}},
        {"queries": {"q": {"schema": "Person", "properties": {"name": ["x"] * 51}}}},
        {"queries": {"q\x00": {"schema": "Person", "properties": {"name": ["x"]}}}},
        {"weights": {"name_literal": 0.8}, **documented},
        {"config": {"nm_number_mismatch": 0.4}, **documented},
    ):
        with pytest.raises(ValidationError):
            EntityMatchQuery.model_validate(bad)


# --- entries -> FtM entities -----------------------------------------------------------------


def test_every_sdn_entry_is_a_valid_ftm_entity(sdn_entries: list[Entry]) -> None:
    """Every property we emit exists in FtM's schema, and FtM keeps names, dates, countries."""
    model = ftm.model
    for entry in sdn_entries:
        entity = entry_to_entity(entry, version(), nested=True)
        data = entity.model_dump(by_alias=True, mode="json")
        schema = model.get(data["schema"])
        assert schema is not None and schema.matchable
        flat = {
            k: v for k, v in data["properties"].items() if k not in ("sanctions", "unknownLinkTo")
        }
        assert set(flat) <= set(schema.properties), (
            entry.source_id,
            set(flat) - set(schema.properties),
        )
        proxy = model.get_proxy({**data, "properties": flat}, cleaned=False)
        for prop in ("birthDate", "country"):  # kept exactly
            assert sorted(proxy.get(prop, quiet=True)) == sorted(flat.get(prop, [])), prop
        for prop in ("name", "alias"):  # FtM tidies names (quotes, spaces), but keeps each
            assert len(proxy.get(prop, quiet=True)) == len(flat.get(prop, [])), prop
        for nested in data["properties"].get("sanctions", []) + data["properties"].get(
            "unknownLinkTo", []
        ):
            inner = model.get(nested["schema"])
            assert set(nested["properties"]) <= set(inner.properties)
            assert FTM_ID.match(nested["id"])
        assert FTM_ID.match(data["id"])


def test_putin_as_an_ftm_person(sdn_entries: list[Entry]) -> None:
    [putin] = [e for e in sdn_entries if e.source_id == PUTIN]
    data = entry_to_entity(putin, version()).model_dump(by_alias=True, mode="json")
    assert data["schema"] == "Person" and data["caption"] == "PUTIN, Vladimir Vladimirovich"
    props = data["properties"]
    assert props["alias"] == ["PUTIN, Vladimir"]
    assert props["birthDate"] == ["1952-10-07"] and props["country"] == ["ru"]
    assert props["position"] == ["President of the Russian Federation"]
    assert props["topics"] == ["sanction"] and props["programId"] == ["RUSSIA-EO14024"]
    assert data["last_seen"].startswith(SDN_DATE) and data["target"] is True
