"""`ScreeningIndex`: every name of every entry, analysed once, searchable without a full scan.

Build: each listed name is analysed once (`names.analyze_name`). Names that match only exactly
(weak aliases, one-short-token names such as `FSB`) go into a dictionary keyed by their exact
folded form; the tokens of all others go to retrieval's vocabulary (`retrieval.Blocker`:
postings, IDF weights, and the keys that lead a misspelt query token to a listed one).

Search (search.py): the party's name is analysed the same way, retrieval picks the candidate
names, the scorer aligns them token by token, and each hit explains itself.

The index keeps the entries and the analysed names as columns (strings, numpy arrays, one
JSON text per entry), so that a pickled index loads in a fraction of a second; entries and
name forms are rebuilt on demand for the few candidates a search scores.
"""

from __future__ import annotations

import dataclasses
import gc
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from clearance.model import (
    Entry,
    EntryType,
    Hit,
    Name,
    NameKind,
    Party,
    canonical_json,
    entry_from_dict,
    entry_to_dict,
)
from clearance.names import LegalWordCorrector, NameForm, analyze_name
from clearance.names.reading import (
    FLAG_EAST_ASIAN,
    FLAG_MISSPELT_SYLLABLE,
    east_asian_readings,
)
from clearance.screening import search as searching
from clearance.screening.acronyms import acronym_of
from clearance.screening.algorithms import DEFAULT_ALGORITHM, get_algorithm
from clearance.screening.config import AlgorithmConfig
from clearance.screening.retrieval import CACHE_LIMIT, Blocker, IntArray
from clearance.screening.scorer import token_weight

__all__ = ["INDEX_FORMAT", "IndexedName", "ScreeningIndex"]

# Bumped whenever the pickled layout or the classes it holds change, so that stale on-disk
# caches are rebuilt (service.py compares it) rather than mis-loaded. 3: retrieval's data
# moved into `ScreeningIndex.blocker` (retrieval.Blocker). 4: per-name reading flags and the
# acronym dictionary (clearance-v2). 5: the vocabulary's token facts (lent to the next build).
INDEX_FORMAT = 5


@dataclass(frozen=True, slots=True)
class IndexedName:
    """One listed name, as the index holds it."""

    list_name: str
    list_version_id: int
    entry: Entry
    name: Name
    form: NameForm
    exact_only: str | None  # "weak alias" / "short name", or None for fuzzy-matched names


_EXACT_REASONS = (None, "weak alias", "short name")
_TYPES = tuple(EntryType)


def _freeze_for_gc() -> None:
    """Keep the cycle collector off the index's hundreds of thousands of objects.

    They live as long as the index; without this, every full collection during a long run of
    searches walks them all, which showed as pauses of tens of milliseconds. Objects frozen
    here are still freed normally by reference counting.
    """
    gc.collect()
    gc.freeze()


def _exact_only_reason(name: Name, form: NameForm, config: AlgorithmConfig) -> str | None:
    if name.kind is NameKind.WEAK:
        return "weak alias"
    # One short token (an acronym such as `FSB`, whatever kind of alias the list calls it):
    # its fuzzy neighbours (`FSA`, `SSB`, `FIB`) are other parties' acronyms, so only the
    # exact string is evidence.
    if len(form.tokens) == 1 and len(form.tokens[0]) <= config.exact_only_max_letters:
        return "short name"
    return None


def _names_in_order(entry: Entry) -> list[int]:
    """Positions of an entry's names, primary first, then by kind (a name met twice keeps
    the first kind it comes with)."""
    order = sorted(range(len(entry.names)), key=lambda k: entry.names[k].kind.value)
    return sorted(order, key=lambda k: entry.names[k].kind is not NameKind.PRIMARY)


# (position in entry.names, index of its exact-only reason, analysed form)
_AnalysedName = tuple[int, int, NameForm]


@dataclass
class _Gathered:
    """What a build learns about the names while it walks the entries."""

    forms: list[NameForm] = field(default_factory=list)
    name_entry: list[int] = field(default_factory=list)
    token_names: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    legal_counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))


class ScreeningIndex:
    """An in-memory index over the names of a set of entries (see module docstring)."""

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
        self.name_flags: npt.NDArray[np.int8] = np.zeros(0, dtype=np.int8)
        # Exact-only names by their exact folded form.
        self.exact: dict[str, list[int]] = {}
        # clearance-v2: the initials of organizations' names of two words or more (acronyms.py).
        self.acronyms: dict[str, list[int]] = {}
        # Words that listed names use in legal forms (`joint`, `stock`, `pte`), and those of
        # them that are mostly legal-form words rather than name words (counted low when left
        # unmatched).
        self.legal_words: frozenset[str] = frozenset()
        self.absorbable: frozenset[str] = frozenset()
        # Retrieval: the vocabulary of the fuzzily matched names and the ways into it.
        self.blocker = Blocker(config)
        self._init_caches()

    def _init_caches(self) -> None:
        self._entries: dict[int, Entry] = {}
        self._forms: dict[int, NameForm] = {}
        self._weights: dict[int, list[float]] = {}
        self._corrector = LegalWordCorrector(self.legal_words, self.blocker.vocab.__contains__)

    # --- building ------------------------------------------------------------------------

    @classmethod
    def build(
        cls, items: Iterable[tuple[str, int, Entry]], algorithm: str = DEFAULT_ALGORITHM
    ) -> ScreeningIndex:
        """Index every name of every entry. items: (list_name, list_version_id, Entry)."""
        rows = ((name, version, canonical_json(entry_to_dict(e)), e) for name, version, e in items)
        return cls._build(rows, algorithm, None)

    @classmethod
    def build_from_bodies(
        cls,
        items: Iterable[tuple[str, int, str]],
        algorithm: str = DEFAULT_ALGORITHM,
        base: ScreeningIndex | None = None,
    ) -> ScreeningIndex:
        """Index entries given as their stored canonical JSON (list_name, version id, body).

        `base`, an earlier index of the same algorithm, lends its analysis of every entry whose
        JSON it holds unchanged: a new list version differs from the last in a few hundred
        entries, and analysing the names and tokens of the other ten thousand again is most of
        a build. The result is the index a build without `base` gives (tests compare the two).
        """
        if base is not None and (base.format != INDEX_FORMAT or base.algorithm != algorithm):
            base = None
        rows = ((name, version, body, None) for name, version, body in items)
        return cls._build(rows, algorithm, base)

    @classmethod
    def _build(
        cls,
        rows: Iterable[tuple[str, int, str, Entry | None]],
        algorithm: str,
        base: ScreeningIndex | None,
    ) -> ScreeningIndex:
        index = cls(get_algorithm(algorithm))
        gathered = _Gathered()
        known = base.analysed_entries() if base is not None else {}
        list_ids: dict[str, int] = {}
        for list_name, version_id, body, entry in rows:
            position = len(index.entry_json)
            index.entry_list.append(list_ids.setdefault(list_name, len(list_ids)))
            index.entry_version.append(version_id)
            index.entry_json.append(body)
            names = known.get(body)
            if names is None:
                names = index._analyse(entry or entry_from_dict(json.loads(body)))
            for pos, reason, form in names:
                index._add_name(gathered, position, pos, reason, form)
        index.list_names = list(list_ids)
        index._set_name_columns(gathered)
        fuzzy = [
            f if e == 0 else None for f, e in zip(gathered.forms, index.name_exact, strict=True)
        ]
        index.blocker = Blocker.build(
            index.config,
            gathered.token_names,
            fuzzy,
            index.absorbable,
            base.blocker if base is not None else None,
        )
        index._init_caches()
        _freeze_for_gc()
        return index

    def _analyse(self, entry: Entry) -> list[_AnalysedName]:
        """An entry's names analysed; a name whose analysed form repeats another is left out."""
        seen: set[str] = set()
        out: list[_AnalysedName] = []
        for pos in _names_in_order(entry):
            name = entry.names[pos]
            form = analyze_name(
                name.name, entry.type, first=name.first, last=name.last, reading=self.config.reading
            )
            if not form.tokens or form.key in seen:
                continue
            seen.add(form.key)
            reason = _exact_only_reason(name, form, self.config)
            out.append((pos, _EXACT_REASONS.index(reason), form))
        return out

    def analysed_entries(self) -> dict[str, list[_AnalysedName]]:
        """Per entry JSON, its names as this index analysed them (what `_analyse` gives)."""
        out: dict[str, list[_AnalysedName]] = {body: [] for body in self.entry_json}
        for name_id, position in enumerate(self.name_entry.tolist()):
            form = self._make_form(name_id)
            out[self.entry_json[position]].append(
                (self.name_pos[name_id], self.name_exact[name_id], form)
            )
        return out

    def _add_name(
        self, gathered: _Gathered, entry_pos: int, pos: int, reason: int, form: NameForm
    ) -> None:
        name_id = len(gathered.forms)
        gathered.name_entry.append(entry_pos)
        gathered.forms.append(form)
        self.name_pos.append(pos)
        self.name_exact.append(reason)
        for word in set(form.legal_words):
            gathered.legal_counts[word] += 1
        if reason != 0:
            self.exact.setdefault(form.key, []).append(name_id)
            return
        if self.config.acronym_score:
            acronym = acronym_of(form)
            if acronym is not None:
                self.acronyms.setdefault(acronym, []).append(name_id)
        for token in set(form.tokens):
            gathered.token_names[token].append(name_id)

    def _set_name_columns(self, gathered: _Gathered) -> None:
        forms = gathered.forms
        self.name_entry = np.array(gathered.name_entry, dtype=np.int32)
        self.name_tokens = [" ".join(f.tokens) for f in forms]
        self.name_optional = np.array(
            [sum(1 << k for k, o in enumerate(f.optional) if o) for f in forms], dtype=np.int32
        )
        self.name_legal = [" ".join(f.legal_forms) for f in forms]
        self.name_legal_words = [" ".join(f.legal_words) for f in forms]
        self.name_type = np.array([_TYPES.index(f.type) for f in forms], dtype=np.int8)
        self.name_flags = np.array([f.flags for f in forms], dtype=np.int8)
        counts, token_names = gathered.legal_counts, gathered.token_names
        self.legal_words = frozenset(counts)
        self.absorbable = frozenset(
            word for word, count in counts.items() if count >= len(token_names.get(word, ()))
        )

    # --- pickling: caches stay out, the algorithm goes by name ---------------------------

    def __getstate__(self) -> dict[str, Any]:
        state = {k: v for k, v in self.__dict__.items() if not k.startswith("_")}
        state["config"] = self.config.name
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state["config"] = get_algorithm(state["config"])
        self.__dict__.update(state)
        if self.format == INDEX_FORMAT:
            self._init_caches()
        # An older layout is only loaded to be found stale by its `format` (service.py then
        # rebuilds it): its attributes may not fit this code at all.

    # --- facts ---------------------------------------------------------------------------

    @property
    def algorithm(self) -> str:
        return self.config.name

    def __len__(self) -> int:
        return len(self.entry_json)

    def idf(self, token: str) -> float:
        """A token's rarity weight: 1.0 for tokens no listed name has."""
        return self.blocker.idf(token)

    def symbols(self, token: str) -> frozenset[str]:
        """A token's symbols (see `Blocker.symbols`)."""
        return self.blocker.symbols(token)

    def pair_similarity(self, a: str, b: str) -> tuple[float, str]:
        """`token_similarity` with this index's symbols, memoized per token pair."""
        return self.blocker.pair_similarity(a, b)

    # --- entries and names, decoded on demand --------------------------------------------

    def entry(self, position: int) -> Entry:
        cached = self._entries.get(position)
        if cached is None:
            if len(self._entries) >= CACHE_LIMIT:
                self._entries.clear()
            cached = entry_from_dict(json.loads(self.entry_json[position]))
            self._entries[position] = cached
        return cached

    def entry_position(self, name_id: int) -> int:
        return int(self.name_entry[name_id])

    def form(self, name_id: int) -> NameForm:
        found = self._forms.get(name_id)
        if found is None:
            found = self._make_form(name_id)
            if len(self._forms) >= CACHE_LIMIT:
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
            flags=int(self.name_flags[name_id]),
        )

    def listed_weights(self, name_id: int) -> list[float]:
        """The token weights of a listed name (cached)."""
        found = self._weights.get(name_id)
        if found is None:
            form = self.form(name_id)
            is_person = form.type is EntryType.PERSON
            found = [token_weight(t, self.idf(t), self.config, is_person) for t in form.tokens]
            if len(self._weights) >= CACHE_LIMIT:
                self._weights.clear()
            self._weights[name_id] = found
        return found

    def indexed_name(self, name_id: int) -> IndexedName:
        position = self.entry_position(name_id)
        entry = self.entry(position)
        return IndexedName(
            list_name=self.list_names[self.entry_list[position]],
            list_version_id=self.entry_version[position],
            entry=entry,
            name=entry.names[self.name_pos[name_id]],
            form=self.form(name_id),
            exact_only=self.exact_reason(name_id),
        )

    def exact_names(self, key: str) -> Sequence[int]:
        """The exact-only names whose exact folded form is `key`."""
        return self.exact.get(key, ())

    def exact_reason(self, name_id: int) -> str | None:
        """Why a name matches only exactly ("weak alias", "short name"), or None."""
        return _EXACT_REASONS[self.name_exact[name_id]]

    # --- search --------------------------------------------------------------------------

    def analyze_query(self, party: Party) -> NameForm:
        """The party's name analysed as the listed names were, with misspelt legal-form words
        put right (those no listed name uses as a name word)."""
        return analyze_name(
            party.name, party.type, correct=self._corrector, reading=self.config.reading
        )

    def other_readings(self, party: Party, query: NameForm) -> list[NameForm]:
        """The query's other readings as a Korean or Chinese name (clearance-v3's
        `east_asian_readings`; none for other versions)."""
        if not self.config.east_asian_readings:
            return []
        readings = east_asian_readings(party.name, party.type, self.config.reading)
        return [
            dataclasses.replace(
                query,
                tokens=tokens,
                optional=(False,) * len(tokens),
                flags=query.flags | FLAG_EAST_ASIAN | (FLAG_MISSPELT_SYLLABLE if misspelt else 0),
            )
            for tokens, misspelt in readings
        ]

    def search(
        self,
        party: Party,
        *,
        threshold: float | None = None,
        top: int = 10,
        match_threshold: float | None = None,
        query: NameForm | None = None,
    ) -> list[Hit]:
        """The entries whose best name scores at least `threshold` against the party.

        threshold None is the algorithm's review threshold; 0 with `top` N gives the N best
        candidates whatever their score. `match_threshold` (default: the algorithm's) sets
        `Hit.match`. `query`: the party's name already analysed by `analyze_query`.
        """
        return searching.search(
            self,
            party,
            threshold=threshold,
            top=top,
            match_threshold=match_threshold,
            query=query,
        )
