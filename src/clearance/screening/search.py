"""Search: the names retrieval found for a party, scored into explained hits.

An index search runs in three steps. The party's name is analysed as the listed names were.
Exact-only names (weak aliases, one-short-token names) equal to it score their fixed score;
the candidates retrieval (retrieval.py) finds among the fuzzily matched names are aligned
token by token by the scorer (scorer.py). Each entry keeps its best name; its attributes then
move that score (attributes.py), and every hit explains itself (explain.py).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

from clearance.model import EntryType, Feature, Hit, Party
from clearance.names import NameForm
from clearance.names.reading import FLAG_ARABIC
from clearance.screening.acronyms import query_acronym
from clearance.screening.attributes import attribute_features, max_attribute_bonus
from clearance.screening.evasion import (
    bidi_feature,
    displayed_text,
    has_bidi_control,
    refuse_override,
)
from clearance.screening.explain import (
    acronym_feature,
    exact_only_feature,
    legal_form_feature,
    name_feature,
)
from clearance.screening.scorer import (
    NameScore,
    PairSimilarity,
    query_qualifiers,
    score_names,
    token_weight,
)

if TYPE_CHECKING:
    from clearance.screening.config import AlgorithmConfig
    from clearance.screening.index import ScreeningIndex

__all__ = ["search"]


@dataclass(frozen=True, slots=True)
class _Candidate:
    name_id: int
    score: NameScore | None  # None for exact-only names
    name_score: float
    note: Feature | None = None  # clearance-v2: how an acronym or a confirmed alias matched


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
    if has_bidi_control(party.name):
        if config.flag_bidi:
            return _search_bidi(index, party, threshold, top, match_threshold)
        refuse_override(party.name, config.name)
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
    if config.acronym_score:
        for candidate in _unqualified_candidates(index, query):
            _keep(index, best, candidate)
        for candidate in _acronym_candidates(index, query, best):
            _keep(index, best, candidate)
    bonus = max_attribute_bonus(party, config)
    cutoff = floor - config.candidate_margin - bonus
    limit = max(config.max_candidates, 4 * top)
    budget = _budget(config, cutoff, top, config.review_threshold - config.candidate_margin - bonus)
    for reading in (query, *index.other_readings(party, query)):
        if reading is not query:
            for candidate in _exact_candidates(index, reading):
                _keep(index, best, candidate)
        for candidate in _scored_candidates(index, reading, cutoff, limit, budget):
            _keep(index, best, candidate)
    hits: list[Hit] = []
    kth = -1.0  # the top-th best hit score so far
    for candidate in sorted(best.values(), key=lambda c: -c.name_score):
        reach = candidate.name_score + bonus
        if reach < floor or round(min(1.0, reach), 4) < kth:
            break  # no attribute could lift it (or any later one): skip decoding entries
        hit = _hit(index, party, candidate, match_at)
        if hit.score >= floor:
            hits.append(hit)
            if len(hits) >= top:
                kth = sorted((h.score for h in hits), reverse=True)[top - 1]
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


def _search_bidi(
    index: ScreeningIndex,
    party: Party,
    threshold: float | None,
    top: int,
    match_threshold: float | None,
) -> list[Hit]:
    """A name with bidi controls, screened as stored and as displayed; every hit flagged."""
    shown = displayed_text(party.name)
    flag = bidi_feature(party.name, shown)
    found: dict[str, Hit] = {}
    for text in dict.fromkeys((party.name, shown)):
        reading = dataclasses.replace(party, name=text.translate(_NO_BIDI))
        for hit in search(
            index, reading, threshold=threshold, top=top, match_threshold=match_threshold
        ):
            key = f"{hit.list_name}/{hit.entry.source_id}"
            if key not in found or hit.score > found[key].score:
                found[key] = hit
    hits = [
        dataclasses.replace(h, query_name=party.name, features=(*h.features, flag))
        for h in found.values()
    ]
    hits.sort(key=lambda h: (-h.score, h.list_name, h.entry.source_id))
    return hits[:top]


_NO_BIDI = dict.fromkeys(range(0x202A, 0x202F)) | dict.fromkeys(range(0x2066, 0x206A))


def _acronym_candidates(
    index: ScreeningIndex, query: NameForm, best: dict[int, _Candidate]
) -> list[_Candidate]:
    """clearance-v2: a one-word query that is a listed organization's initials (`FSB`); a
    weak alias the initials confirm; a query whose initials are a listed short name."""
    config = index.config
    found: list[_Candidate] = []
    qualifiers = query_qualifiers(query, config)
    content = tuple(t for t in query.tokens if t not in qualifiers) or query.tokens
    acronym = query_acronym(content)
    for name_id in index.acronyms.get(acronym or "", ()):
        entry = index.entry_position(name_id)
        current = best.get(entry)
        confirmed = current is not None and current.score is None
        score = config.confirmed_alias_score if confirmed else config.acronym_score
        note = acronym_feature(index.indexed_name(name_id).name, acronym or "", confirmed)
        found.append(
            _Candidate(current.name_id if confirmed and current else name_id, None, score, note)
        )
    if acronym is None and len(content) >= 3 and query.type is not EntryType.PERSON:
        initials = "".join(t[0] for t in content if t.isalpha())
        for name_id in index.exact_names(initials):
            listed_type = index.form(name_id).type
            if index.exact_reason(name_id) == "short name" and listed_type in _ORG_TYPES:
                note = acronym_feature(index.indexed_name(name_id).name, initials, False, True)
                found.append(_Candidate(name_id, None, config.expansion_score, note))
    return found


_ORG_TYPES = (EntryType.ORGANIZATION, EntryType.UNKNOWN)


def _unqualified_candidates(index: ScreeningIndex, query: NameForm) -> list[_Candidate]:
    """clearance-v2: exact-only names equal to the query without its qualifiers (`ФСБ
    России` is `FSB`)."""
    qualifiers = query_qualifiers(query, index.config)
    content = tuple(t for t in query.tokens if t not in qualifiers)
    if not content or content == query.tokens:
        return []
    names = index.exact_names(" ".join(sorted(content)))
    return [_Candidate(n, None, _exact_score(index, n)) for n in names]


def _exact_score(index: ScreeningIndex, name_id: int) -> float:
    config = index.config
    if index.exact_reason(name_id) == "weak alias":
        return config.weak_alias_score
    return config.short_alias_score


@dataclass(frozen=True, slots=True)
class _Budget:
    """When a search with a threshold of 0 (`--threshold 0 --top N`) stops aligning: once
    `entries` entries have a score, at the first candidate whose estimate is below
    `fill_below` (clearance-v4) or, without it, at most the `entries`-th best score
    (clearance-v2's `early_stop`)."""

    entries: int
    fill_below: float | None = None

    def spent(self, scores: dict[int, float], estimate: float) -> bool:
        if len(scores) < self.entries:
            return False
        if self.fill_below is not None:
            return estimate < self.fill_below
        return sorted(scores.values(), reverse=True)[self.entries - 1] >= estimate


def _budget(
    config: AlgorithmConfig, cutoff: float, top: int, default_cutoff: float
) -> _Budget | None:
    """The stopping rule of a search whose cutoff lets every candidate through, if any."""
    if cutoff > 0:
        return None
    if config.zero_threshold_fill:
        return _Budget(top, default_cutoff)
    return _Budget(top) if config.early_stop else None


def _scored_candidates(
    index: ScreeningIndex,
    query: NameForm,
    cutoff: float,
    limit: int,
    budget: _Budget | None = None,
) -> list[_Candidate]:
    """The names retrieval finds for the query, aligned and scored in full, until `budget`
    says enough."""
    config, blocker = index.config, index.blocker
    is_person = query.type is EntryType.PERSON
    query_weights = [token_weight(t, index.idf(t), config, is_person) for t in query.tokens]
    quick: PairSimilarity = blocker.quick_similarity
    if query.flags & FLAG_ARABIC:
        quick = blocker.arabic_quick_similarity
    found = []
    entries: dict[int, float] = {}
    names, estimates = blocker.estimated(query, cutoff, limit)
    for name_id, estimate in zip(names, estimates, strict=True):
        if budget is not None and budget.spent(entries, estimate):
            break
        result = score_names(
            query,
            index.form(name_id),
            config,
            similarity_of=quick,
            absorb=index.absorbable,
            weights=(query_weights, index.listed_weights(name_id)),
            fallback=blocker.leftover_similarity,
        )
        found.append(_Candidate(name_id, result, result.score))
        entry = index.entry_position(name_id)
        entries[entry] = max(entries.get(entry, 0.0), result.score)
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
    if candidate.score is None and candidate.note is not None and indexed.exact_only is None:
        features.append(dataclasses.replace(candidate.note, score=candidate.name_score))
    elif candidate.score is None:
        assert indexed.exact_only is not None
        feature = exact_only_feature(
            party.name, indexed.name, indexed.exact_only, candidate.name_score
        )
        if candidate.note is not None:
            feature = Feature(
                feature.name, feature.score, f"{feature.detail}; {candidate.note.detail}"
            )
        features.append(feature)
    else:
        features.append(name_feature(party.name, indexed.name, indexed.form, candidate.score))
        legal = legal_form_feature(candidate.score)
        if legal is not None:
            features.append(legal)
    features.extend(attribute_features(party, entry, index.config))
    adjustment = sum(f.score for f in features[1:] if f.name not in ("legal_form", "bidi"))
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
