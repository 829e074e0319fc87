"""The scorer: token similarity, token weights and the score of one name against another.

Every number it uses comes from an `AlgorithmConfig` (config.py), a frozen, named version from
the registry (algorithms.py); a released version never changes behaviour (docs/screening.md).

How a name pair is scored (`score_names`):

1. Both names are analysed (`names.analyze_name`): ASCII, casefolded tokens, legal forms
   apart, optional parts (middle names, patronymics) of persons marked.
2. Every query token is paired with every listed token: equal (1.0), same synonym or given-name
   symbol (`Mohammed`/`Muhammad`, `Corp`/`Company`), an initial (`V` / `Vladimir`), or
   Jaro-Winkler similarity within an edit budget that grows with the token length (short
   tokens must be equal). Phonetic agreement breaks ties.
3. The best one-to-one assignment is taken greedily, strongest pair first; leftover tokens
   may still pair with two adjacent tokens of the other side written as one (`Alqaida`).
4. The name score combines how much of the query is explained (query coverage) with how much
   of the listed name is (listed coverage), each weighted by token weight: rare tokens count
   fully, common and generic ones (`company`, `trading`, `al`) little, legal forms not at all.
   Unmatched optional parts count at a fraction of their weight, so a dropped middle name costs
   little and a different family name costs a lot.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise

from rapidfuzz.distance import OSA, JaroWinkler

from clearance.model import EntryType
from clearance.names import NameForm, is_initial, phonetic_key, token_info, token_symbols
from clearance.names.frequency import population_weight
from clearance.names.reading import FLAG_ARABIC, FLAG_EAST_ASIAN, FLAG_MISSPELT_SYLLABLE
from clearance.names.tables import org_qualifiers
from clearance.screening.algorithms import ALGORITHMS, get_algorithm
from clearance.screening.config import AlgorithmConfig
from clearance.screening.variants import strict, v2_similarity

# The registry and the configuration are re-exported: this module was their home before they
# had modules of their own, and code imports them from here.
__all__ = [
    "ALGORITHMS",
    "AlgorithmConfig",
    "NameScore",
    "PairSimilarity",
    "TokenPair",
    "get_algorithm",
    "score_names",
    "symbols_for",
    "token_similarity",
    "token_weight",
]


# The most a Korean or Chinese name scores when a part of the listed name is not met
# (clearance-v2, `east_asian_exact`).
EAST_ASIAN_PART_MISSING = 0.5

# --- tokens ----------------------------------------------------------------------------------


@lru_cache(maxsize=16)
def _edit_table(config: AlgorithmConfig) -> tuple[int, ...]:
    return tuple(config.allowed_edits(length) for length in range(64))


@lru_cache(maxsize=1 << 20)
def _token_similarity(a: str, b: str, config: AlgorithmConfig) -> tuple[float, str]:
    if a == b:
        return 1.0, "="
    if not (a.isalpha() and b.isalpha()):
        return 0.0, ""  # numbers and codes match only exactly
    if is_initial(a) or is_initial(b):
        longer = b if is_initial(a) else a
        initial = a if is_initial(a) else b
        if len(longer) > 1 and longer[0] == initial:
            return config.initial_similarity, "initial"
        return 0.0, ""
    shorter = min(len(a), len(b))
    if shorter <= config.exact_token_length:
        return 0.0, ""
    steps = _edit_table(config)
    allowed = steps[shorter] if shorter < len(steps) else steps[-1]
    key_a = phonetic_key(a)
    sounds_alike = key_a is not None and len(key_a) >= 3 and key_a == phonetic_key(b)
    if sounds_alike:
        # Romanizations of one name differ by more letters than typos do (`Alexei` /
        # `Aleksey`): a pair that sounds alike may use one more edit.
        allowed += config.phonetic_extra_edits
    edits = OSA.distance(a, b, score_cutoff=allowed + 1)
    if edits > allowed:
        return 0.0, ""
    # Jaro-Winkler alone forgives too much in short tokens (`castro` / `castor` is 0.98):
    # it is averaged with the edit similarity, which charges an edit by the token's length.
    edit_similarity = 1.0 - edits / max(len(a), len(b))
    similarity = (float(JaroWinkler.similarity(a, b)) + edit_similarity) / 2.0
    how = "fuzzy"
    if sounds_alike:
        similarity = min(0.99, similarity + config.phonetic_bonus)
        how = "fuzzy+phonetic"
    return similarity, how


SymbolsOf = Callable[[str], frozenset[str]]
PairSimilarity = Callable[[str, str], tuple[float, str]]


def symbols_for(config: AlgorithmConfig) -> SymbolsOf:
    """The symbols a token has under `config`: organization-word synonyms, plus given-name
    symbols when the algorithm uses them."""
    if config.given_name_symbols:
        return token_symbols
    return _organization_symbols


def _organization_symbols(token: str) -> frozenset[str]:
    return token_info(token).symbols


def token_similarity(
    a: str, b: str, config: AlgorithmConfig, symbols: SymbolsOf | None = None
) -> tuple[float, str]:
    """(similarity 0..1, how) of two folded tokens; how is `=`, `synonym`, `initial`, ...

    Tokens sharing a rigour symbol (synonyms of generic words, and given-name spellings when
    the algorithm uses them) are `synonym`s; `symbols` gives a token's symbols (default:
    `symbols_for(config)`; the index passes its precomputed table).
    """
    if symbols is None:
        symbols = symbols_for(config)
    similarity, how = _token_similarity(a, b, config)
    if (
        similarity < config.symbol_similarity
        and min(len(a), len(b)) >= config.symbol_min_length
        and symbols(a) & symbols(b)
        and JaroWinkler.similarity(a, b) >= config.symbol_min_jaro_winkler
    ):
        return config.symbol_similarity, "synonym"
    return similarity, how


def token_weight(token: str, base: float, config: AlgorithmConfig, is_person: bool) -> float:
    """A token's weight: its rarity `base` (1.0 without an index), capped for stop-words,
    generic organization words and initials."""
    weight = base
    if config.population_weights:
        weight = min(weight, population_weight(token))
    if token in config.particles or (is_person and token in config.person_particles):
        weight = min(weight, config.stopword_weight)
    if is_initial(token):
        weight = min(weight, config.initial_weight)
    elif token.isalpha():
        info = token_info(token)
        if info.stopword:
            weight = min(weight, config.stopword_weight)
        elif info.generic and not is_person:
            weight = min(weight, config.generic_weight)
    return max(weight, config.min_weight)


# --- names -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TokenPair:
    query: str  # one token, or two written `a+b` when merged
    listed: str
    similarity: float
    how: str


@dataclass(frozen=True, slots=True)
class NameScore:
    score: float
    pairs: tuple[TokenPair, ...]
    query_unmatched: tuple[str, ...]
    listed_unmatched: tuple[str, ...]
    query_coverage: float
    listed_coverage: float
    legal_forms: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
    legal_penalty: float = 0.0
    legal_words: frozenset[str] = frozenset()  # tokens of either name counted as legal words
    no_exact_word: bool = False  # the alignment has look-alikes only (score scaled down)
    qualifiers: frozenset[str] = frozenset()  # unmatched query words that only qualify (v2)


@dataclass(slots=True)
class _Side:
    """One name's tokens, their weights, and the credit each aligned token has earned."""

    tokens: tuple[str, ...]
    weights: list[float]
    optional: tuple[bool, ...]
    is_person: bool
    used: dict[int, float] = field(default_factory=dict)

    def free(self) -> list[int]:
        return [k for k in range(len(self.tokens)) if k not in self.used]

    def has_free(self) -> bool:
        return len(self.used) < len(self.tokens)


@dataclass(slots=True)
class _Alignment:
    query: _Side
    listed: _Side
    config: AlgorithmConfig
    pairs: list[tuple[int, TokenPair]] = field(default_factory=list)  # (query position, pair)


def _sides(
    query: NameForm,
    listed: NameForm,
    config: AlgorithmConfig,
    weights: tuple[list[float], list[float]] | None,
) -> tuple[_Side, _Side]:
    q_person = query.type is EntryType.PERSON
    l_person = listed.type is EntryType.PERSON
    if weights is not None:
        qw, lw = weights
    else:
        qw = [token_weight(t, 1.0, config, q_person) for t in query.tokens]
        lw = [token_weight(t, 1.0, config, l_person) for t in listed.tokens]
    return (
        _Side(query.tokens, qw, query.optional, q_person),
        _Side(listed.tokens, lw, listed.optional, l_person),
    )


def _candidate_pairs(
    alignment: _Alignment, similarity_of: PairSimilarity
) -> list[tuple[float, float, int, int, str]]:
    """Every alignable pair of still free tokens, strongest first (ties: heavier, earlier)."""
    query, listed, config = alignment.query, alignment.listed, alignment.config
    candidates: list[tuple[float, float, int, int, str]] = []
    floor, aligns = config.long_token_min_similarity, config.aligns
    listed_free = [
        (j, lt, listed.weights[j]) for j, lt in enumerate(listed.tokens) if j not in listed.used
    ]
    for i, qt in enumerate(query.tokens):
        if i in query.used:
            continue
        weight = query.weights[i]
        for j, lt, listed_weight in listed_free:
            similarity, how = similarity_of(qt, lt)
            if similarity >= floor and aligns(similarity, qt, lt):
                candidates.append((similarity, weight + listed_weight, i, j, how))
    candidates.sort(key=lambda c: (-c[0], -c[1], c[2], c[3]))
    return candidates


def _credit(side: _Side, k: int, similarity: float, how: str, config: AlgorithmConfig) -> float:
    """What an aligned token earns: an initial tells only one letter of the full token it
    stands for, so the full token earns the credit of an initial, not of its own weight."""
    if how == "initial" and len(side.tokens[k]) > 1:
        return similarity * min(1.0, config.initial_weight / side.weights[k])
    return similarity


def _assign(alignment: _Alignment, similarity_of: PairSimilarity) -> None:
    """Greedy one-to-one assignment over the still free tokens, strongest pair first."""
    query, listed, config = alignment.query, alignment.listed, alignment.config
    for similarity, _, i, j, how in _candidate_pairs(alignment, similarity_of):
        if i in query.used or j in listed.used:
            continue
        query.used[i] = _credit(query, i, similarity, how, config)
        listed.used[j] = _credit(listed, j, similarity, how, config)
        pair = TokenPair(query.tokens[i], listed.tokens[j].upper(), similarity, how)
        alignment.pairs.append((i, pair))


def _merge_pass(
    singles: Sequence[int],
    side_tokens: Sequence[str],
    other_free: list[int],
    other_tokens: Sequence[str],
    config: AlgorithmConfig,
) -> list[tuple[int, int, int, float]]:
    """Pair leftover single tokens with two adjacent leftover tokens of the other side."""
    found: list[tuple[int, int, int, float]] = []
    free = sorted(other_free)
    used: set[int] = set()
    for i in singles:
        token = side_tokens[i]
        if len(token) < 5:
            continue
        for a, b in pairwise(free):
            if b != a + 1 or a in used or b in used:
                continue
            joined = other_tokens[a] + other_tokens[b]
            similarity = 1.0 if joined == token else float(JaroWinkler.similarity(token, joined))
            if similarity >= config.merge_similarity:
                found.append((i, a, b, similarity))
                used.update((a, b))
                break
    return found


def _merge_leftovers(alignment: _Alignment) -> None:
    """Leftover tokens against two adjacent leftover tokens of the other side written as one
    (`alqaida` ~ `AL QAIDA`), query side first."""
    query, listed, config = alignment.query, alignment.listed, alignment.config
    if not (query.has_free() and listed.has_free()):
        return
    for i, a, b, similarity in _merge_pass(
        query.free(), query.tokens, listed.free(), listed.tokens, config
    ):
        query.used[i] = similarity
        listed.used[a] = listed.used[b] = similarity
        listed_text = f"{listed.tokens[a]}+{listed.tokens[b]}".upper()
        alignment.pairs.append((i, TokenPair(query.tokens[i], listed_text, similarity, "merged")))
    for j, a, b, similarity in _merge_pass(
        listed.free(), listed.tokens, query.free(), query.tokens, config
    ):
        listed.used[j] = similarity
        query.used[a] = query.used[b] = similarity
        query_text = f"{query.tokens[a]}+{query.tokens[b]}"
        pair = TokenPair(query_text, listed.tokens[j].upper(), similarity, "merged")
        alignment.pairs.append((a, pair))


def _coverage(
    side: _Side,
    is_legal_word: Callable[[str], bool],
    config: AlgorithmConfig,
    qualifiers: frozenset[str] = frozenset(),
) -> float:
    """The share of a name's weight its aligned tokens explain. Unmatched legal-form words of
    organizations count at the legal-word weight, unmatched optional parts at a fraction, and
    unmatched `qualifiers` (clearance-v2: the query's `of the Russian Federation`) at the
    qualifier weight."""
    matched = total = 0.0
    for k, weight in enumerate(side.weights):
        if k in side.used:
            matched += side.used[k] * weight
            total += weight
        elif not side.is_person and is_legal_word(side.tokens[k]):
            total += min(weight, config.legal_word_weight)
        elif side.tokens[k] in qualifiers:
            total += min(weight, config.qualifier_weight)
        elif side.optional[k]:
            total += weight * config.optional_weight
        else:
            total += weight
    return matched / total if total else 0.0


def _legal_penalty(query: NameForm, listed: NameForm, config: AlgorithmConfig) -> float:
    """Different legal forms on both sides (an LLC against a JSC) cost a little."""
    if (
        query.legal_forms
        and listed.legal_forms
        and set(query.legal_forms).isdisjoint(listed.legal_forms)
    ):
        return config.legal_form_mismatch_penalty
    return 0.0


def _combined(alignment: _Alignment, q_cov: float, l_cov: float) -> tuple[float, bool]:
    """(name score before the legal-form penalty, whether it has look-alikes only)."""
    exponent = alignment.config.coverage_exponent(alignment.query.is_person)
    score = (q_cov**exponent) * (l_cov ** (1.0 - exponent)) if q_cov and l_cov else 0.0
    pairs = alignment.pairs
    no_exact_word = bool(pairs) and all(p.similarity < 1.0 for _, p in pairs)
    if no_exact_word:
        # Not one word in common, only look-alikes (`Castro` / `CASTOR`): weaker evidence
        # than the similarities alone say.
        score *= alignment.config.no_exact_word_factor
    return score, no_exact_word


def _unmatched_legal_words(
    alignment: _Alignment, is_legal_word: Callable[[str], bool]
) -> frozenset[str]:
    return frozenset(
        t
        for side in (alignment.query, alignment.listed)
        if not side.is_person
        for k, t in enumerate(side.tokens)
        if k not in side.used and is_legal_word(t)
    )


def query_qualifiers(query: NameForm, config: AlgorithmConfig) -> frozenset[str]:
    """The words that only qualify an organization query (clearance-v2), else none."""
    if config.qualifier_weight < 0 or query.type is EntryType.PERSON:
        return frozenset()
    return org_qualifiers()


def _east_asian(query: NameForm, listed: NameForm, config: AlgorithmConfig) -> bool:
    return config.east_asian_exact and bool(query.flags & listed.flags & FLAG_EAST_ASIAN)


def _similarities(
    query: NameForm,
    listed: NameForm,
    config: AlgorithmConfig,
    similarity_of: PairSimilarity | None,
    fallback: PairSimilarity | None,
) -> tuple[PairSimilarity, PairSimilarity | None]:
    """The token similarity to align with (and the fallback), by version and name flags."""
    if similarity_of is None:
        arabic = bool((query.flags | listed.flags) & FLAG_ARABIC)

        def base(a: str, b: str) -> tuple[float, str]:
            return token_similarity(a, b, config)

        def similarity_of(a: str, b: str) -> tuple[float, str]:
            if config.reading == "v1":
                return base(a, b)
            return v2_similarity(a, b, config, base, arabic)

    if _east_asian(query, listed, config):
        misspelt = config.east_asian_misspelt_edit and bool(query.flags & FLAG_MISSPELT_SYLLABLE)
        similarity_of = strict(similarity_of, misspelt)
        fallback = None
    return similarity_of, fallback


def score_names(
    query: NameForm,
    listed: NameForm,
    config: AlgorithmConfig,
    similarity_of: PairSimilarity | None = None,
    absorb: frozenset[str] = frozenset(),
    weights: tuple[list[float], list[float]] | None = None,
    fallback: PairSimilarity | None = None,
) -> NameScore:
    """Align two analysed names token by token and score the alignment (see module doc).

    Unmatched tokens that are words of a legal form (in either name's legal forms, or in
    `absorb`: the index's words that are mostly legal-form words, such as `pte`) count at the
    legal-word weight: `TORGAN CO., LTD` is `TORGAN CO., LIMITED`. `similarity_of` scores
    a token pair (default: `token_similarity` with rigour's symbols; the index passes its
    cached version). `weights` may give both names' token weights, already computed (default:
    1.0 before the caps of `token_weight`, as without an index). When `similarity_of` is a
    quick partial judge (the index's: only the pairs its retrieval has met), `fallback` scores
    what is left unpaired after the first assignment.
    """
    similarity_of, fallback = _similarities(query, listed, config, similarity_of, fallback)
    alignment = _Alignment(*_sides(query, listed, config, weights), config)
    _assign(alignment, similarity_of)
    q_side, l_side = alignment.query, alignment.listed
    if fallback is not None and q_side.has_free() and l_side.has_free():
        _assign(alignment, fallback)
    _merge_leftovers(alignment)

    q_legal, l_legal = set(query.legal_words), set(listed.legal_words)

    def is_legal_word(token: str) -> bool:
        return token in absorb or token in q_legal or token in l_legal

    qualifiers = query_qualifiers(query, config)
    q_cov = _coverage(q_side, is_legal_word, config, qualifiers)
    l_cov = _coverage(l_side, is_legal_word, config)
    score, no_exact_word = _combined(alignment, q_cov, l_cov)
    query_part_left = config.east_asian_whole_query and q_side.has_free()
    if _east_asian(query, listed, config) and (l_side.has_free() or query_part_left):
        # A Korean or Chinese name is its surname and its given name: another surname with
        # the same given name (`RI, Chong Chol` for `Kim Jong Chol`) is another person; so
        # is (clearance-v3) a query with a part left over (`Kim Song Su` for `KIM, Song`).
        score = min(score, EAST_ASIAN_PART_MISSING)
    legal_penalty = _legal_penalty(query, listed, config)
    alignment.pairs.sort(key=lambda p: p[0])
    return NameScore(
        score=max(0.0, score - legal_penalty),
        pairs=tuple(p for _, p in alignment.pairs),
        query_unmatched=tuple(q_side.tokens[i] for i in q_side.free()),
        listed_unmatched=tuple(l_side.tokens[j].upper() for j in l_side.free()),
        query_coverage=q_cov,
        listed_coverage=l_cov,
        legal_forms=(query.legal_forms, listed.legal_forms),
        legal_penalty=legal_penalty,
        no_exact_word=no_exact_word,
        legal_words=_unmatched_legal_words(alignment, is_legal_word),
        qualifiers=frozenset(t for t in q_side.tokens if t in qualifiers),
    )
