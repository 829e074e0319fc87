"""The review queue as analysts work it: alerts filtered by state, list and name, the counts
per state, and which permission a reviewer needs to act on an alert.

`review.py` has the alert and review use cases themselves (one alert with its history, a
reviewer's decision, audited).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from clearance.access.roles import Permission
from clearance.audit.review import Alert, AlertState
from clearance.service.handle import Clearance
from clearance.service.review import alerts

# "pending": a true match awaiting its second reviewer under four-eyes.
PENDING = "pending"
STATE_FILTERS = (
    AlertState.OPEN.value,
    PENDING,
    AlertState.ESCALATED.value,
    AlertState.TRUE_MATCH.value,
    AlertState.FALSE_POSITIVE.value,
)


def _plain(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


@dataclass(frozen=True, slots=True)
class Queue:
    alerts: tuple[Alert, ...]  # newest first
    counts: dict[str, int]  # per state filter, over every alert
    lists: tuple[str, ...]  # lists that have alerts


def _state_of(alert: Alert) -> str:
    return PENDING if alert.pending_confirmation else alert.state.value


def alert_queue(
    app: Clearance, *, state: str | None = None, list_name: str | None = None, text: str = ""
) -> Queue:
    """Alerts in `state` (one of STATE_FILTERS; None: all), on `list_name`, whose party or
    entry name contains `text` (case-insensitive), newest first."""
    everything = alerts(app)
    counts = dict.fromkeys(STATE_FILTERS, 0)
    for alert in everything:
        counts[_state_of(alert)] = counts.get(_state_of(alert), 0) + 1
    wanted = _plain(text.strip())
    shown = [
        a
        for a in everything
        if (state is None or _state_of(a) == state)
        and (not list_name or a.list_name == list_name)
        and (
            not wanted
            or wanted in _plain(str(a.party.get("name", "")))
            or wanted in _plain(a.entry_name)
            or wanted == a.entry_id
        )
    ]
    shown.reverse()
    return Queue(tuple(shown), counts, tuple(sorted({a.list_name for a in everything})))


def review_permission(alert: Alert, reviewer: str) -> Permission:
    """What `reviewer` needs to act on `alert`: the second review of a true match under
    four-eyes (confirming it, or disagreeing) is the approver's; anything else the analyst's."""
    if alert.pending_confirmation and alert.reviewer != reviewer:
        return Permission.APPROVE
    return Permission.REVIEW
