"""Store-backed screening on SQLite and PostgreSQL: versions in force, pinning, index caches."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

import clearance
from clearance.lists import parse_list
from clearance.model import EntryType, ListSource, ListVersion, Party
from clearance.screening import ScreeningIndex, screen
from clearance.screening import service as screening_service
from clearance.settings import Settings
from clearance.store.versions import StoreError, import_list

OLD = date(2018, 4, 6)
NEW = date(2025, 12, 19)


@pytest.fixture
def cons_versions(engine: Engine, lists_dir: Path) -> tuple[ListVersion, ListVersion]:
    """Two real versions of the OFAC Consolidated (non-SDN) list."""
    folder = lists_dir / "ofac" / "consolidated"
    old = import_list(engine, parse_list(folder / "2018-04-06", ListSource.OFAC_CONS), OLD)
    new = import_list(engine, parse_list(folder / "2025-12", ListSource.OFAC_CONS), NEW)
    return old.version, new.version


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    screening_service.clear_memory_cache()
    return Settings(data_dir=tmp_path / "data")


def ids(result: clearance.screening.ScreeningResult) -> set[str]:
    return {h.entry.source_id for h in result.hits}


def test_screens_against_the_version_in_force(
    engine: Engine, cons_versions: tuple[ListVersion, ListVersion], settings: Settings
) -> None:
    old, new = cons_versions
    # BANK MASKAN (4633) left the list after 2018; HANIYA (9639) is on both versions.
    before = screen(engine, Party("Bank Maskan"), as_of=date(2018, 5, 1), settings=settings)
    assert "4633" in ids(before)
    assert [v.id for v in before.list_versions] == [old.id]
    assert before.hits[0].list_version_id == old.id
    after = screen(engine, Party("Bank Maskan"), as_of=date(2026, 1, 1), settings=settings)
    assert "4633" not in ids(after)
    assert [v.id for v in after.list_versions] == [new.id]
    person = Party("Ismail Haniya", EntryType.PERSON)
    assert "9639" in ids(screen(engine, person, as_of=date(2026, 1, 1), settings=settings))


def test_version_ids_pin_exact_versions(
    engine: Engine, cons_versions: tuple[ListVersion, ListVersion], settings: Settings
) -> None:
    old, _ = cons_versions
    pinned = screen(engine, Party("Bank Maskan"), version_ids=[old.id], settings=settings)
    assert "4633" in ids(pinned)
    assert pinned.as_of is None
    assert [v.id for v in pinned.list_versions] == [old.id]


def test_result_carries_thresholds_algorithm_and_versions(
    engine: Engine, cons_versions: tuple[ListVersion, ListVersion], settings: Settings
) -> None:
    result = screen(engine, Party("Bank Maskan"), as_of=date(2018, 5, 1), settings=settings)
    assert result.algorithm == "clearance-v1.1"
    assert result.match_threshold == settings.match_threshold
    assert result.review_threshold == settings.review_threshold
    assert result.algorithm_config["name"] == "clearance-v1.1"
    data = json.loads(json.dumps(result.to_dict()))
    assert data["party"]["name"] == "Bank Maskan"
    assert data["as_of"] == "2018-05-01"
    assert data["list_versions"][0]["list"] == "ofac-cons"
    hit = data["hits"][0]
    assert hit["source_id"] == "4633" and hit["match"] is True
    assert "bank~BANK 1.00, maskan~MASKAN 1.00" in hit["explanation"]
    assert hit["features"][0]["name"] == "name"


def test_settings_thresholds_decide_match_and_floor(
    engine: Engine, cons_versions: tuple[ListVersion, ListVersion], tmp_path: Path
) -> None:
    strict = Settings(data_dir=tmp_path / "d", match_threshold=0.999, review_threshold=0.99)
    party = Party("Bank Maskn")  # a typo: a good score, not a perfect one
    result = screen(engine, party, as_of=date(2018, 5, 1), settings=strict)
    assert result.hits == ()
    loose = screen(engine, party, as_of=date(2018, 5, 1), settings=strict, threshold=0.5)
    assert "4633" in ids(loose)
    assert not any(h.match for h in loose.hits)


def test_lists_filter_and_errors(
    engine: Engine, cons_versions: tuple[ListVersion, ListVersion], settings: Settings
) -> None:
    result = screen(
        engine, Party("Bank Maskan"), as_of=date(2018, 5, 1), lists=["ofac-cons"], settings=settings
    )
    assert "4633" in ids(result)
    with pytest.raises(StoreError, match="no version of ofac-sdn"):
        screen(engine, Party("x"), as_of=date(2018, 5, 1), lists=["ofac-sdn"], settings=settings)
    with pytest.raises(StoreError, match="no list versions"):
        screen(engine, Party("x"), as_of=date(2000, 1, 1), settings=settings)


def test_empty_store_refuses_to_answer(engine: Engine, settings: Settings) -> None:
    with pytest.raises(StoreError, match="import a list first"):
        screen(engine, Party("Bank Maskan"), settings=settings)


def test_index_is_cached_in_memory_and_on_disk(
    engine: Engine, cons_versions: tuple[ListVersion, ListVersion], settings: Settings
) -> None:
    old, _ = cons_versions
    first = screening_service.index_for(engine, [old], "clearance-v1", settings.data_dir)
    assert screening_service.index_for(engine, [old], "clearance-v1", settings.data_dir) is first
    files = list(settings.data_dir.glob("clearance-v1-*.pickle"))
    assert len(files) == 1
    screening_service.clear_memory_cache()
    reloaded = screening_service.index_for(engine, [old], "clearance-v1", settings.data_dir)
    assert reloaded is not first and isinstance(reloaded, ScreeningIndex)
    assert len(reloaded) == len(first) == old.entry_count
    party = Party("Bank Maskan")
    assert [h.score for h in reloaded.search(party)] == [h.score for h in first.search(party)]


def test_corrupt_disk_cache_is_rebuilt(
    engine: Engine, cons_versions: tuple[ListVersion, ListVersion], settings: Settings
) -> None:
    old, _ = cons_versions
    screening_service.index_for(engine, [old], "clearance-v1", settings.data_dir)
    (cache_file,) = settings.data_dir.glob("*.pickle")
    cache_file.write_bytes(b"not a pickle")
    screening_service.clear_memory_cache()
    rebuilt = screening_service.index_for(engine, [old], "clearance-v1", settings.data_dir)
    assert "4633" in {h.entry.source_id for h in rebuilt.search(Party("Bank Maskan"))}
    assert cache_file.read_bytes() != b"not a pickle"


def test_public_api_is_lazy_and_complete() -> None:
    score, features = clearance.compare("Vladimir Putin", "PUTIN, Vladimir Vladimirovich")
    assert score >= 0.9
    assert "[VLADIMIROVICH unmatched on listed side, optional]" in features[0].detail
    # The library's screen is the application layer's: it records unless told not to.
    from clearance.service.screening import screen_party

    assert clearance.screen is screen_party
