"""Search: the names retrieval found for a party, scored into explained hits.

An index search runs in three steps. The party's name is analysed as the listed names were.
Exact-only names (weak aliases, one-short-token names) equal to it score their fixed score;
the candidates retrieval (retrieval.py) finds among the fuzzily matched names are aligned
token by token by the scorer (scorer.py). Each entry keeps its best name; its attributes then
move that score (attributes.py), and every hit explains itself (explain.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from clearance.model import EntryType, Feature, Hit, Party
from clearance.names import NameForm
from clearance.screening.attributes import attribute_features, max_attribute_bonus
from clearance.screening.explain import exact_only_feature, legal_form_feature, name_feature
from clearance.screening.scorer import NameScore, score_names, token_weight

if TYPE_CHECKING:
    from clearance.screening.index import ScreeningIndex

__all__ = ["search"]


@dataclass(frozen=True, slots=True)
class _Candidate:
    name_id: int
    score: NameScore | None  # None for exact-only names
    name_score: float


def search(
    index: ScreeningIndex,
    party: Party,
    *,
    threshold: float | None = None,
    top: int = 10,
    match_threshold: float | None = None,
    query: NameForm | None = None,
) -> list[Hit]:
    """The entries whose best name scores at least `threshold` against the party (see
    `ScreeningIndex.search`). `query` is the party's name as `index.analyze_query(party)`
    gives it, for a caller that needed that form itself (the monitor keeps it)."""
    config = index.config
    floor = config.review_threshold if threshold is None else threshold
    match_at = config.match_threshold if match_threshold is None else match_threshold
    if top <= 0:
        return []
    if query is None:
        query = index.analyze_query(party)
    if not query.tokens:
        return []
    best: dict[int, _Candidate] = {}
    for candidate in _exact_candidates(index, query):
        _keep(index, best, candidate)
    bonus = max_attribute_bonus(party, config)
    cutoff = floor - config.candidate_margin - bonus
    limit = max(config.max_candidates, 4 * top)
    for candidate in _scored_candidates(index, query, cutoff, limit):
        _keep(index, best, candidate)
    hits: list[Hit] = []
    for candidate in best.values():
        if candidate.name_score + bonus < floor:
            continue  # no attribute could lift it: skip decoding the entry
        hit = _hit(index, party, candidate, match_at)
        if hit.score >= floor:
            hits.append(hit)
    hits.sort(key=lambda h: (-h.score, h.list_name, h.entry.source_id))
    return hits[:top]


def _exact_candidates(index: ScreeningIndex, query: NameForm) -> list[_Candidate]:
    """The exact-only names equal to the query, at their fixed scores."""
    config = index.config
    found = []
    for name_id in index.exact_names(query.key):
        reason = index.exact_reason(name_id)
        score = config.weak_alias_score if reason == "weak alias" else config.short_alias_score
        found.append(_Candidate(name_id, None, score))
    return found


def _scored_candidates(
    index: ScreeningIndex, query: NameForm, cutoff: float, limit: int
) -> list[_Candidate]:
    """The names retrieval finds for the query, aligned and scored in full."""
    config, blocker = index.config, index.blocker
    is_person = query.type is EntryType.PERSON
    query_weights = [token_weight(t, index.idf(t), config, is_person) for t in query.tokens]
    found = []
    for name_id in blocker.candidates(query, cutoff, limit):
        result = score_names(
            query,
            index.form(name_id),
            config,
            similarity_of=blocker.quick_similarity,
            absorb=index.absorbable,
            weights=(query_weights, index.listed_weights(name_id)),
            fallback=blocker.leftover_similarity,
        )
        found.append(_Candidate(name_id, result, result.score))
    return found


def _keep(index: ScreeningIndex, best: dict[int, _Candidate], candidate: _Candidate) -> None:
    """Keep the candidate if it is its entry's best name so far."""
    entry = index.entry_position(candidate.name_id)
    current = best.get(entry)
    if current is None or candidate.name_score > current.name_score:
        best[entry] = candidate


def _hit(index: ScreeningIndex, party: Party, candidate: _Candidate, match_at: float) -> Hit:
    indexed = index.indexed_name(candidate.name_id)
    entry = indexed.entry
    features: list[Feature] = []
    if candidate.score is None:
        assert indexed.exact_only is not None
        features.append(
            exact_only_feature(party.name, indexed.name, indexed.exact_only, candidate.name_score)
        )
    else:
        features.append(name_feature(party.name, indexed.name, indexed.form, candidate.score))
        legal = legal_form_feature(candidate.score)
        if legal is not None:
            features.append(legal)
    features.extend(attribute_features(party, entry, index.config))
    adjustment = sum(f.score for f in features[1:] if f.name != "legal_form")
    score = round(min(1.0, max(0.0, candidate.name_score + adjustment)), 4)
    return Hit(
        list_name=indexed.list_name,
        list_version_id=indexed.list_version_id,
        entry=entry,
        score=score,
        match=score >= match_at,
        query_name=party.name,
        matched_name=indexed.name,
        algorithm=index.config.name,
        features=tuple(features),
    )
