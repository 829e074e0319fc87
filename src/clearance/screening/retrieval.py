"""Retrieval (the blocker): from a query name to the few listed names worth scoring.

As nomenklatura keeps its blocker apart from its scorer, retrieval here only decides which
listed names a query is scored against; search.py scores them.

Every token of every fuzzily matched listed name goes into a vocabulary with postings (token
-> names holding it) and its weight: its rarity among the names (IDF), so `company` or `al`
count little. A query token reaches vocabulary tokens through doors: a one-deletion
neighbourhood (SymSpell style: `putin` and `putyn` share `putn`), the metaphone key and
rigour's symbols (`muhammad` / `mohammed`); letter trigrams are tried only for a long query
token the others lead nowhere (two edits inside one word: `fmratecy` / `faratech`). What a
token reaches is cached per distinct token. The postings of the similar tokens give the names
holding them, and a vectorized upper estimate of every such name's score keeps the
candidates the scorer then aligns token by token.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz.distance import OSA

from clearance.model import EntryType
from clearance.names import (
    NameForm,
    TokenInfo,
    is_initial,
    lend_token_infos,
    person_name_symbols,
    phonetic_key,
    token_info,
)
from clearance.names.arabic import is_known_spelling, other_spellings, skeleton
from clearance.names.cyrillic import spelling_key
from clearance.names.frequency import population_weight
from clearance.names.reading import FLAG_ARABIC
from clearance.screening.algorithms import get_algorithm
from clearance.screening.config import AlgorithmConfig
from clearance.screening.routes import route_keys, split_join
from clearance.screening.scorer import query_qualifiers, token_similarity, token_weight
from clearance.screening.variants import v2_similarity

__all__ = ["CACHE_LIMIT", "Blocker", "FloatArray", "IntArray"]

IntArray = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float32]
# (name ids, best similarity per name, matched listed weight, query token weight)
TokenHits = tuple[IntArray, FloatArray, FloatArray, float]

CACHE_LIMIT = 200_000  # entries per cache before it is cleared
_NO_MATCH = (0.0, "")
# Words longer than this get no fuzzy keys (deletions, sound, n-grams), listed or queried: they
# match only exactly. A word's deletion keys take memory in the square of its length (a 10 MB
# listed name took 2.2 GB per screening; a 100,000-letter query word raised MemoryError). The
# longest word of every real list 2018-2025 after name analysis has 27 letters
# (`sberbankavtomatizirovannaya`), so no listed word of normal length loses a key or a score.
MAX_KEYED_LENGTH = 64
# Token lengths are kept as int16; longer words (never keyed) are stored as this.
_LENGTH_CLIP = int(np.iinfo(np.int16).max)


def _keyed(token: str, min_length: int) -> bool:
    """Whether a word gets fuzzy keys: longer than `min_length`, within MAX_KEYED_LENGTH,
    letters only."""
    return min_length < len(token) <= MAX_KEYED_LENGTH and token.isalpha()


def _deletions(token: str) -> set[str]:
    return {token[:k] + token[k + 1 :] for k in range(len(token))}


def _ngrams(token: str, size: int) -> set[str]:
    """The token's letter n-grams, padded so that its first and last letters count too."""
    padded = f"^{token}$"
    return {padded[k : k + size] for k in range(len(padded) - size + 1)}


def _csr(rows: Sequence[Sequence[int]]) -> tuple[IntArray, IntArray]:
    """(starts, ids): row k is ids[starts[k]:starts[k + 1]]."""
    starts = np.zeros(len(rows) + 1, dtype=np.int32)
    np.cumsum([len(row) for row in rows], out=starts[1:])
    return starts, np.array([i for row in rows for i in row], dtype=np.int32)


class Blocker:
    """The vocabulary of listed tokens, the keys that lead a query token to it, and the
    candidate names a query reaches (see module docstring).

    Columnar (strings, numpy arrays, plain ints) so that a pickled index loads quickly.
    """

    def __init__(self, config: AlgorithmConfig) -> None:
        self.config = config
        # Vocabulary: token -> id; per token its IDF weight, symbols and postings (CSR).
        self.tokens: list[str] = []
        self.vocab: dict[str, int] = {}
        self.weights: FloatArray = np.zeros(0, dtype=np.float32)
        self.token_symbols: dict[str, frozenset[str]] = {}
        # Per token its `names.token_info` facts (bit 1 stop-word, bit 2 generic word, and its
        # organization symbols where it has any), lent to the next build (`lend_token_infos`).
        self.token_facts: npt.NDArray[np.int8] = np.zeros(0, dtype=np.int8)
        self.org_symbols: dict[str, frozenset[str]] = {}
        self.posting_ids: IntArray = np.zeros(0, dtype=np.int32)
        self.posting_starts: IntArray = np.zeros(1, dtype=np.int32)
        # Deletion and phonetic keys map to one token id, or to -1 - k for the k-th group of
        # ids (most keys reach one token, and plain ints keep the pickle small and quick).
        self.deletions: dict[str, int] = {}
        self.phonetic: dict[str, int] = {}
        self.key_groups: list[tuple[int, ...]] = []
        self.symbol_tokens: dict[str, list[int]] = {}
        # clearance-v2's routes (routes.py): spelling key and consonant skeleton -> token ids.
        self.variant_keys: dict[str, int] = {}
        self.skeleton_keys: dict[str, int] = {}
        # clearance-v4: the other spellings of a canonical Arabic name part and their
        # one-deletion keys -> that part's token id (`mohamen` reaches `muhammad`).
        self.spelling_keys: dict[str, int] = {}
        # The n-gram door (CSR like the postings): n-gram -> row, its token ids, and every
        # token's length.
        self.ngram_rows: dict[str, int] = {}
        self.ngram_token_ids: IntArray = np.zeros(0, dtype=np.int32)
        self.ngram_starts: IntArray = np.zeros(1, dtype=np.int32)
        self.token_lengths: npt.NDArray[np.int16] = np.zeros(0, dtype=np.int16)
        # Per name: the smallest weight it can have in its coverage (0 for exact-only names).
        self.name_totals: FloatArray = np.zeros(0, dtype=np.float32)
        # Words that are mostly legal-form words rather than name words (`pte`).
        self.absorbable: frozenset[str] = frozenset()
        self.init_caches()

    def init_caches(self) -> None:
        self._token_hits: dict[str, TokenHits] = {}
        self._similar: dict[str, dict[str, tuple[float, str]]] = {}
        self._pairs: dict[tuple[str, str, bool], tuple[float, str]] = {}

    # --- building ------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        config: AlgorithmConfig,
        token_names: dict[str, list[int]],
        forms: Sequence[NameForm | None],
        absorbable: frozenset[str],
        base: Blocker | None = None,
    ) -> Blocker:
        """The blocker over names `forms` (None for exact-only names, which it never
        retrieves); `token_names` gives, per token, the fuzzily matched names holding it.
        `base`, the blocker of an earlier index of the same algorithm, lends the symbols of
        the tokens it knows (looking them up in rigour's taggers is a third of a build)."""
        blocker = cls(config)
        blocker.absorbable = absorbable
        blocker._vocabulary(token_names, sum(1 for form in forms if form is not None))
        if base is not None:
            lend_token_infos(base.token_infos())
        blocker._keys(base)
        blocker._facts()
        totals = np.zeros(len(forms), dtype=np.float32)
        for name_id, form in enumerate(forms):
            if form is not None:
                totals[name_id] = blocker._name_total(form)
        blocker.name_totals = totals
        return blocker

    def _vocabulary(self, token_names: dict[str, list[int]], fuzzy_count: int) -> None:
        log_n = math.log1p(max(fuzzy_count, 1))
        self.tokens = sorted(token_names)
        self.vocab = {t: i for i, t in enumerate(self.tokens)}
        self.posting_starts, self.posting_ids = _csr([token_names[t] for t in self.tokens])
        sizes = [len(token_names[t]) for t in self.tokens]
        idf = [math.log1p(fuzzy_count / size) / log_n for size in sizes]
        if self.config.population_weights:
            idf = [min(w, population_weight(t)) for w, t in zip(idf, self.tokens, strict=True)]
        self.weights = np.array(idf, dtype=np.float32)
        self.token_lengths = np.array(
            [min(len(t), _LENGTH_CLIP) for t in self.tokens], dtype=np.int16
        )

    def _keys(self, base: Blocker | None) -> None:
        """Every door from a query token to the vocabulary: deletions, sound, symbols, n-grams."""
        config = self.config
        deletions: dict[str, list[int]] = defaultdict(list)
        phonetic: dict[str, list[int]] = defaultdict(list)
        symbols: dict[str, list[int]] = defaultdict(list)
        ngrams: dict[str, list[int]] = defaultdict(list)
        for token_id, token in enumerate(self.tokens):
            if _keyed(token, config.exact_token_length):
                for key in _deletions(token):
                    deletions[key].append(token_id)
                sound = phonetic_key(token)
                if sound is not None:
                    phonetic[sound].append(token_id)
                if len(token) >= config.ngram_min_length:
                    for gram in _ngrams(token, config.ngram_size):
                        ngrams[gram].append(token_id)
            token_symbols = self._token_symbols(token, base)
            if token_symbols:
                self.token_symbols[token] = token_symbols
            for symbol in token_symbols:
                symbols[symbol].append(token_id)
        if config.reading != "v1":
            variants, skeletons = route_keys(self.tokens)
            self.variant_keys = self._grouped(variants)
            self.skeleton_keys = self._grouped(skeletons)
        if config.part_spellings:
            self.spelling_keys = self._grouped(self._spelling_routes())
        self.deletions = self._grouped(deletions)
        self.phonetic = self._grouped(phonetic)
        self.symbol_tokens = dict(symbols)
        grams = sorted(ngrams)
        self.ngram_rows = {gram: row for row, gram in enumerate(grams)}
        self.ngram_starts, self.ngram_token_ids = _csr([ngrams[g] for g in grams])

    def _spelling_routes(self) -> dict[str, list[int]]:
        routes: dict[str, set[int]] = defaultdict(set)
        for token_id, token in enumerate(self.tokens):
            for spelling in other_spellings(token):
                routes[spelling].add(token_id)
                if _keyed(spelling, self.config.exact_token_length):
                    for key in _deletions(spelling):
                        routes[key].add(token_id)
        return {key: sorted(ids) for key, ids in routes.items()}

    def _facts(self) -> None:
        infos = [token_info(token) for token in self.tokens]
        self.token_facts = np.array(
            [int(i.stopword) | int(i.generic) << 1 for i in infos], dtype=np.int8
        )
        self.org_symbols = {
            t: i.symbols for t, i in zip(self.tokens, infos, strict=True) if i.symbols
        }

    def token_infos(self) -> dict[str, TokenInfo]:
        """The `names.token_info` facts of the vocabulary, as this blocker's build found them."""
        empty: frozenset[str] = frozenset()
        return {
            token: TokenInfo(
                stopword=bool(bits & 1),
                generic=bool(bits & 2),
                symbols=self.org_symbols.get(token, empty),
            )
            for token, bits in zip(self.tokens, self.token_facts.tolist(), strict=True)
        }

    def _token_symbols(self, token: str, base: Blocker | None) -> frozenset[str]:
        if base is not None and token in base.vocab:
            # The base keeps only non-empty symbol sets, like this blocker.
            return base.token_symbols.get(token, frozenset())
        symbols = token_info(token).symbols
        if self.config.given_name_symbols:
            symbols = symbols | person_name_symbols(token)
        return symbols

    def _grouped(self, keys: dict[str, list[int]]) -> dict[str, int]:
        out: dict[str, int] = {}
        for key, ids in keys.items():
            if len(ids) == 1:
                out[key] = ids[0]
            else:
                out[key] = -1 - len(self.key_groups)
                self.key_groups.append(tuple(ids))
        return out

    def _reach(self, keys: dict[str, int], key: str) -> tuple[int, ...]:
        found = keys.get(key)
        if found is None:
            return ()
        return (found,) if found >= 0 else self.key_groups[-1 - found]

    def _name_total(self, form: NameForm) -> float:
        """The smallest weight a listed name can have in its coverage (optional parts off)."""
        config = self.config
        is_person = form.type is EntryType.PERSON
        total = 0.0
        for token, optional in zip(form.tokens, form.optional, strict=True):
            weight = token_weight(token, self.idf(token), config, is_person)
            if not is_person and (token in self.absorbable or token in form.legal_words):
                weight = min(weight, config.legal_word_weight)
            total += weight * (config.optional_weight if optional else 1.0)
        return total

    # --- pickling: caches stay out, the algorithm goes by name ---------------------------

    def __getstate__(self) -> dict[str, Any]:
        state = {k: v for k, v in self.__dict__.items() if not k.startswith("_")}
        state["config"] = self.config.name
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state["config"] = get_algorithm(state["config"])
        self.__dict__.update(state)
        self.init_caches()

    # --- token facts ---------------------------------------------------------------------

    def idf(self, token: str) -> float:
        """A token's rarity weight: 1.0 for tokens no listed name has."""
        token_id = self.vocab.get(token)
        return 1.0 if token_id is None else float(self.weights[token_id])

    def symbols(self, token: str) -> frozenset[str]:
        """A token's symbols: precomputed for the vocabulary; organization symbols otherwise.

        Tokens outside the vocabulary skip rigour's person-name tagger (when the algorithm
        uses given-name symbols at all), which takes seconds to load: a one-off query must
        not pay that.
        """
        found = self.token_symbols.get(token)
        if found is not None:
            return found
        if token in self.vocab:
            return frozenset()
        return token_info(token).symbols

    def pair_similarity(self, a: str, b: str, arabic: bool = False) -> tuple[float, str]:
        """`token_similarity` with this vocabulary's symbols (clearance-v2: with its variants,
        skeletons for a name in Arabic script), memoized per token pair."""
        key = (a, b, arabic)
        found = self._pairs.get(key)
        if found is None:
            if len(self._pairs) >= 4 * CACHE_LIMIT:
                self._pairs.clear()
            found = self._base_similarity(a, b)
            if self.config.reading != "v1":
                found = v2_similarity(a, b, self.config, self._base_similarity, arabic)
            self._pairs[key] = found
        return found

    def _base_similarity(self, a: str, b: str) -> tuple[float, str]:
        return token_similarity(a, b, self.config, self.symbols)

    # --- similarity for the scorer, from what retrieval found ----------------------------

    def quick_similarity(self, a: str, b: str, arabic: bool = False) -> tuple[float, str]:
        """A query token against a listed one, from what retrieval found: 0 when it found
        nothing (initials, which retrieval skips, are scored in full)."""
        if len(a) == 1 or len(b) == 1:
            return self.pair_similarity(a, b, arabic)
        return self._similar_map(a, arabic).get(b, _NO_MATCH)

    def arabic_quick_similarity(self, a: str, b: str) -> tuple[float, str]:
        return self.quick_similarity(a, b, True)

    def leftover_similarity(self, a: str, b: str) -> tuple[float, str]:
        """Full scoring for tokens retrieval cannot vouch for: up to one edit, its deletion
        neighbourhood finds every pair, so only tokens long enough for two edits remain."""
        shorter = min(len(a), len(b))
        if shorter < 6 or abs(len(a) - len(b)) > self.config.allowed_edits(shorter):
            return _NO_MATCH
        return self.pair_similarity(a, b)

    def _similar_map(self, token: str, arabic: bool = False) -> dict[str, tuple[float, str]]:
        """Listed tokens similar to a query token, as retrieval found them (cached)."""
        found = self._similar.get(_cache_key(token, arabic))
        if found is None:
            self.token_hits(token, arabic)
            found = self._similar[_cache_key(token, arabic)]
        return found

    # --- from a query token to listed tokens ---------------------------------------------

    def _v2_doors(self, token: str, arabic: bool) -> set[int]:
        """clearance-v2's routes (routes.py): spelling keys; skeletons for Arabic script;
        clearance-v4's Arabic name-part spellings."""
        found: set[int] = set()
        key = spelling_key(token)
        if key is not None:
            found.update(self._reach(self.variant_keys, key))
        if arabic and token.isalpha():
            found.update(self._reach(self.skeleton_keys, skeleton(token)))
        if self.config.part_spellings and not is_known_spelling(token):
            found.update(self._reach(self.spelling_keys, token))
            if _keyed(token, self.config.exact_token_length):
                for key in _deletions(token):
                    found.update(self._reach(self.spelling_keys, key))
        return found

    def _similar_tokens(self, token: str, arabic: bool = False) -> list[tuple[int, float, str]]:
        """(token id, similarity, how) of the listed tokens a query token aligns with."""
        found: set[int] = set()
        exact = self.vocab.get(token)
        if exact is not None:
            found.add(exact)
        if is_initial(token):
            return [(exact, 1.0, "=")] if exact is not None else []
        if _keyed(token, self.config.exact_token_length):
            # One deletion on either side or both: an insertion, a deletion, a substitution
            # or a transposition away.
            found.update(self._reach(self.deletions, token))
            for key in _deletions(token):
                found.update(self._reach(self.deletions, key))
                shorter = self.vocab.get(key)
                if shorter is not None:
                    found.add(shorter)
            sound = phonetic_key(token)
            if sound is not None:
                found.update(self._reach(self.phonetic, sound))
        for symbol in self.symbols(token):
            found.update(self.symbol_tokens.get(symbol, ()))
        if self.config.reading != "v1":
            found.update(self._v2_doors(token, arabic))
        out = self._aligned(token, found, arabic)
        if not out and _keyed(token, self.config.ngram_min_length - 1):
            out = self._aligned(token, self._ngram_neighbours(token), arabic)
        return out

    def _aligned(
        self, token: str, token_ids: Iterable[int], arabic: bool = False
    ) -> list[tuple[int, float, str]]:
        out: list[tuple[int, float, str]] = []
        for token_id in token_ids:
            similarity, how = self.pair_similarity(token, self.tokens[token_id], arabic)
            if self.config.aligns(similarity, token, self.tokens[token_id]):
                out.append((token_id, similarity, how))
        return out

    def _ngram_neighbours(self, token: str) -> list[int]:
        """Listed words sharing the most n-grams with a word the other doors found nothing
        for: two edits inside one word (`fmratecy` / `faratech`) leave no deletion or sound
        in common, but most of its n-grams. n-grams held by very many words are skipped."""
        config = self.config
        postings: list[IntArray] = []
        for gram in _ngrams(token, config.ngram_size):
            row = self.ngram_rows.get(gram)
            if row is None:
                continue
            start, end = int(self.ngram_starts[row]), int(self.ngram_starts[row + 1])
            if end - start <= config.ngram_max_postings:
                postings.append(self.ngram_token_ids[start:end])
        if not postings:
            return []
        ids, shared = np.unique(np.concatenate(postings), return_counts=True)
        length_gap = np.abs(self.token_lengths[ids].astype(np.int32) - len(token))
        keep = (shared >= config.ngram_min_shared) & (
            length_gap <= config.allowed_edits(len(token))
        )
        ids, shared = ids[keep], shared[keep]
        if len(ids) > config.ngram_max_checked:
            best = np.argpartition(-shared, config.ngram_max_checked - 1)
            ids = ids[best[: config.ngram_max_checked]]
        # A cheap edit count first: most of these are too far for the edit budget at all.
        allowed = config.allowed_edits(len(token)) + config.phonetic_extra_edits
        return [
            int(t)
            for t in ids
            if OSA.distance(token, self.tokens[t], score_cutoff=allowed) <= allowed
        ]

    # --- from a query token to listed names ----------------------------------------------

    def _postings(self, token_id: int) -> IntArray:
        return self.posting_ids[self.posting_starts[token_id] : self.posting_starts[token_id + 1]]

    def token_hits(self, token: str, arabic: bool = False) -> TokenHits:
        """(name ids, best similarity per name, matched listed weight, query weight)."""
        key = _cache_key(token, arabic)
        cached = self._token_hits.get(key)
        if cached is not None:
            return cached
        similar = self._similar_tokens(token, arabic)
        if len(self._similar) >= CACHE_LIMIT:
            self._similar.clear()
        self._similar[key] = {self.tokens[t]: (sim, how) for t, sim, how in similar}
        exact = self.vocab.get(token)
        query_weight = 1.0 if exact is None else float(self.weights[exact])
        result = self._names_holding(similar, query_weight)
        if len(self._token_hits) >= CACHE_LIMIT:
            self._token_hits.clear()
        self._token_hits[key] = result
        return result

    def _names_holding(
        self, similar: list[tuple[int, float, str]], query_weight: float
    ) -> TokenHits:
        """The names holding any of the `similar` tokens, each with its best pair."""
        if not similar:
            empty_ids = np.zeros(0, dtype=np.int32)
            empty = np.zeros(0, dtype=np.float32)
            return (empty_ids, empty, empty, query_weight)
        if len(similar) == 1:
            token_id, similarity, _ = similar[0]
            ids = self._postings(token_id)
            sims = np.full(len(ids), similarity, dtype=np.float32)
            return (ids, sims, sims * self.weights[token_id], query_weight)
        # Highest similarity first, so that a stable unique keeps each name's best pair.
        similar.sort(key=lambda pair: -pair[1])
        postings = [self._postings(t) for t, _, _ in similar]
        ids = np.concatenate(postings)
        sims = np.concatenate(
            [
                np.full(len(p), s, dtype=np.float32)
                for p, (_, s, _) in zip(postings, similar, strict=True)
            ]
        )
        listed = np.concatenate(
            [
                np.full(len(p), s * self.weights[t], dtype=np.float32)
                for p, (t, s, _) in zip(postings, similar, strict=True)
            ]
        )
        unique_ids, first = np.unique(ids, return_index=True)
        return (unique_ids.astype(np.int32), sims[first], listed[first], query_weight)

    # --- from a query name to candidate names --------------------------------------------

    def candidates(self, query: NameForm, cutoff: float, limit: int) -> list[int]:
        """Name ids whose estimated score reaches `cutoff` (or the `limit` best if none),
        best estimate first."""
        return self.estimated(query, cutoff, limit)[0]

    def estimated(
        self, query: NameForm, cutoff: float, limit: int
    ) -> tuple[list[int], list[float]]:
        """`candidates`, with each one's estimate."""
        if not len(self.name_totals):
            return [], []
        matched = self._matched_weights(query)
        if matched is None:
            return [], []
        q_matched, l_matched, q_total, touched = matched
        exponent = self.config.coverage_exponent(query.type is EntryType.PERSON)
        names: npt.NDArray[Any]
        if cutoff > 0:
            # The estimate never exceeds q_cov ** exponent (listed coverage is at most 1), so
            # one vectorized comparison drops every name that cannot reach the cutoff.
            names = np.flatnonzero(q_matched >= q_total * cutoff ** (1.0 / exponent) - 1e-6)
        elif len(touched) > 1:
            names = np.unique(np.concatenate(touched))
        else:
            names = touched[0]
        q_cov = np.minimum(q_matched[names] / q_total, 1.0)
        totals = self.name_totals[names]
        l_cov = np.minimum(l_matched[names] / np.maximum(totals, 1e-6), 1.0)
        estimate = q_cov**exponent * l_cov ** (1.0 - exponent)
        if cutoff > 0:
            keep = estimate >= cutoff
            names, estimate = names[keep], estimate[keep]
        if len(names) > limit:
            best = np.argpartition(-estimate, limit - 1)[:limit]
            names, estimate = names[best], estimate[best]
        order = np.argsort(-estimate, kind="stable")
        return [int(n) for n in names[order]], [float(e) for e in estimate[order]]

    def _matched_weights(
        self, query: NameForm
    ) -> tuple[FloatArray, FloatArray, float, list[IntArray]] | None:
        """Per name, the query weight and the listed weight its similar tokens explain; the
        query's total weight; the name ids each query token reached. None if none reached."""
        config = self.config
        is_person = query.type is EntryType.PERSON
        count = len(self.name_totals)
        q_matched = np.zeros(count, dtype=np.float32)
        l_matched = np.zeros(count, dtype=np.float32)
        q_total = 0.0
        touched: list[IntArray] = []
        arabic = bool(query.flags & FLAG_ARABIC)
        qualifiers = query_qualifiers(query, config)
        weights: list[float] = []
        for token in query.tokens:
            ids, sims, listed, base = self.token_hits(token, arabic)
            weight = token_weight(token, base, config, is_person)
            if token in self.absorbable or token in query.legal_words:
                weight = min(weight, config.legal_word_weight)
            elif token in qualifiers:
                weight = min(weight, config.qualifier_weight)
            weights.append(weight)
            q_total += weight
            if len(ids):
                q_matched[ids] += weight * sims
                l_matched[ids] += listed
                touched.append(ids)
        if config.split_join_retrieval:
            reached = split_join(query.tokens, weights, self.vocab, self.weights, self._postings)
            for ids, query_weight, listed_weight in reached:
                q_matched[ids] += query_weight
                l_matched[ids] += listed_weight
                touched.append(ids)
        if not touched or q_total <= 0:
            return None
        return q_matched, l_matched, q_total, touched


def _cache_key(token: str, arabic: bool) -> str:
    return "\x01" + token if arabic else token
