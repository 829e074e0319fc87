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
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from rapidfuzz.distance import OSA, JaroWinkler

from clearance.model import EntryType
from clearance.names import NameForm, is_initial, phonetic_key, token_info, token_symbols
from clearance.screening.algorithms import ALGORITHMS, get_algorithm
from clearance.screening.config import AlgorithmConfig

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


WeightOf = Callable[[str], float]


def _uniform(_: str) -> float:
    return 1.0


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


def score_names(
    query: NameForm,
    listed: NameForm,
    config: AlgorithmConfig,
    query_weight: WeightOf = _uniform,
    listed_weight: WeightOf = _uniform,
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
    cached version). `weights` may give both names' token weights, already computed. When
    `similarity_of` is a quick partial judge (the index's: only the pairs its retrieval has
    met), `fallback` scores what is left unpaired after the first assignment.
    """
    if similarity_of is None:

        def similarity_of(a: str, b: str) -> tuple[float, str]:
            return token_similarity(a, b, config)

    q_tokens, l_tokens = query.tokens, listed.tokens
    q_person = query.type is EntryType.PERSON
    l_person = listed.type is EntryType.PERSON
    if weights is not None:
        qw, lw = weights
    else:
        qw = [token_weight(t, query_weight(t), config, q_person) for t in q_tokens]
        lw = [token_weight(t, listed_weight(t), config, l_person) for t in l_tokens]

    q_used: dict[int, float] = {}
    l_used: dict[int, float] = {}
    pairs: list[tuple[int, TokenPair]] = []

    def assign(similarity_fn: PairSimilarity) -> None:
        """Greedy one-to-one assignment over the still free tokens, strongest pair first."""
        candidates: list[tuple[float, float, int, int, str]] = []
        for i, qt in enumerate(q_tokens):
            if i in q_used:
                continue
            for j, lt in enumerate(l_tokens):
                if j in l_used:
                    continue
                similarity, how = similarity_fn(qt, lt)
                if similarity >= config.long_token_min_similarity and config.aligns(
                    similarity, qt, lt
                ):
                    candidates.append((similarity, qw[i] + lw[j], i, j, how))
        candidates.sort(key=lambda c: (-c[0], -c[1], c[2], c[3]))
        for similarity, _, i, j, how in candidates:
            if i in q_used or j in l_used:
                continue
            q_used[i] = l_used[j] = similarity
            if how == "initial":
                # An initial tells only one letter of the full token it stands for: the full
                # token earns the credit of an initial, not of its own weight.
                if len(q_tokens[i]) > 1:
                    q_used[i] = similarity * min(1.0, config.initial_weight / qw[i])
                if len(l_tokens[j]) > 1:
                    l_used[j] = similarity * min(1.0, config.initial_weight / lw[j])
            pairs.append((i, TokenPair(q_tokens[i], l_tokens[j].upper(), similarity, how)))

    assign(similarity_of)
    if fallback is not None and len(q_used) < len(q_tokens) and len(l_used) < len(l_tokens):
        assign(fallback)

    q_free = [i for i in range(len(q_tokens)) if i not in q_used]
    l_free = [j for j in range(len(l_tokens)) if j not in l_used]
    if q_free and l_free:
        for i, a, b, similarity in _merge_pass(q_free, q_tokens, l_free, l_tokens, config):
            q_used[i] = similarity
            l_used[a] = l_used[b] = similarity
            listed_text = f"{l_tokens[a]}+{l_tokens[b]}".upper()
            pairs.append((i, TokenPair(q_tokens[i], listed_text, similarity, "merged")))
        q_free = [i for i in range(len(q_tokens)) if i not in q_used]
        l_free = [j for j in range(len(l_tokens)) if j not in l_used]
        for j, a, b, similarity in _merge_pass(l_free, l_tokens, q_free, q_tokens, config):
            l_used[j] = similarity
            q_used[a] = q_used[b] = similarity
            query_text = f"{q_tokens[a]}+{q_tokens[b]}"
            pairs.append((a, TokenPair(query_text, l_tokens[j].upper(), similarity, "merged")))

    q_legal, l_legal = set(query.legal_words), set(listed.legal_words)

    def is_legal_word(token: str) -> bool:
        return token in absorb or token in q_legal or token in l_legal

    def coverage(
        tokens: tuple[str, ...],
        weights: list[float],
        used: dict[int, float],
        optional: tuple[bool, ...],
        is_person: bool,
    ) -> float:
        matched = total = 0.0
        for k, weight in enumerate(weights):
            if k in used:
                matched += used[k] * weight
                total += weight
            elif not is_person and is_legal_word(tokens[k]):
                total += min(weight, config.legal_word_weight)
            elif optional[k]:
                total += weight * config.optional_weight
            else:
                total += weight
        return matched / total if total else 0.0

    q_cov = coverage(q_tokens, qw, q_used, query.optional, q_person)
    l_cov = coverage(l_tokens, lw, l_used, listed.optional, l_person)
    exponent = config.query_coverage_exponent
    score = (q_cov**exponent) * (l_cov ** (1.0 - exponent)) if q_cov and l_cov else 0.0
    no_exact_word = bool(pairs) and all(p.similarity < 1.0 for _, p in pairs)
    if no_exact_word:
        # Not one word in common, only look-alikes (`Castro` / `CASTOR`): weaker evidence
        # than the similarities alone say.
        score *= config.no_exact_word_factor
    legal_penalty = 0.0
    if (
        query.legal_forms
        and listed.legal_forms
        and set(query.legal_forms).isdisjoint(listed.legal_forms)
    ):
        legal_penalty = config.legal_form_mismatch_penalty
    pairs.sort(key=lambda p: p[0])
    return NameScore(
        score=max(0.0, score - legal_penalty),
        pairs=tuple(p for _, p in pairs),
        query_unmatched=tuple(q_tokens[i] for i in range(len(q_tokens)) if i not in q_used),
        listed_unmatched=tuple(
            l_tokens[j].upper() for j in range(len(l_tokens)) if j not in l_used
        ),
        query_coverage=q_cov,
        listed_coverage=l_cov,
        legal_forms=(query.legal_forms, listed.legal_forms),
        legal_penalty=legal_penalty,
        no_exact_word=no_exact_word,
        legal_words=frozenset(
            t
            for tokens, is_person, used in (
                (q_tokens, q_person, q_used),
                (l_tokens, l_person, l_used),
            )
            if not is_person
            for k, t in enumerate(tokens)
            if k not in used and is_legal_word(t)
        ),
    )
