"""Forward screening of book parties: each party against the whole list index.

The same call as `clearance screen` (`ScreeningIndex.search` at the review threshold, the 10
best hits), so that a monitor alert is what screening that party would have raised. The party's
analysed name is kept for the reverse index (book_index.py): analysed once, used twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from clearance.model import Hit
from clearance.monitoring.book import BookParty
from clearance.monitoring.book_index import PartyForm
from clearance.monitoring.reverse import Found
from clearance.monitoring.runs import MonitorError
from clearance.schema import PartyError
from clearance.screening import ScreeningIndex

__all__ = [
    "CHANGED_PARTY",
    "NEW_PARTY",
    "RESCREEN",
    "TOP",
    "Thresholds",
    "party_reason",
    "screen_forward",
]

NEW_PARTY = "new-party"
CHANGED_PARTY = "changed-party"
# Only in a full run after an earlier one: neither the party nor the entry changed, the hit is
# new because the scorer or the review threshold did.
RESCREEN = "rescreen"
TOP = 10  # hits per party, as `clearance screen` reports by default


@dataclass(frozen=True, slots=True)
class Thresholds:
    review: float
    match: float
    top: int = TOP


def party_reason(party: BookParty, since: int | None) -> str | None:
    """`new-party` or `changed-party` when the party is newer than book revision `since`
    (None: no earlier run, every party is new); None when it did not change."""
    if since is None or party.created_revision > since:
        return NEW_PARTY
    if party.revision > since:
        return CHANGED_PARTY
    return None


def screen_forward(
    index: ScreeningIndex,
    parties: Sequence[BookParty],
    thresholds: Thresholds,
    *,
    since: int | None,
    entry_reasons: Mapping[tuple[str, str], str] | None = None,
) -> tuple[list[PartyForm], list[Found]]:
    """Screen `parties`; their analysed names, and those with hits with a reason per hit.

    A hit's reason is the party's (new or changed since book revision `since`), else its
    entry's (`entry_reasons`: new or changed entries), else `rescreen`.
    """
    forms: list[PartyForm] = []
    found: list[Found] = []
    entry_reasons = entry_reasons or {}
    for item in parties:
        query = index.analyze_query(item.party)
        forms.append(PartyForm.of(item.id, item.revision, query))
        try:
            hits: list[Hit] = index.search(
                item.party,
                threshold=thresholds.review,
                top=thresholds.top,
                match_threshold=thresholds.match,
                query=query,
            )
        except PartyError as exc:  # imported under a version that could screen it
            raise MonitorError(f"party {item.id}: {exc}") from exc
        if not hits:
            continue
        reason = party_reason(item, since)
        reasons = tuple(
            reason or entry_reasons.get((h.list_name, h.entry.source_id), RESCREEN) for h in hits
        )
        found.append(Found(item.id, item.party, tuple(hits), reasons))
    return forms, found
