"""`compare`: two names scored against each other, without any list."""

from __future__ import annotations

from clearance.model import EntryType, Feature, Name
from clearance.names import analyze_name
from clearance.screening.algorithms import DEFAULT_ALGORITHM, get_algorithm
from clearance.screening.explain import exact_only_feature, legal_form_feature, name_feature
from clearance.screening.scorer import score_names

__all__ = ["compare"]


def compare(
    left: str,
    right: str,
    type: EntryType = EntryType.UNKNOWN,
    algorithm: str = DEFAULT_ALGORITHM,
) -> tuple[float, list[Feature]]:
    """Score two names against each other, without lists (no rarity weights).

    `left` is taken as the query and `right` as the listed name; both are analysed as names
    of `type`. Generic words, stop-words and legal forms are still weighted down.
    """
    config = get_algorithm(algorithm)
    query = analyze_name(left, type, reading=config.reading)
    listed = analyze_name(right, type, reading=config.reading)
    if not query.tokens or not listed.tokens:
        return 0.0, [Feature("name", 0.0, "a name without letters or digits")]
    if len(listed.tokens) == 1 and len(listed.tokens[0]) <= config.exact_only_max_letters:
        # As in the index: a name of one short token (an acronym) matches only exactly.
        equal = query.key == listed.key
        score = config.short_alias_score if equal else 0.0
        return score, [exact_only_feature(left, Name(right), "short name", score, equal)]
    result = score_names(query, listed, config)
    features = [name_feature(left, Name(right), listed, result)]
    legal = legal_form_feature(result)
    if legal is not None:
        features.append(legal)
    return round(result.score, 4), features
