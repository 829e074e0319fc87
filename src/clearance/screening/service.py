"""Store-backed screening: the list versions in force on a date, an index over them, hits.

Building an index over a full SDN list takes seconds, so indexes are cached twice: in this
process, per set of list versions, and on disk under `settings.data_dir / "index-cache"`, so
that each CLI call does not rebuild one. The cache key is the algorithm plus, per version, its
id, file checksum and import time: a stored version never changes its entries, so a key always
names the same content; a missing, stale or corrupt file is rebuilt and rewritten.

A rebuild for new list versions starts from the newest index of the same algorithm at hand
(in this process, or else the newest file on disk): entries a new version carries unchanged
keep their analysis (`ScreeningIndex.build_from_bodies`), so the monitor's delta run after an
update does not pay for the whole list again.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import os
import pickle
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from clearance.model import (
    Hit,
    ListVersion,
    Party,
    hit_to_dict,
    party_to_dict,
    version_to_dict,
)
from clearance.screening.algorithms import DEFAULT_ALGORITHM
from clearance.screening.compare import compare
from clearance.screening.index import INDEX_FORMAT, ScreeningIndex
from clearance.screening.scorer import get_algorithm
from clearance.settings import Settings
from clearance.store.versions import StoreError, get_version, iter_entry_bodies, versions_in_force

__all__ = [
    "ScreeningResult",
    "compare",
    "index_for",
    "resolve_versions",
    "screen",
]

log = logging.getLogger(__name__)

_MEMORY_CACHE_SIZE = 4
_DISK_CACHE_FILES = 8
_memory_cache: OrderedDict[str, ScreeningIndex] = OrderedDict()
_cache_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class ScreeningResult:
    party: Party
    as_of: date | None
    list_versions: tuple[ListVersion, ...]
    algorithm: str
    algorithm_config: dict[str, Any]
    match_threshold: float
    review_threshold: float
    hits: tuple[Hit, ...]

    @property
    def matched(self) -> bool:
        return any(h.match for h in self.hits)

    def to_dict(self) -> dict[str, Any]:
        return {
            "party": party_to_dict(self.party),
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "list_versions": [version_to_dict(v) for v in self.list_versions],
            "algorithm": self.algorithm,
            "algorithm_config": self.algorithm_config,
            "match_threshold": self.match_threshold,
            "review_threshold": self.review_threshold,
            "hits": [hit_to_dict(h, with_entry=True) for h in self.hits],
        }


# --- which versions ------------------------------------------------------------------------


def resolve_versions(
    engine: Engine,
    *,
    as_of: date | None = None,
    lists: Sequence[str] | None = None,
    version_ids: Sequence[int] | None = None,
) -> list[ListVersion]:
    """The list versions to screen against: pinned by id, or those in force on `as_of`."""
    when = as_of or date.today()
    if version_ids is not None:
        versions = [get_version(engine, version_id) for version_id in version_ids]
        if lists is not None:
            wanted = set(lists)
            versions = [v for v in versions if v.list_name in wanted]
    else:
        versions = versions_in_force(engine, when, lists)
        if lists is not None:
            missing = sorted(set(lists) - {v.list_name for v in versions})
            if missing:
                raise StoreError(
                    f"no version of {', '.join(missing)} was published on or before {when}"
                )
    if not versions:
        # Screening against nothing would answer "no hits" for everyone: refuse instead.
        when_text = "for the given version ids" if version_ids is not None else f"on {when}"
        raise StoreError(f"no list versions to screen against {when_text}; import a list first")
    return sorted(versions, key=lambda v: (v.list_name, v.id))


# --- the index cache -----------------------------------------------------------------------


def _cache_key(algorithm: str, versions: Sequence[ListVersion]) -> str:
    facts = [INDEX_FORMAT, algorithm] + [
        [v.id, v.list_name, v.sha256, v.imported_at.isoformat()] for v in versions
    ]
    digest = hashlib.sha256(json.dumps(facts).encode("utf-8")).hexdigest()[:32]
    return f"{algorithm}-{digest}"


def _load_cached(path: Path, algorithm: str) -> ScreeningIndex | None:
    if not path.is_file():
        return None
    # Unpickling allocates hundreds of thousands of small objects; the cycle collector
    # would walk them all repeatedly for nothing.
    enabled = gc.isenabled()
    gc.disable()
    try:
        with path.open("rb") as handle:
            index = pickle.load(handle)
    except Exception as exc:  # a truncated or foreign file: rebuild it
        log.warning("index cache %s unreadable (%s); rebuilding", path, exc)
        return None
    finally:
        if enabled:
            gc.enable()
    if (
        not isinstance(index, ScreeningIndex)
        or getattr(index, "format", None) != INDEX_FORMAT
        or index.algorithm != algorithm
    ):
        log.warning("index cache %s is stale; rebuilding", path)
        return None
    gc.freeze()  # as after a build: keep the cycle collector off the index (see index.py)
    return index


def _store_cached(path: Path, index: ScreeningIndex) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pickle")
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(index, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        old = sorted(path.parent.glob("*.pickle"), key=lambda p: p.stat().st_mtime)
        for stale in old[:-_DISK_CACHE_FILES]:
            stale.unlink(missing_ok=True)
    except OSError as exc:  # a read-only data dir only costs the next call a rebuild
        log.warning("cannot write index cache %s: %s", path, exc)


def _bodies(engine: Engine, versions: Sequence[ListVersion]) -> Iterator[tuple[str, int, str]]:
    for version in versions:
        for body in iter_entry_bodies(engine, version.id):
            yield version.list_name, version.id, body


def _newest_base(
    algorithm: str, cache_dir: Path | None, unreadable: Path | None
) -> ScreeningIndex | None:
    """The newest index of `algorithm` at hand to lend its analysis to a build (or None)."""
    for index in reversed(_memory_cache.values()):
        if index.algorithm == algorithm:
            return index
    if cache_dir is None or not cache_dir.is_dir():
        return None
    files = [p for p in cache_dir.glob(f"{algorithm}-*.pickle") if p != unreadable]
    newest = max(files, key=lambda p: p.stat().st_mtime, default=None)
    return _load_cached(newest, algorithm) if newest is not None else None


def index_for(
    engine: Engine,
    versions: Sequence[ListVersion],
    algorithm: str = DEFAULT_ALGORITHM,
    cache_dir: Path | None = None,
) -> ScreeningIndex:
    """The index over `versions`: from memory, from the disk cache, or built now."""
    key = _cache_key(algorithm, versions)
    with _cache_lock:
        index = _memory_cache.get(key)
        if index is not None:
            _memory_cache.move_to_end(key)
            return index
        path = cache_dir / f"{key}.pickle" if cache_dir is not None else None
        index = _load_cached(path, algorithm) if path is not None else None
        if index is None:
            base = _newest_base(algorithm, cache_dir, path)
            index = ScreeningIndex.build_from_bodies(_bodies(engine, versions), algorithm, base)
            if path is not None:
                _store_cached(path, index)
        _memory_cache[key] = index
        while len(_memory_cache) > _MEMORY_CACHE_SIZE:
            _memory_cache.popitem(last=False)
        return index


def clear_memory_cache() -> None:
    with _cache_lock:
        _memory_cache.clear()


# --- the calls -----------------------------------------------------------------------------


def screen(
    engine: Engine,
    party: Party,
    *,
    as_of: date | None = None,
    lists: Sequence[str] | None = None,
    threshold: float | None = None,
    top: int = 10,
    settings: Settings | None = None,
    version_ids: Sequence[int] | None = None,
) -> ScreeningResult:
    """Screen one party against the list versions in force on `as_of` (default: today).

    `version_ids` pins exact list versions instead (audit replay). `threshold` is the lowest
    score reported (default: settings' review threshold; 0 with `top` N gives the N best
    candidates); a hit is a match at settings' match threshold.
    """
    settings = settings or Settings()
    config = get_algorithm(settings.screening_algorithm)
    if version_ids is None and as_of is None:
        as_of = date.today()
    versions = resolve_versions(engine, as_of=as_of, lists=lists, version_ids=version_ids)
    index = index_for(engine, versions, config.name, settings.data_dir / "index-cache")
    review = settings.review_threshold if threshold is None else threshold
    hits = index.search(party, threshold=review, top=top, match_threshold=settings.match_threshold)
    return ScreeningResult(
        party=party,
        as_of=as_of,
        list_versions=tuple(versions),
        algorithm=config.name,
        algorithm_config=config.to_dict(),
        match_threshold=settings.match_threshold,
        review_threshold=settings.review_threshold,
        hits=tuple(hits),
    )
