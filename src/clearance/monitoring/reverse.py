"""Reverse screening: from new or changed list entries to the book parties they may match.

Forward screening takes a party and asks the list index which listed names resemble it. After
a list update only a few hundred entries are new or changed, so a monitor run turns the
question round: which parties of the book resemble those entries? It answers from the reverse
index the runs keep in the store (book_index.py), never by reading the whole book:

1. Each name of each changed entry is analysed as the list index analyses it.
2. Its tokens are matched against the book's vocabulary through the same doors as forward
   retrieval (retrieval.py): the exact token; one-deletion neighbours and n-gram neighbours
   (found here as tokens within the edit distance those doors allow, with one vectorized
   rapidfuzz pass); equal metaphone keys; shared rigour symbols. A pair is kept only if the
   list index itself would align the two tokens (`config.aligns(index.pair_similarity(...))`,
   with the book token as the query), so only pairs forward retrieval could have used remain.
3. The postings give the parties holding the matched tokens (and the exact-key table the
   parties whose whole name equals a name matched only exactly, such as a weak alias).
4. Each such party is kept only if the upper bound of forward retrieval's estimate for some
   changed name reaches retrieval's cut-off for that party: every party a forward screening
   would score against a changed entry passes, most others do not.
5. The parties left are screened forward, with the same index and the same call as a full
   screening, and their hits on the changed entries are kept.

So a hit found in reverse *is* the forward hit: same scorer, same score, same explanation; and
(tested on the real SDN update of 2022-06-28) the parties found are those a forward screening
of the whole book would find on the changed entries. The bound of step 4 is loosened by
`SLACK`: a party's tokens were analysed when it was last screened, and a new list version may
read a misspelt legal-form word in it differently.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from rapidfuzz import process
from rapidfuzz.distance import OSA
from sqlalchemy import Connection

from clearance.model import Entry, EntryType, Hit, Party
from clearance.monitoring.book_index import (
    IndexedParty,
    Vocabulary,
    indexed_parties,
    load_vocabulary,
    parties_holding,
    parties_with_bidi_controls,
    parties_with_keys,
)
from clearance.monitoring.runs import MonitorError
from clearance.names import NameForm, analyze_name, phonetic_key, token_info
from clearance.schema import PartyError
from clearance.screening import ScreeningIndex
from clearance.screening.attributes import max_attribute_bonus
from clearance.screening.config import AlgorithmConfig
from clearance.screening.routes import MIN_PART, MIN_SPLIT_WORD
from clearance.screening.scorer import token_similarity, token_weight

__all__ = ["SLACK", "ChangedEntry", "ReverseResult", "reverse_screen", "supports_reverse"]

SLACK = 0.05
_CELLS = 4_000_000  # entry token x book token pairs per rapidfuzz pass (bounds memory)
Matrix = npt.NDArray[np.uint8]
Row = npt.NDArray[np.int16]


@dataclass(frozen=True, slots=True)
class ChangedEntry:
    """An entry of the lists in force that is new or changed since the last run."""

    list_name: str
    entry: Entry
    reason: str  # "new-entry" or "changed-entry"

    @property
    def key(self) -> tuple[str, str]:
        return (self.list_name, self.entry.source_id)


@dataclass(frozen=True, slots=True)
class Found:
    """A party screened by a run, with its hits and why each is new."""

    party_id: str
    party: Party
    hits: tuple[Hit, ...]
    reasons: tuple[str, ...]


@dataclass
class ReverseResult:
    found: list[Found] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)


# The knobs added after clearance-v1 that reverse screening models (clearance-v1.1's routes
# for a split or joined word, and names screened as displayed). Any other such knob away from
# its neutral value reaches parties by doors reverse screening does not open (clearance-v2's
# spelling keys, skeletons, acronyms, population weights...).
_MODELLED_KNOBS = frozenset({"split_join_retrieval", "flag_bidi"})


def supports_reverse(config: AlgorithmConfig) -> bool:
    """Whether reverse screening finds every party forward screening would for `config`.

    The reverse index keeps rigour's organization symbols of each token; an algorithm that
    also matches given names by their symbols would need those too (their tagger takes
    seconds to load), so monitor runs with it screen the whole book forward; so do runs with
    an algorithm whose retrieval has doors this module does not model.
    """
    return not config.given_name_symbols and config.later_knobs() <= _MODELLED_KNOBS


# --- 1. the changed names --------------------------------------------------------------------


def _listed_forms(changed: Sequence[ChangedEntry]) -> list[tuple[int, NameForm]]:
    """(position in `changed`, analysed name) for every distinct name of every entry."""
    out: list[tuple[int, NameForm]] = []
    for position, item in enumerate(changed):
        seen: set[str] = set()
        for name in item.entry.names:
            form = analyze_name(name.name, item.entry.type, first=name.first, last=name.last)
            if form.tokens and form.key not in seen:
                seen.add(form.key)
                out.append((position, form))
    return out


# --- 2. entry tokens to book tokens ----------------------------------------------------------


def _shared_grams(a: str, b: str, size: int) -> int:
    def grams(token: str) -> set[str]:
        padded = f"^{token}$"
        return {padded[k : k + size] for k in range(len(padded) - size + 1)}

    return len(grams(a) & grams(b))


@dataclass(frozen=True, slots=True)
class _BookColumns:
    tokens: tuple[str, ...]
    lengths: npt.NDArray[np.int32]
    alpha: npt.NDArray[np.bool_]
    allowed: npt.NDArray[np.int32]  # edits allowed for a book token of that length
    edit_table: npt.NDArray[np.int32]  # edits allowed by length, 0..63


def _columns(vocab: Vocabulary, config: AlgorithmConfig) -> _BookColumns:
    lengths = np.array([len(t) for t in vocab.tokens], dtype=np.int32)
    alpha = np.array([t.isalpha() for t in vocab.tokens], dtype=np.bool_)
    table = np.array([config.allowed_edits(n) for n in range(64)], dtype=np.int32)
    allowed = table[np.minimum(lengths, 63)]
    return _BookColumns(vocab.tokens, lengths, alpha, allowed, table)


def _limits(config: AlgorithmConfig, book: _BookColumns, length: int) -> tuple[Row, Row]:
    """For an alphabetic entry token of `length` letters, per book token the most edits at
    which the deletion door and the n-gram door could lead to it and the scorer still give
    the pair a similarity (-1: never)."""
    shorter = np.minimum(book.lengths, length)
    budget = book.edit_table[np.minimum(shorter, len(book.edit_table) - 1)]
    # The scorer compares codes, numbers and short tokens only exactly.
    scorable = book.alpha & (shorter > config.exact_token_length)
    limit = np.where(scorable, budget + config.phonetic_extra_edits, -1)
    deletion = np.where(book.lengths > config.exact_token_length, np.minimum(limit, 2), -1)
    gram = np.full(len(book.tokens), -1)
    if length > config.exact_token_length and length >= config.ngram_min_length:
        near = (book.lengths >= config.ngram_min_length) & (
            np.abs(book.lengths - length) <= book.allowed
        )
        gram = np.where(near, np.minimum(limit, book.allowed + config.phonetic_extra_edits), -1)
    return deletion.astype(np.int16), gram.astype(np.int16)


def _edit_neighbours(
    config: AlgorithmConfig, book: _BookColumns, rows: Sequence[str], distances: Matrix
) -> list[tuple[int, int]]:
    """(row, book token) pairs that the deletion door (one deletion on either side or both:
    within two edits, book token long and alphabetic) or the n-gram door could align."""
    limits: dict[int, tuple[Row, Row]] = {}
    out: list[tuple[int, int]] = []
    for row, (token, found) in enumerate(zip(rows, distances, strict=True)):
        if not token.isalpha():
            continue
        if len(token) not in limits:
            limits[len(token)] = _limits(config, book, len(token))
        deletion, gram = limits[len(token)]
        near = found <= deletion
        out.extend((row, int(c)) for c in np.flatnonzero(near))
        out.extend(
            (row, int(c))
            for c in np.flatnonzero((found <= gram) & ~near)
            if _shared_grams(book.tokens[c], token, config.ngram_size) >= config.ngram_min_shared
        )
    return out


def _door_neighbours(
    config: AlgorithmConfig, vocab: Vocabulary, present: set[str], token: str
) -> set[str]:
    """Book tokens reached by the exact, sound and symbol doors."""
    found: set[str] = {token} if token in present else set()
    if len(token) > config.exact_token_length and token.isalpha():
        sound = phonetic_key(token)
        if sound is not None:
            found.update(
                u for u in vocab.by_sound.get(sound, ()) if len(u) > config.exact_token_length
            )
    for symbol in token_info(token).symbols:
        found.update(vocab.by_symbol.get(symbol, ()))
    return found


def _max_distance(config: AlgorithmConfig) -> int:
    return max(2, max(edits for _, edits in config.edit_budget) + config.phonetic_extra_edits)


def reach(
    index: ScreeningIndex, vocab: Vocabulary, tokens: Sequence[str]
) -> dict[str, dict[str, float]]:
    """Entry token -> {book token: similarity} for the pairs forward retrieval could align."""
    config = index.config
    book = _columns(vocab, config)
    present = set(vocab.tokens)
    cap = _max_distance(config)

    def symbols(token: str) -> frozenset[str]:
        # What the list index would find, without asking rigour again for book tokens.
        found = vocab.symbols.get(token)
        return found if found is not None else index.symbols(token)

    candidates: dict[str, set[str]] = {
        t: _door_neighbours(config, vocab, present, t) for t in tokens
    }
    block = max(1, _CELLS // max(len(book.tokens), 1))
    for start in range(0, len(tokens) if book.tokens else 0, block):
        rows = list(tokens[start : start + block])
        distances = process.cdist(
            rows, book.tokens, scorer=OSA.distance, score_cutoff=cap, dtype=np.uint8
        )
        for row, column in _edit_neighbours(config, book, rows, distances):
            candidates[rows[row]].add(book.tokens[column])
    out: dict[str, dict[str, float]] = {}
    for token, others in candidates.items():
        aligned: dict[str, float] = {}
        for other in others:
            # The book token is the query, as it is when the party is screened forward.
            similarity, _ = token_similarity(other, token, config, symbols)
            if config.aligns(similarity, other, token):
                aligned[other] = similarity
        if aligned:
            out[token] = aligned
    return out


# --- 4. the bound on forward retrieval's estimate --------------------------------------------


def _listed_total(index: ScreeningIndex, form: NameForm) -> float:
    """The listed name's total weight, as retrieval computes it (`Blocker.name_totals`)."""
    config = index.config
    is_person = form.type is EntryType.PERSON
    total = 0.0
    for token, optional in zip(form.tokens, form.optional, strict=True):
        weight = token_weight(token, index.idf(token), config, is_person)
        if not is_person and (token in index.absorbable or token in form.legal_words):
            weight = min(weight, config.legal_word_weight)
        total += weight * (config.optional_weight if optional else 1.0)
    return total


# Per book token, the changed names it reaches: name position -> (best similarity, best
# similarity times the listed token's rarity), the parts of retrieval's estimate.
_Reached = dict[str, dict[int, tuple[float, float]]]


def _by_book_token(
    index: ScreeningIndex, forms: list[tuple[int, NameForm]], pairs: dict[str, dict[str, float]]
) -> _Reached:
    out: _Reached = defaultdict(dict)
    for position, (_, form) in enumerate(forms):
        for token in set(form.tokens):
            rarity = index.idf(token)
            for other, similarity in pairs.get(token, {}).items():
                names = out[other]
                best_q, best_l = names.get(position, (0.0, 0.0))
                names[position] = (max(best_q, similarity), max(best_l, similarity * rarity))
    return dict(out)


def _split_join_reach(
    index: ScreeningIndex, forms: list[tuple[int, NameForm]], present: set[str], reached: _Reached
) -> None:
    """clearance-v1.1's routes (screening/routes.py), in reverse: a book token that is one half
    of a changed name's word (the party wrote `prigo zhin`), or two of its words written as
    one (`olgakulygina`), reaches the name. Forward retrieval adds such a route's weight on
    top of what the token's other doors gave it, so it is added here too, at the largest
    similarity (and, for a joined word, a listed weight no estimate can exceed)."""
    vocabulary = index.blocker.vocab
    for position, (_, form) in enumerate(forms):
        words = [t for t in set(form.tokens) if t.isalpha()]
        for word in words:
            rarity = index.idf(word)
            for cut in range(1, len(word)):
                left, right = word[:cut], word[cut:]
                if left in present and right in present:
                    _add_reach(reached, left, position, rarity)
                    _add_reach(reached, right, position, rarity)
        for first in words:
            for second in words:
                joined = first + second
                if (
                    min(len(first), len(second)) >= MIN_PART
                    and len(joined) >= MIN_SPLIT_WORD
                    and joined in present
                    and joined not in vocabulary
                ):
                    _add_reach(reached, joined, position, _ANY_WEIGHT)


_ANY_WEIGHT = 1e9  # a listed weight that makes the listed coverage of the bound 1


def _add_reach(reached: _Reached, token: str, position: int, listed: float) -> None:
    names = reached.setdefault(token, {})
    similarity, weight = names.get(position, (0.0, 0.0))
    names[position] = (similarity + 1.0, weight + listed)


class _Bound:
    """The upper bound of forward retrieval's estimate, per party (see `may_hit`)."""

    def __init__(
        self, index: ScreeningIndex, reached: _Reached, totals: list[float], floor: float
    ) -> None:
        self.index = index
        self.config = index.config
        self.reached = reached
        self.totals = totals
        self.floor = floor
        self._weights: dict[tuple[str, bool], float] = {}

    def _weight(self, token: str, is_person: bool) -> float:
        key = (token, is_person)
        found = self._weights.get(key)
        if found is None:
            found = token_weight(token, self.index.idf(token), self.config, is_person)
            if token in self.index.absorbable:
                found = min(found, self.config.legal_word_weight)
            self._weights[key] = found
        return found

    def may_hit(self, party: IndexedParty) -> bool:
        """Whether forward retrieval could, for `party`, keep some changed name as a
        candidate: an upper bound of its estimate (every similarity the best one, each party
        token's listed weight the largest it reaches) against its cut-off, less `SLACK`."""
        config = self.config
        is_person = party.party.type is EntryType.PERSON
        cutoff = self.floor - config.candidate_margin - max_attribute_bonus(party.party, config)
        q_total = 0.0
        q_matched: dict[int, float] = defaultdict(float)
        l_matched: dict[int, float] = defaultdict(float)
        for token in party.tokens:
            weight = self._weight(token, is_person)
            if token in party.legal_words:
                weight = min(weight, config.legal_word_weight)
            q_total += weight
            for position, (similarity, listed) in self.reached.get(token, {}).items():
                q_matched[position] += weight * similarity
                l_matched[position] += listed
        if not q_matched or q_total <= 0:
            return False
        if cutoff <= 0:
            return True
        exponent = config.query_coverage_exponent
        for position, matched in q_matched.items():
            q_cov = min(matched / q_total, 1.0)
            l_cov = min(l_matched[position] / max(self.totals[position], 1e-6), 1.0)
            if q_cov**exponent * l_cov ** (1.0 - exponent) >= cutoff - SLACK:
                return True
        return False


# --- the whole ---------------------------------------------------------------------------------


def reverse_screen(
    conn: Connection,
    index: ScreeningIndex,
    changed: Sequence[ChangedEntry],
    *,
    max_revision: int,
    review_threshold: float,
    match_threshold: float,
    top: int,
) -> ReverseResult:
    """The hits of the book's parties (unchanged since book revision `max_revision`) on the
    `changed` entries, each exactly as a forward screening with `index` gives it."""
    result = ReverseResult(stats={"entries": len(changed)})
    if not changed:
        return result
    forms = _listed_forms(changed)
    entry_tokens = sorted({t for _, form in forms for t in form.tokens})
    vocab = load_vocabulary(conn)
    pairs = reach(index, vocab, entry_tokens)
    reached = _by_book_token(index, forms, pairs)
    if index.config.split_join_retrieval:
        _split_join_reach(index, forms, set(vocab.tokens), reached)
    exact = parties_with_keys(conn, {form.key for _, form in forms})
    if index.config.flag_bidi:
        # Screened as displayed too: reached by a reading the reverse index does not hold.
        exact |= parties_with_bidi_controls(conn)
    holders = parties_holding(conn, reached) | exact
    bound = _Bound(index, reached, [_listed_total(index, f) for _, f in forms], review_threshold)
    wanted = {item.key: item for item in changed}
    reached_parties = scored = 0
    for candidate in indexed_parties(conn, holders, max_revision=max_revision):
        reached_parties += 1
        if candidate.party_id not in exact and not bound.may_hit(candidate):
            continue
        scored += 1
        try:
            found = index.search(
                candidate.party,
                threshold=review_threshold,
                top=top,
                match_threshold=match_threshold,
            )
        except PartyError as exc:  # imported under a version that could screen it
            raise MonitorError(f"party {candidate.party_id}: {exc}") from exc
        hits = [hit for hit in found if (hit.list_name, hit.entry.source_id) in wanted]
        if hits:
            reasons = tuple(wanted[(h.list_name, h.entry.source_id)].reason for h in hits)
            result.found.append(Found(candidate.party_id, candidate.party, tuple(hits), reasons))
    result.stats |= {
        "names": len(forms),
        "entry_tokens": len(entry_tokens),
        "book_vocabulary": len(vocab.tokens),
        "book_tokens_reached": len(reached),
        "parties_reached": reached_parties,
        "scored": scored,
        "with_hits": len(result.found),
    }
    return result
