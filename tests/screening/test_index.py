"""The index's parts on their own: retrieval (the blocker), and the pickled layout."""

from __future__ import annotations

import pickle
from pathlib import Path

from clearance.model import Entry, EntryType, ListSource, Name, NameKind, Party
from clearance.names import analyze_name
from clearance.screening import ScreeningIndex
from clearance.screening import service as screening_service
from clearance.screening.index import INDEX_FORMAT

ENTRIES = [
    Entry(ListSource.OFAC_SDN, "1", EntryType.PERSON, (Name("PUTIN, Vladimir Vladimirovich"),)),
    Entry(
        ListSource.OFAC_SDN,
        "2",
        EntryType.ORGANIZATION,
        (Name("FEDERAL SECURITY SERVICE"), Name("FSB", NameKind.WEAK)),
    ),
    Entry(ListSource.OFAC_SDN, "3", EntryType.PERSON, (Name("PUTILIN, Boris"),)),
    Entry(ListSource.OFAC_SDN, "4", EntryType.PERSON, (Name("PETROV, Vladimir"),)),
]


def small_index() -> ScreeningIndex:
    return ScreeningIndex.build(("ofac-sdn", 1, e) for e in ENTRIES)


def test_retrieval_finds_candidates_without_scoring_them() -> None:
    index = small_index()
    blocker = index.blocker
    assert blocker.idf("vladimir") < blocker.idf("putin") == blocker.idf("nobody") == 1.0
    # `putn` reaches `putin` through the one-deletion door; Putilin is two edits away, and
    # Petrov shares only the commoner word.
    query = analyze_name("Vladimir Putn", EntryType.PERSON)
    names = blocker.candidates(query, 0.7, 10)
    assert [index.indexed_name(n).entry.source_id for n in names] == ["1"]
    names = blocker.candidates(query, 0.0, 10)  # no cutoff: every name reached, best first
    assert [index.indexed_name(n).entry.source_id for n in names] == ["1", "4"]
    similarity, how = blocker.quick_similarity("putn", "putin")
    assert how == "fuzzy+phonetic" and similarity == index.pair_similarity("putn", "putin")[0]
    # Weak aliases are never retrieved: they sit in the exact dictionary.
    assert not blocker.candidates(analyze_name("FSB"), 0.0, 10)
    (weak,) = index.exact_names(analyze_name("FSB").key)
    assert index.exact_reason(weak) == "weak alias"


def test_current_cache_files_load_and_stale_ones_are_rebuilt(tmp_path: Path) -> None:
    index = small_index()
    current = tmp_path / "current.pickle"
    current.write_bytes(pickle.dumps(index))
    loaded = screening_service._load_cached(current, "clearance-v1.1")
    assert loaded is not None and loaded.format == INDEX_FORMAT
    assert [h.entry.source_id for h in loaded.search(Party("Vladimir Putn"))] == ["1"]
    # A file of the layout before retrieval had its own object (format 2): its state has the
    # vocabulary on the index itself. It must be found stale, not used.
    old_state = {k: v for k, v in index.__getstate__().items() if k != "blocker"}
    old_state |= {"format": 2, "tokens": ["putin"], "vocab": {"putin": 0}}
    old = ScreeningIndex.__new__(ScreeningIndex)
    old.__setstate__(dict(old_state))
    stale = tmp_path / "stale.pickle"
    stale.write_bytes(pickle.dumps(old))
    assert screening_service._load_cached(stale, "clearance-v1.1") is None
