"""The scorers clearance is measured against.

- `JaroWinklerBruteForce`: one Jaro-Winkler similarity against every listed name, best wins;
  the method of OFAC's own Sanctions List Search and of moov-io/watchman. Names are uppercased
  and punctuation becomes spaces; nothing else (no reordering, no transliteration). rapidfuzz's
  C++ implementation, one thread.
- `LogicV2Baseline`: nomenklatura's `logic-v2` scorer (the one yente serves), applied to
  candidates someone else retrieved. nomenklatura has no index of its own outside yente's
  Elasticsearch, so the benchmark hands it the candidates clearance's index returned: its
  recall is capped by clearance's retrieval, and it is a comparison of scorers, not of systems.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler

from clearance.model import Entry, EntryType, NameKind, Party

JW_CONVENTIONAL_THRESHOLD = 0.85  # a usual cut-off for JW screening (not any tool's default)
LOGIC_V2_THRESHOLD = 0.70  # yente's SCORE_THRESHOLD: its default "match" line

_PUNCTUATION = re.compile(r"[^\w\s]+")


def jw_normalize(name: str) -> str:
    return " ".join(_PUNCTUATION.sub(" ", name.upper()).split())


@dataclass(frozen=True, slots=True)
class PairScores:
    """Per query: best score against the expected entry, and against any other entry."""

    expected: np.ndarray  # float32, 0 where there is no expected entry
    best_wrong: np.ndarray  # float32
    best_wrong_id: list[str]  # ent_num of the best-scoring wrong entry
    best_wrong_name: list[str]


class JaroWinklerBruteForce:
    """Every name of every entry (primaries and aliases), scored one by one."""

    def __init__(self, entries: Sequence[Entry]) -> None:
        self.names: list[str] = []
        self.raw_names: list[str] = []
        owners: list[int] = []
        self.entry_ids: list[str] = []
        for position, entry in enumerate(entries):
            self.entry_ids.append(entry.source_id)
            for name in entry.names:
                normalized = jw_normalize(name.name)
                if normalized:
                    self.names.append(normalized)
                    self.raw_names.append(name.name)
                    owners.append(position)
        self.owner = np.asarray(owners, dtype=np.int32)
        self._position = {source_id: i for i, source_id in enumerate(self.entry_ids)}

    def best(self, query: str) -> tuple[float, str]:
        """The single best listed name for `query`: what a JW screening tool answers."""
        found = process.extractOne(
            jw_normalize(query), self.names, scorer=JaroWinkler.normalized_similarity
        )
        if found is None:
            return 0.0, ""
        _, score, column = found
        return float(score), self.entry_ids[int(self.owner[column])]

    def pair_scores(
        self, queries: Sequence[str], expected_ids: Sequence[str | None], chunk: int = 256
    ) -> PairScores:
        """Full score matrices in chunks (one thread), reduced per query."""
        expected_out = np.zeros(len(queries), dtype=np.float32)
        wrong_out = np.zeros(len(queries), dtype=np.float32)
        wrong_ids: list[str] = []
        wrong_names: list[str] = []
        for start in range(0, len(queries), chunk):
            block = [jw_normalize(q) for q in queries[start : start + chunk]]
            matrix = process.cdist(
                block,
                self.names,
                scorer=JaroWinkler.normalized_similarity,
                dtype=np.float32,
                workers=1,
            )
            for row_number, row in enumerate(matrix):
                i = start + row_number
                expected = expected_ids[i]
                if expected is not None and expected in self._position:
                    mine = self.owner == self._position[expected]
                    expected_out[i] = row[mine].max() if mine.any() else 0.0
                    row = np.where(mine, -1.0, row)
                column = int(row.argmax())
                wrong_out[i] = max(float(row[column]), 0.0)
                wrong_ids.append(self.entry_ids[int(self.owner[column])])
                wrong_names.append(self.raw_names[column])
        return PairScores(expected_out, wrong_out, wrong_ids, wrong_names)


# --- nomenklatura logic-v2 -------------------------------------------------------------------

_SCHEMA = {
    EntryType.PERSON: "Person",
    EntryType.ORGANIZATION: "Organization",
    EntryType.VESSEL: "Vessel",
    EntryType.AIRCRAFT: "Airplane",
    EntryType.UNKNOWN: "LegalEntity",
}
_NAME_PROPERTY = {
    NameKind.PRIMARY: "name",
    NameKind.AKA: "alias",
    NameKind.FKA: "previousName",
    NameKind.WEAK: "weakAlias",
}


class LogicV2Baseline:
    """nomenklatura's logic-v2, with listed entries converted to FollowTheMoney entities."""

    NAME = "nomenklatura logic-v2"

    def __init__(self) -> None:
        from followthemoney import model
        from nomenklatura.matching import get_algorithm

        algorithm = get_algorithm("logic-v2")
        if algorithm is None:
            raise RuntimeError("this nomenklatura has no logic-v2")
        self._model = model
        self._algorithm = algorithm
        self._config = algorithm.default_config()
        self._entities: dict[str, Any] = {}
        self._queries = 0
        self.version = _nomenklatura_version()

    def _entity(self, schema: str, entity_id: str) -> Any:
        entity = self._model.make_entity(schema)
        entity.id = entity_id
        return entity

    def entity_for(self, entry: Entry) -> Any:
        key = f"{entry.source.value}:{entry.source_id}"
        cached = self._entities.get(key)
        if cached is None:
            cached = self._entity(_SCHEMA[entry.type], key)
            for name in entry.names:
                cached.add(_NAME_PROPERTY[name.kind], name.name)
            for country in entry.countries:
                cached.add("country", country.lower())
            if entry.type is EntryType.PERSON:
                for birth_date in entry.birth_dates:
                    cached.add("birthDate", birth_date)
            self._entities[key] = cached
        return cached

    def query_entity(self, party: Party) -> Any:
        # nomenklatura memoizes name analysis by entity id, so every query needs its own id.
        self._queries += 1
        query = self._entity(_SCHEMA[party.type], f"query-{self._queries}")
        query.add("name", party.name)
        if party.country:
            query.add("country", party.country.lower())
        if party.dob and party.type is EntryType.PERSON:
            query.add("birthDate", party.dob)
        return query

    def score(self, query: Any, entry: Entry) -> float:
        candidate = self.entity_for(entry)
        # yente only scores candidates whose schema can match the query's.
        if not query.schema.can_match(candidate.schema):
            return 0.0
        return float(self._algorithm.compare(query, candidate, self._config).score)


def _nomenklatura_version() -> str:
    from importlib.metadata import version

    return version("nomenklatura")
