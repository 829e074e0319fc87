"""What the tests of one scorer version against the one before it share (test_v3.py,
test_v4.py): an index per version over the real SDN list, and an entry's hit in a search."""

from __future__ import annotations

from collections.abc import Sequence

from clearance.model import Entry, EntryType, Hit, Party
from clearance.screening import ScreeningIndex


def indexes_of(entries: Sequence[Entry], versions: Sequence[str]) -> dict[str, ScreeningIndex]:
    items = [("ofac-sdn", 1, e) for e in entries]
    return {v: ScreeningIndex.build(items, v) for v in versions}


def best_on(index: ScreeningIndex, name: str, source_id: str) -> Hit | None:
    """The entry's hit among a person search's top 10 at any score, or None."""
    hits = index.search(Party(name, EntryType.PERSON), threshold=0.0, top=10)
    return next((h for h in hits if h.entry.source_id == source_id), None)
