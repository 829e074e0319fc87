"""An index built with an earlier one's analysis is the index a full build gives.

Real data: the SDN of 2022-06-17 and of 2022-06-28 (169 entries added, 14 changed, among
them the FSB gaining RUSSIA-EO14024), stored, then indexed from their stored JSON.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import Engine

from clearance.lists import parse_list
from clearance.model import ListSource, ListVersion, Party
from clearance.screening import ScreeningIndex
from clearance.screening import service as screening_service
from clearance.store.versions import import_list, iter_entries, iter_entry_bodies

ALGORITHMS = ["clearance-v1", "clearance-v2"]


def import_june(engine: Engine, lists_dir: Path) -> tuple[ListVersion, ListVersion]:
    folder = lists_dir / "ofac" / "sdn_csv"
    versions = []
    for day in ("2022-06-17", "2022-06-28"):
        parsed = parse_list(folder / day, ListSource.OFAC_SDN)
        versions.append(import_list(engine, parsed, date.fromisoformat(day)).version)
    return versions[0], versions[1]


# Building an index reads the stored JSON and nothing else of the store: the equivalence is
# checked on SQLite; `index_for`, which finds its base in the cache, runs on both stores.
@pytest.fixture
def sdn_june(sqlite_engine: Engine, lists_dir: Path) -> tuple[ListVersion, ListVersion]:
    return import_june(sqlite_engine, lists_dir)


@pytest.fixture
def sdn_june_on_each_store(engine: Engine, lists_dir: Path) -> tuple[ListVersion, ListVersion]:
    return import_june(engine, lists_dir)


def bodies(engine: Engine, version: ListVersion) -> list[tuple[str, int, str]]:
    return [(version.list_name, version.id, b) for b in iter_entry_bodies(engine, version.id)]


def same_state(a: Any, b: Any, path: str = "index") -> None:
    """Equal attribute by attribute (arrays by content, objects by their pickled state)."""
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and np.array_equal(a, b), path
    elif isinstance(a, dict):
        assert list(a) == list(b), path
        for key in a:
            same_state(a[key], b[key], f"{path}[{key!r}]")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), path
        for k, (x, y) in enumerate(zip(a, b, strict=True)):
            same_state(x, y, f"{path}[{k}]")
    elif hasattr(a, "__getstate__") and type(a).__module__.startswith("clearance.screening"):
        same_state(a.__getstate__(), b.__getstate__(), path)
    else:
        assert a == b, path


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_a_build_on_the_previous_version_equals_a_full_build(
    sqlite_engine: Engine, sdn_june: tuple[ListVersion, ListVersion], algorithm: str
) -> None:
    engine = sqlite_engine
    old, new = sdn_june
    base = ScreeningIndex.build_from_bodies(bodies(engine, old), algorithm)
    full = ScreeningIndex.build_from_bodies(bodies(engine, new), algorithm)
    lent = ScreeningIndex.build_from_bodies(bodies(engine, new), algorithm, base)
    same_state(lent.__getstate__(), full.__getstate__())
    # ... and the same as indexing the parsed entries themselves.
    parsed = ScreeningIndex.build(
        ((new.list_name, new.id, e) for e in iter_entries(engine, new.id)), algorithm
    )
    same_state(parsed.__getstate__(), full.__getstate__())
    fsb = Party("Federalnaya Sluzhba Bezopasnosti")
    assert [(h.entry.source_id, h.score) for h in lent.search(fsb)] == [
        (h.entry.source_id, h.score) for h in full.search(fsb)
    ]


def test_a_base_of_another_algorithm_is_not_used(
    sqlite_engine: Engine, sdn_june: tuple[ListVersion, ListVersion]
) -> None:
    engine = sqlite_engine
    old, new = sdn_june
    base = ScreeningIndex.build_from_bodies(bodies(engine, old), "clearance-v2")
    full = ScreeningIndex.build_from_bodies(bodies(engine, new), "clearance-v1")
    lent = ScreeningIndex.build_from_bodies(bodies(engine, new), "clearance-v1", base)
    same_state(lent.__getstate__(), full.__getstate__())


def test_index_for_builds_on_the_cached_index_of_the_last_version(
    engine: Engine, sdn_june_on_each_store: tuple[ListVersion, ListVersion], tmp_path: Path
) -> None:
    old, new = sdn_june_on_each_store
    cache = tmp_path / "index-cache"
    screening_service.clear_memory_cache()
    screening_service.index_for(engine, [old], "clearance-v1", cache)
    screening_service.clear_memory_cache()  # as in a new process: the base comes from disk
    lent = screening_service.index_for(engine, [new], "clearance-v1", cache)
    full = ScreeningIndex.build_from_bodies(bodies(engine, new), "clearance-v1")
    same_state(lent.__getstate__(), full.__getstate__())
    assert len(list(cache.glob("clearance-v1-*.pickle"))) == 2
    screening_service.clear_memory_cache()
