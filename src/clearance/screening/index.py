"""`ScreeningIndex`: every name of every entry, analysed once, searchable without a full scan.

Build: each listed name is analysed (`names.analyze_name`) and its tokens go into a
vocabulary with postings (token -> names holding it) and three ways to reach a token from a
misspelt one: a one-deletion neighbourhood (SymSpell style: `putin` and `putyn` share `putn`),
the metaphone key, and rigour's symbols (`muhammad` / `mohammed`). A fourth, letter trigrams,
is tried only for a long query token the others lead nowhere (two edits inside one word:
`fmratecy` / `faratech`). Each token's weight is its rarity among the names (IDF), so
`company` or `al` count little.

Search: each query token reaches its similar vocabulary tokens (cached per distinct token),
their postings give the names holding them, and a vectorized upper estimate of every such
name's score picks the few candidates that the scorer then aligns token by token. Names that
match only exactly (weak aliases, one-short-token names such as `FSB`) sit in a separate
dictionary keyed by their exact folded form.
"""

from __future__ import annotations

import gc
import json
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz.distance import OSA

from clearance.model import (
    Entry,
    EntryType,
    Feature,
    Hit,
    Name,
    NameKind,
    Party,
    canonical_json,
    entry_from_dict,
    entry_to_dict,
)
from clearance.names import (
    LegalWordCorrector,
    NameForm,
    analyze_name,
    is_initial,
    person_name_symbols,
    phonetic_key,
    token_info,
)
from clearance.screening.attributes import attribute_features, max_attribute_bonus
from clearance.screening.explain import exact_only_feature, legal_form_feature, name_feature
from clearance.screening.scorer import (
    AlgorithmConfig,
    NameScore,
    get_algorithm,
    score_names,
    token_similarity,
    token_weight,
)

__all__ = ["IndexedName", "ScreeningIndex"]

IntArray = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float32]

# Bumped whenever the pickled layout changes, so that stale on-disk caches are rebuilt.
INDEX_FORMAT = 2
_TOKEN_CACHE_LIMIT = 200_000


@dataclass(frozen=True, slots=True)
class IndexedName:
    """One listed name, as the index holds it."""

    list_name: str
    list_version_id: int
    entry: Entry
    name: Name
    form: NameForm
    exact_only: str | None  # "weak alias" / "short name", or None for fuzzy-matched names


@dataclass(frozen=True, slots=True)
class _Candidate:
    name_id: int
    score: NameScore | None  # None for exact-only names
    name_score: float


_EXACT_REASONS = (None, "weak alias", "short name")
_NO_MATCH = (0.0, "")
_TYPES = tuple(EntryType)


def _freeze_for_gc() -> None:
    """Keep the cycle collector off the index's hundreds of thousands of objects.

    They live as long as the index; without this, every full collection during a long run of
    searches walks them all, which showed as pauses of tens of milliseconds. Objects frozen
    here are still freed normally by reference counting.
    """
    gc.collect()
    gc.freeze()


def _deletions(token: str) -> set[str]:
    return {token[:k] + token[k + 1 :] for k in range(len(token))}


def _ngrams(token: str, size: int) -> set[str]:
    """The token's letter n-grams, padded so that its first and last letters count too."""
    padded = f"^{token}$"
    return {padded[k : k + size] for k in range(len(padded) - size + 1)}


def _exact_only_reason(name: Name, form: NameForm, config: AlgorithmConfig) -> str | None:
    if name.kind is NameKind.WEAK:
        return "weak alias"
    # One short token (an acronym such as `FSB`, whatever kind of alias the list calls it):
    # its fuzzy neighbours (`FSA`, `SSB`, `FIB`) are other parties' acronyms, so only the
    # exact string is evidence.
    if len(form.tokens) == 1 and len(form.tokens[0]) <= config.exact_only_max_letters:
        return "short name"
    return None


class ScreeningIndex:
    """An in-memory index over the names of a set of entries (see module docstring).

    The layout is columnar (strings, numpy arrays, one JSON text per entry) so that a pickled
    index loads in a fraction of a second; entries and name forms are rebuilt on demand for
    the few candidates a search scores.
    """

    def __init__(self, config: AlgorithmConfig) -> None:
        self.config = config
        self.format = INDEX_FORMAT
        # Entries: list name, version id and canonical JSON per entry position.
        self.list_names: list[str] = []
        self.entry_list: list[int] = []
        self.entry_version: list[int] = []
        self.entry_json: list[str] = []
        # Names: entry position, position in entry.names, exact-only reason, analysed form
        # (tokens joined by spaces, optional-token bit mask, legal forms, entry type).
        self.name_entry: IntArray = np.zeros(0, dtype=np.int32)
        self.name_pos: list[int] = []
        self.name_exact: list[int] = []
        self.name_tokens: list[str] = []
        self.name_optional: IntArray = np.zeros(0, dtype=np.int32)
        self.name_legal: list[str] = []
        self.name_legal_words: list[str] = []
        self.name_type: npt.NDArray[np.int8] = np.zeros(0, dtype=np.int8)
        self.name_totals: FloatArray = np.zeros(0, dtype=np.float32)
        # Vocabulary: token -> id; per token its IDF weight, symbols and postings (CSR).
        self.tokens: list[str] = []
        self.vocab: dict[str, int] = {}
        self.weights: FloatArray = np.zeros(0, dtype=np.float32)
        self.token_symbols: dict[str, frozenset[str]] = {}
        self.posting_ids: IntArray = np.zeros(0, dtype=np.int32)
        self.posting_starts: IntArray = np.zeros(1, dtype=np.int32)
        # Ways from a query token to vocabulary tokens, and the exact-only names. Deletion
        # and phonetic keys map to one token id, or to -1 - k for the k-th group of ids (most
        # keys reach one token, and plain ints keep the pickle small and quick to load).
        self.deletions: dict[str, int] = {}
        self.phonetic: dict[str, int] = {}
        self.key_groups: list[tuple[int, ...]] = []
        self.symbol_tokens: dict[str, list[int]] = {}
        self.exact: dict[str, list[int]] = {}
        # The n-gram door, for words two or more edits away (CSR like the postings): n-gram ->
        # row, its token ids, and every token's length.
        self.ngram_rows: dict[str, int] = {}
        self.ngram_token_ids: IntArray = np.zeros(0, dtype=np.int32)
        self.ngram_starts: IntArray = np.zeros(1, dtype=np.int32)
        self.token_lengths: npt.NDArray[np.int16] = np.zeros(0, dtype=np.int16)
        # Words that listed names use in legal forms (`joint`, `stock`, `pte`), and those of
        # them that are mostly legal-form words rather than name words (counted low when left
        # unmatched).
        self.legal_words: frozenset[str] = frozenset()
        self.absorbable: frozenset[str] = frozenset()
        self._init_caches()

    def _init_caches(self) -> None:
        self._token_hits: dict[str, tuple[IntArray, FloatArray, FloatArray, float]] = {}
        self._entries: dict[int, Entry] = {}
        self._corrector = LegalWordCorrector(self.legal_words, self.vocab.__contains__)
        self._pairs: dict[tuple[str, str], tuple[float, str]] = {}
        self._weights: dict[int, list[float]] = {}
        self._similar: dict[str, dict[str, tuple[float, str]]] = {}
        self._forms: dict[int, NameForm] = {}

    # --- building ------------------------------------------------------------------------

    @classmethod
    def build(
        cls, items: Iterable[tuple[str, int, Entry]], algorithm: str = "clearance-v1"
    ) -> ScreeningIndex:
        """Index every name of every entry. items: (list_name, list_version_id, Entry)."""
        index = cls(get_algorithm(algorithm))
        config = index.config
        list_ids: dict[str, int] = {}
        token_names: dict[str, list[int]] = defaultdict(list)
        legal_counts: dict[str, int] = defaultdict(int)
        name_entry: list[int] = []
        forms: list[NameForm] = []
        for list_name, version_id, entry in items:
            entry_pos = len(index.entry_json)
            index.entry_list.append(list_ids.setdefault(list_name, len(list_ids)))
            index.entry_version.append(version_id)
            index.entry_json.append(canonical_json(entry_to_dict(entry)))
            seen: set[str] = set()
            order = sorted(range(len(entry.names)), key=lambda k: entry.names[k].kind.value)
            for pos in sorted(order, key=lambda k: entry.names[k].kind is not NameKind.PRIMARY):
                name = entry.names[pos]
                form = analyze_name(name.name, entry.type, first=name.first, last=name.last)
                if not form.tokens or form.key in seen:
                    continue
                seen.add(form.key)
                name_id = len(name_entry)
                reason = _exact_only_reason(name, form, config)
                name_entry.append(entry_pos)
                index.name_pos.append(pos)
                index.name_exact.append(_EXACT_REASONS.index(reason))
                forms.append(form)
                for word in set(form.legal_words):
                    legal_counts[word] += 1
                if reason is not None:
                    index.exact.setdefault(form.key, []).append(name_id)
                    continue
                for token in set(form.tokens):
                    token_names[token].append(name_id)
        index.list_names = list(list_ids)
        index.name_entry = np.array(name_entry, dtype=np.int32)
        index.name_tokens = [" ".join(f.tokens) for f in forms]
        index.name_optional = np.array(
            [sum(1 << k for k, o in enumerate(f.optional) if o) for f in forms], dtype=np.int32
        )
        index.name_legal = [" ".join(f.legal_forms) for f in forms]
        index.name_legal_words = [" ".join(f.legal_words) for f in forms]
        index.name_type = np.array([_TYPES.index(f.type) for f in forms], dtype=np.int8)
        index.legal_words = frozenset(legal_counts)
        index.absorbable = frozenset(
            word for word, count in legal_counts.items() if count >= len(token_names.get(word, ()))
        )
        index._finish(token_names, forms)
        index._init_caches()
        _freeze_for_gc()
        return index

    def _finish(self, token_names: dict[str, list[int]], forms: list[NameForm]) -> None:
        config = self.config
        fuzzy_count = sum(1 for reason in self.name_exact if reason == 0)
        log_n = math.log1p(max(fuzzy_count, 1))
        self.tokens = sorted(token_names)
        self.vocab = {t: i for i, t in enumerate(self.tokens)}
        sizes = [len(token_names[t]) for t in self.tokens]
        self.posting_starts = np.zeros(len(sizes) + 1, dtype=np.int32)
        np.cumsum(sizes, out=self.posting_starts[1:])
        self.posting_ids = np.array(
            [i for t in self.tokens for i in token_names[t]], dtype=np.int32
        )
        self.weights = np.array(
            [math.log1p(fuzzy_count / size) / log_n for size in sizes], dtype=np.float32
        )
        deletions: dict[str, list[int]] = defaultdict(list)
        phonetic: dict[str, list[int]] = defaultdict(list)
        symbols: dict[str, list[int]] = defaultdict(list)
        ngrams: dict[str, list[int]] = defaultdict(list)
        for token_id, token in enumerate(self.tokens):
            if len(token) > config.exact_token_length and token.isalpha():
                for key in _deletions(token):
                    deletions[key].append(token_id)
                sound = phonetic_key(token)
                if sound is not None:
                    phonetic[sound].append(token_id)
                if len(token) >= config.ngram_min_length:
                    for gram in _ngrams(token, config.ngram_size):
                        ngrams[gram].append(token_id)
            token_symbols = token_info(token).symbols
            if config.given_name_symbols:
                token_symbols = token_symbols | person_name_symbols(token)
            if token_symbols:
                self.token_symbols[token] = token_symbols
            for symbol in token_symbols:
                symbols[symbol].append(token_id)
        self.deletions = self._grouped(deletions)
        self.phonetic = self._grouped(phonetic)
        self.symbol_tokens = dict(symbols)
        grams = sorted(ngrams)
        self.ngram_rows = {gram: row for row, gram in enumerate(grams)}
        self.ngram_starts = np.zeros(len(grams) + 1, dtype=np.int32)
        np.cumsum([len(ngrams[g]) for g in grams], out=self.ngram_starts[1:])
        self.ngram_token_ids = np.array([t for g in grams for t in ngrams[g]], dtype=np.int32)
        self.token_lengths = np.array([len(t) for t in self.tokens], dtype=np.int16)
        totals = np.zeros(len(forms), dtype=np.float32)
        for name_id, form in enumerate(forms):
            if self.name_exact[name_id] == 0:
                totals[name_id] = self._name_total(form)
        self.name_totals = totals

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

    def _listed_weights(self, name_id: int, form: NameForm) -> list[float]:
        found = self._weights.get(name_id)
        if found is None:
            is_person = form.type is EntryType.PERSON
            found = [token_weight(t, self.idf(t), self.config, is_person) for t in form.tokens]
            if len(self._weights) >= _TOKEN_CACHE_LIMIT:
                self._weights.clear()
            self._weights[name_id] = found
        return found

    # --- pickling: caches stay out, the algorithm goes by name ---------------------------

    def __getstate__(self) -> dict[str, Any]:
        state = {k: v for k, v in self.__dict__.items() if not k.startswith("_")}
        state["config"] = self.config.name
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state["config"] = get_algorithm(state["config"])
        self.__dict__.update(state)
        self._init_caches()

    # --- facts ---------------------------------------------------------------------------

    @property
    def algorithm(self) -> str:
        return self.config.name

    def __len__(self) -> int:
        return len(self.entry_json)

    @property
    def name_count(self) -> int:
        return len(self.name_tokens)

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

    def pair_similarity(self, a: str, b: str) -> tuple[float, str]:
        """`token_similarity` with this index's symbols, memoized per token pair."""
        key = (a, b)
        found = self._pairs.get(key)
        if found is None:
            if len(self._pairs) >= 4 * _TOKEN_CACHE_LIMIT:
                self._pairs.clear()
            found = token_similarity(a, b, self.config, self.symbols)
            self._pairs[key] = found
        return found

    def entry(self, position: int) -> Entry:
        cached = self._entries.get(position)
        if cached is None:
            if len(self._entries) >= _TOKEN_CACHE_LIMIT:
                self._entries.clear()
            cached = entry_from_dict(json.loads(self.entry_json[position]))
            self._entries[position] = cached
        return cached

    def form(self, name_id: int) -> NameForm:
        found = self._forms.get(name_id)
        if found is None:
            found = self._make_form(name_id)
            if len(self._forms) >= _TOKEN_CACHE_LIMIT:
                self._forms.clear()
            self._forms[name_id] = found
        return found

    def _make_form(self, name_id: int) -> NameForm:
        tokens = self.name_tokens[name_id]
        split = tuple(tokens.split())
        mask = int(self.name_optional[name_id])
        return NameForm(
            text=tokens,
            tokens=split,
            optional=tuple(bool(mask >> k & 1) for k in range(len(split))),
            legal_forms=tuple(self.name_legal[name_id].split()),
            type=_TYPES[int(self.name_type[name_id])],
            legal_words=tuple(self.name_legal_words[name_id].split()),
        )

    def indexed_name(self, name_id: int) -> IndexedName:
        position = int(self.name_entry[name_id])
        entry = self.entry(position)
        return IndexedName(
            list_name=self.list_names[self.entry_list[position]],
            list_version_id=self.entry_version[position],
            entry=entry,
            name=entry.names[self.name_pos[name_id]],
            form=self.form(name_id),
            exact_only=_EXACT_REASONS[self.name_exact[name_id]],
        )

    # --- retrieval -----------------------------------------------------------------------

    def _postings(self, token_id: int) -> IntArray:
        return self.posting_ids[self.posting_starts[token_id] : self.posting_starts[token_id + 1]]

    def _similar_map(self, token: str) -> dict[str, tuple[float, str]]:
        """Listed tokens similar to a query token, as retrieval found them (cached)."""
        found = self._similar.get(token)
        if found is None:
            self._hits_for(token)
            found = self._similar[token]
        return found

    def _quick_similarity(self, a: str, b: str) -> tuple[float, str]:
        """A query token against a listed one, from what retrieval found: 0 when it found
        nothing (initials, which retrieval skips, are scored in full)."""
        if len(a) == 1 or len(b) == 1:
            return self.pair_similarity(a, b)
        return self._similar_map(a).get(b, _NO_MATCH)

    def _leftover_similarity(self, a: str, b: str) -> tuple[float, str]:
        """Full scoring for tokens retrieval cannot vouch for: up to one edit, its deletion
        neighbourhood finds every pair, so only tokens long enough for two edits remain."""
        shorter = min(len(a), len(b))
        if shorter < 6 or abs(len(a) - len(b)) > self.config.allowed_edits(shorter):
            return _NO_MATCH
        return self.pair_similarity(a, b)

    def _similar_tokens(self, token: str) -> list[tuple[int, float, str]]:
        found: set[int] = set()
        exact = self.vocab.get(token)
        if exact is not None:
            found.add(exact)
        if is_initial(token):
            return [(exact, 1.0, "=")] if exact is not None else []
        if len(token) > self.config.exact_token_length and token.isalpha():
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
        out = self._aligned(token, found)
        if not out and len(token) >= self.config.ngram_min_length and token.isalpha():
            out = self._aligned(token, self._ngram_neighbours(token))
        return out

    def _aligned(self, token: str, token_ids: Iterable[int]) -> list[tuple[int, float, str]]:
        out: list[tuple[int, float, str]] = []
        for token_id in token_ids:
            similarity, how = self.pair_similarity(token, self.tokens[token_id])
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

    def _hits_for(self, token: str) -> tuple[IntArray, FloatArray, FloatArray, float]:
        """(name ids, best similarity per name, matched listed weight, query weight)."""
        cached = self._token_hits.get(token)
        if cached is not None:
            return cached
        similar = self._similar_tokens(token)
        if len(self._similar) >= _TOKEN_CACHE_LIMIT:
            self._similar.clear()
        self._similar[token] = {self.tokens[t]: (sim, how) for t, sim, how in similar}
        exact = self.vocab.get(token)
        query_weight = 1.0 if exact is None else float(self.weights[exact])
        if not similar:
            empty_ids = np.zeros(0, dtype=np.int32)
            empty = np.zeros(0, dtype=np.float32)
            result = (empty_ids, empty, empty, query_weight)
        elif len(similar) == 1:
            token_id, similarity, _ = similar[0]
            ids = self._postings(token_id)
            sims = np.full(len(ids), similarity, dtype=np.float32)
            result = (ids, sims, sims * self.weights[token_id], query_weight)
        else:
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
            result = (unique_ids.astype(np.int32), sims[first], listed[first], query_weight)
        if len(self._token_hits) >= _TOKEN_CACHE_LIMIT:
            self._token_hits.clear()
        self._token_hits[token] = result
        return result

    def _fuzzy_candidates(self, query: NameForm, cutoff: float, limit: int) -> list[int]:
        """Name ids whose estimated score reaches `cutoff` (or the `limit` best if none)."""
        config = self.config
        is_person = query.type is EntryType.PERSON
        count = len(self.name_tokens)
        if not count:
            return []
        q_matched = np.zeros(count, dtype=np.float32)
        l_matched = np.zeros(count, dtype=np.float32)
        q_total = 0.0
        touched: list[IntArray] = []
        for token in query.tokens:
            ids, sims, listed, base = self._hits_for(token)
            weight = token_weight(token, base, config, is_person)
            if token in self.absorbable or token in query.legal_words:
                weight = min(weight, config.legal_word_weight)
            q_total += weight
            if len(ids):
                q_matched[ids] += weight * sims
                l_matched[ids] += listed
                touched.append(ids)
        if not touched or q_total <= 0:
            return []
        exponent = config.query_coverage_exponent
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
        return [int(n) for n in names[order]]

    # --- search --------------------------------------------------------------------------

    def search(
        self,
        party: Party,
        *,
        threshold: float | None = None,
        top: int = 10,
        match_threshold: float | None = None,
    ) -> list[Hit]:
        """The entries whose best name scores at least `threshold` against the party.

        threshold None is the algorithm's review threshold; 0 with `top` N gives the N best
        candidates whatever their score. `match_threshold` (default: the algorithm's) sets
        `Hit.match`.
        """
        config = self.config
        floor = config.review_threshold if threshold is None else threshold
        match_at = config.match_threshold if match_threshold is None else match_threshold
        if top <= 0:
            return []
        query = analyze_name(party.name, party.type, correct=self._corrector)
        if not query.tokens:
            return []

        best: dict[int, _Candidate] = {}
        for name_id in self.exact.get(query.key, ()):
            reason = _EXACT_REASONS[self.name_exact[name_id]]
            score = config.weak_alias_score if reason == "weak alias" else config.short_alias_score
            self._keep(best, _Candidate(name_id, None, score))

        bonus = max_attribute_bonus(party, config)
        cutoff = floor - config.candidate_margin - bonus
        limit = max(config.max_candidates, 4 * top)
        is_person = query.type is EntryType.PERSON
        query_weights = [token_weight(t, self.idf(t), config, is_person) for t in query.tokens]
        for name_id in self._fuzzy_candidates(query, cutoff, limit):
            listed = self.form(name_id)
            result = score_names(
                query,
                listed,
                config,
                similarity_of=self._quick_similarity,
                absorb=self.absorbable,
                weights=(query_weights, self._listed_weights(name_id, listed)),
                fallback=self._leftover_similarity,
            )
            self._keep(best, _Candidate(name_id, result, result.score))

        hits: list[Hit] = []
        for candidate in best.values():
            if candidate.name_score + bonus < floor:
                continue  # no attribute could lift it: skip decoding the entry
            hit = self._hit(party, candidate, match_at)
            if hit.score >= floor:
                hits.append(hit)
        hits.sort(key=lambda h: (-h.score, h.list_name, h.entry.source_id))
        return hits[:top]

    def _keep(self, best: dict[int, _Candidate], candidate: _Candidate) -> None:
        entry = int(self.name_entry[candidate.name_id])
        current = best.get(entry)
        if current is None or candidate.name_score > current.name_score:
            best[entry] = candidate

    def _hit(self, party: Party, candidate: _Candidate, match_at: float) -> Hit:
        indexed = self.indexed_name(candidate.name_id)
        entry = indexed.entry
        features: list[Feature] = []
        if candidate.score is None:
            assert indexed.exact_only is not None
            features.append(
                exact_only_feature(
                    party.name, indexed.name, indexed.exact_only, candidate.name_score
                )
            )
        else:
            features.append(name_feature(party.name, indexed.name, indexed.form, candidate.score))
            legal = legal_form_feature(candidate.score)
            if legal is not None:
                features.append(legal)
        features.extend(attribute_features(party, entry, self.config))
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
            algorithm=self.config.name,
            features=tuple(features),
        )
