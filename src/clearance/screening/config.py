"""`AlgorithmConfig`: every number a scorer version uses, declared in one frozen record.

The knobs are declared here without values: each version states all of its own
(algorithms.py), so that no shared default can move a released version. A knob that a later
version adds is declared with `later_knob(neutral)`, whose `neutral` value makes the code
behave exactly as before the knob existed; older versions then keep it at that value, and
`to_dict` leaves it out for them, so that their recorded configuration (and its pinned hash)
stays byte for byte what it was. docs/screening.md, "Adding a scorer version", has the steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, TypeVar

from clearance.model import EntryType

__all__ = ["AlgorithmConfig", "later_knob"]

_T = TypeVar("_T")
_LATER = "later_knob"


def later_knob(neutral: _T) -> _T:
    """A knob added after clearance-v1, defaulting to the value that keeps older behaviour."""
    found: _T = field(default=neutral, metadata={_LATER: True})
    return found


# eq=False: configs are registry singletons compared by identity, which keeps them cheap to
# hash as part of the token-similarity cache key.
@dataclass(frozen=True, slots=True, eq=False)
class AlgorithmConfig:
    """Every number a scorer uses. Frozen per algorithm name; see docs/screening.md.

    The knobs of clearance-v1 have no defaults: a version spells out every value (or derives
    from another version with `dataclasses.replace`). Knobs added later come last, each with
    `later_knob(neutral)`.
    """

    name: str
    # Default thresholds: a hit at or above `match_threshold` is a match; at or above
    # `review_threshold` it is reported for a person to look at.
    match_threshold: float
    review_threshold: float
    # Token pairs below this similarity are not aligned at all; pairs whose shorter token has
    # at least `long_token_length` letters (long enough for two edits) down to
    # `long_token_min_similarity`: two edits in an 8-letter word (`fmratecy` / `faratech`,
    # 0.775) are a typo, not another name.
    min_token_similarity: float
    long_token_length: int
    long_token_min_similarity: float
    # Tokens sharing a rigour symbol: a given name's spellings, or generic-word synonyms.
    symbol_similarity: float
    # A single letter against a token starting with it.
    initial_similarity: float
    # Added to a fuzzy pair whose metaphone keys agree (a tie-breaker, capped below 1.0), and
    # the extra edits such a pair may use.
    phonetic_bonus: float
    phonetic_extra_edits: int
    # Tokens of at most this many letters match only exactly (or by symbol / as initials).
    exact_token_length: int
    # Edits (optimal string alignment: a transposition is one edit) allowed in a fuzzy token
    # pair, by the length of the shorter token: (max length, edits) steps.
    edit_budget: tuple[tuple[int, int], ...]
    # Symbol (synonym, given-name) matches need tokens this long and this similar: short
    # romanized syllables share Wikidata name items far too often (`zhao` / `qiu`).
    symbol_min_length: int
    symbol_min_jaro_winkler: float
    # rigour's given-name symbols (`Aleksandr` / `Alexander`) as well as generic-word ones.
    given_name_symbols: bool
    # Two adjacent tokens against one written together (`al qaida` ~ `alqaida`).
    merge_similarity: float
    # Name score = query_coverage ** q * listed_coverage ** (1 - q).
    query_coverage_exponent: float
    # Unmatched optional tokens (middle names) count at this fraction of their weight.
    optional_weight: float
    # Caps on token weights (weights are 0..1; the index sets them by rarity).
    stopword_weight: float
    generic_weight: float
    initial_weight: float
    min_weight: float
    # Applied to a name score whose alignment has no exact word at all.
    no_exact_word_factor: float
    # Unmatched words of a legal form (`co`, `pte` left over from `Co., Ltd.`, `Pte. Ltd.`).
    legal_word_weight: float
    # Different legal forms on both sides (an LLC against a JSC).
    legal_form_mismatch_penalty: float
    # Names matched only exactly: OFAC weak aliases, and aliases of one short token
    # (acronyms such as `FSB`), whose fuzzy neighbours (`FSA`, `SSB`) are other parties.
    exact_only_max_letters: int
    weak_alias_score: float
    short_alias_score: float
    # Secondary attributes: added to (or subtracted from) the name score.
    dob_agree_bonus: float
    dob_conflict_penalty: float
    country_agree_bonus: float
    country_conflict_penalty: float
    identifier_bonus: float
    # "query type/listed type" -> penalty; UNKNOWN on either side never costs anything.
    type_penalties: tuple[tuple[str, float], ...]
    # Candidate retrieval: names whose quick upper estimate is within this margin of the
    # threshold are scored in full, at most `max_candidates` of them.
    candidate_margin: float
    max_candidates: int
    # The n-gram door of retrieval, for query words of at least `ngram_min_length` letters
    # that no other door (one deletion, sound, symbol) leads anywhere: listed words sharing
    # at least `ngram_min_shared` padded n-grams of `ngram_size` letters, n-grams held by more
    # than `ngram_max_postings` words skipped, the `ngram_max_checked` sharing most compared.
    ngram_min_length: int
    ngram_size: int
    ngram_min_shared: int
    ngram_max_postings: int
    ngram_max_checked: int

    # --- added in clearance-v2 (each neutral value is clearance-v1's behaviour) ------------
    # The query-coverage exponent for person queries; negative: `query_coverage_exponent`.
    person_query_coverage_exponent: float = later_knob(-1.0)
    # How names are read: `v1` (names/form.py) or `v2` (names/reading.py: ignorables off,
    # Arabic and Hangul romanized for names, name-part spellings from data tables, Korean and
    # Chinese given names joined), or `v3` (added in clearance-v3: as `v2`, honorifics
    # read instead of dropped; `person_particles` weighs them).
    reading: str = later_knob("v1")
    # Two words with one Russian-spelling key (`sergei`/`sergey`, `iurii`/`yuriy`) score this;
    # 0 is off.
    variant_similarity: float = later_knob(0.0)
    # In a name written in Arabic script, two words with one consonant skeleton (`nurzi` /
    # `noorzai`) score this; 0 is off.
    skeleton_similarity: float = later_knob(0.0)
    # Korean and Chinese names (both sides read so) compared by syllable key only, no fuzz.
    east_asian_exact: bool = later_knob(False)
    # Token weights also by how common a word is among ordinary names (names/frequency.py):
    # the weight is the smaller of the list rarity and the population rarity.
    population_weights: bool = later_knob(False)
    # Words weighted like stop-words (the `bin` of Arabic names).
    particles: tuple[str, ...] = later_knob(())
    # Unmatched query words that only qualify an organization by country (`of the Russian
    # Federation`, `Rossii`) count at this weight; negative is off.
    qualifier_weight: float = later_knob(-1.0)
    # Acronyms: a one-word query equal to the initials of a listed organization's name scores
    # `acronym_score`; a weak alias also confirmed so scores `confirmed_alias_score`; a query
    # whose initials equal a listed short name scores `expansion_score`. 0 is off.
    acronym_score: float = later_knob(0.0)
    confirmed_alias_score: float = later_knob(0.0)
    expansion_score: float = later_knob(0.0)
    # Retrieval routes for a word split in two (`pri gozhin`) or two words joined.
    split_join_retrieval: bool = later_knob(False)
    # A right-to-left override in the query: screened as displayed too, and flagged.
    flag_bidi: bool = later_knob(False)
    # Birth years at most this far apart are compatible (no penalty, no bonus); 0 is off.
    dob_near_years: int = later_knob(0)
    # With a threshold of 0 (`--threshold 0 --top N`), stop aligning candidates once N
    # entries score at least the next candidate's retrieval estimate.
    early_stop: bool = later_knob(False)
    # A person's country (nationality) against a listed person's: this penalty instead of
    # `country_conflict_penalty`; negative is off.
    person_country_conflict_penalty: float = later_knob(-1.0)

    # --- added in clearance-v3 -------------------------------------------------------------
    # A query that reads as a Korean or Chinese name is also screened under its other
    # readings: each other word that is a surname as the surname, one misspelt given-name
    # syllable (names/reading.py, `east_asian_readings`); each entry keeps its best.
    east_asian_readings: bool = later_knob(False)
    # Korean and Chinese names compared by key: a query part left unmatched caps the score as
    # a listed one does (`Kim Song Su` is not `KIM, Song`).
    east_asian_whole_query: bool = later_knob(False)
    # Words weighted like stop-words in person names only (v3: the honorifics of
    # names/data/name_particles.yaml, which v2 dropped; `General` of an organization weighs
    # as any word).
    person_particles: tuple[str, ...] = later_knob(())

    # --- added in clearance-v4 -------------------------------------------------------------
    # A query word the Arabic name-part table does not know against a listed canonical name
    # part is also compared with that part's other spellings (`mohamen` ~ `muhammad` as
    # `mohamed`: a typo of a spelling the reading makes canonical on the listed side only);
    # retrieval reaches the part through them too.
    part_spellings: bool = later_knob(False)
    # A query read as a Korean or Chinese name with a misspelt given-name syllable
    # (`east_asian_readings`) may differ from a listed given-name key by one edit
    # (`KIM, Pyoing Cha` / `KIM Pyong Cha`), not only by two letters swapped.
    east_asian_misspelt_edit: bool = later_knob(False)
    # With a threshold of 0 (`--threshold 0 --top N`): the candidates a search at the review
    # threshold scores, then the next ones by retrieval estimate only until N entries have a
    # score (instead of `early_stop`): every hit of the default search is in the answer.
    zero_threshold_fill: bool = later_knob(False)

    def to_dict(self) -> dict[str, Any]:
        """Every knob, JSON-ready: what each screening result records as its configuration.

        Knobs added after this version's release (`later_knob`) are left out while they hold
        their neutral value, so that adding one never changes an older version's record.
        """
        data: dict[str, Any] = {}
        for knob in fields(self):
            value = getattr(self, knob.name)
            if knob.metadata.get(_LATER) and value == knob.default:
                continue
            data[knob.name] = value
        data["edit_budget"] = [list(step) for step in self.edit_budget]
        data["type_penalties"] = dict(self.type_penalties)
        for words in ("particles", "person_particles"):
            if words in data:
                data[words] = list(getattr(self, words))
        return data

    def later_knobs(self) -> frozenset[str]:
        """The knobs added after clearance-v1 that this version sets away from neutral."""
        return frozenset(
            knob.name
            for knob in fields(self)
            if knob.metadata.get(_LATER) and getattr(self, knob.name) != knob.default
        )

    def coverage_exponent(self, query_is_person: bool) -> float:
        """The query-coverage exponent for a query of this kind."""
        if query_is_person and self.person_query_coverage_exponent >= 0:
            return self.person_query_coverage_exponent
        return self.query_coverage_exponent

    def type_penalty(self, query: EntryType, listed: EntryType) -> float:
        if EntryType.UNKNOWN in (query, listed) or query is listed:
            return 0.0
        return dict(self.type_penalties).get(f"{query.value}/{listed.value}", 0.0)

    def aligns(self, similarity: float, a: str, b: str) -> bool:
        """Whether two tokens this similar may be aligned at all."""
        return similarity >= self.min_token_similarity or (
            similarity >= self.long_token_min_similarity
            and min(len(a), len(b)) >= self.long_token_length
        )

    def allowed_edits(self, length: int) -> int:
        for max_length, edits in self.edit_budget:
            if length <= max_length:
                return edits
        return self.edit_budget[-1][1]
