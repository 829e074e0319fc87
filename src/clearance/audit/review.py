"""Human review of hits: alerts, party fingerprints, false-positive suppression, four-eyes.

A hit at or above the review threshold becomes an alert keyed by (party fingerprint, list,
entry id, entry content hash). A later screening that produces the same hit finds the alert:
if it was reviewed as a false positive the hit is still computed and reported, but marked
suppressed, citing that review. When the entry's content changes in a newer list version (new
content hash) or the party's data change (new fingerprint, same name), the earlier review no
longer covers the hit: a new open alert is raised that cites the old review (`reopens`).

Every state change is an audit record of kind `review`; alerts raised by a screening are
listed in that screening's own record.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from clearance.audit.chain import (
    AuditError,
    AuditNotFound,
    AuditRecord,
    ChainWriter,
    as_utc,
    locked_chain,
)
from clearance.audit.records import REVIEW, iter_records, record_event_in
from clearance.audit.tables import alert
from clearance.model import (
    Hit,
    Identifier,
    Party,
    canonical_json,
    content_hash,
    hit_to_dict,
    party_to_dict,
)
from clearance.settings import LoadedSettings


class ReviewConflict(AuditError):
    """The review contradicts the alert's state (four-eyes, already final): a door's 409."""


class ReviewForbidden(AuditError):
    """A second review under four-eyes by a reviewer not allowed to give one: a door's 403."""


class AlertState(StrEnum):
    OPEN = "open"
    TRUE_MATCH = "true_match"
    FALSE_POSITIVE = "false_positive"
    ESCALATED = "escalated"


class Outcome(StrEnum):
    """What a reviewer decides (`review decide --false-positive|--true-match|--escalate`)."""

    FALSE_POSITIVE = "false_positive"
    TRUE_MATCH = "true_match"
    ESCALATE = "escalated"


class HitStatus(StrEnum):
    BELOW_REVIEW = "below_review"  # under the review threshold: no alert
    ALERT = "alert"  # an alert awaits (or is under) review
    SUPPRESSED = "suppressed"  # reviewed as a false positive for this party and entry state
    TRUE_MATCH = "true_match"  # reviewed (and, under four-eyes, confirmed) as a true match
    UNREVIEWED = "unreviewed"  # a dry run (`audit=False`): not put through review at all


# --- fingerprints ----------------------------------------------------------------------------

FINGERPRINT_VERSION = "party-v1"


def _plain(text: str | None) -> str:
    """NFKC, casefolded, whitespace collapsed: only differences of form, never of spelling."""
    if not text:
        return ""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _identifier_key(identifier: Identifier) -> list[str]:
    value = "".join(ch for ch in _plain(identifier.value) if ch.isalnum())
    return [_plain(identifier.kind), value, (identifier.country or "").upper()]


def party_fingerprint(party: Party) -> str:
    """SHA-256 over the party's name and attributes, the key a false-positive review is kept by.

    The name is only NFKC-normalized, casefolded and whitespace-collapsed, deliberately not
    transliterated or folded like screening does (clearance.names.fold): a fingerprint that
    merged two spellings (`李伟` and `李维` both fold to `li wei`) could let one party's review
    silence another party's hit, while one that keeps them apart costs at most a second review.
    The role is left out: it belongs to the transaction, not the party.
    """
    return content_hash(
        {
            "v": FINGERPRINT_VERSION,
            "name": _plain(party.name),
            "type": party.type.value,
            "dob": (party.dob or "").strip(),
            "country": (party.country or "").upper(),
            "identifiers": sorted(_identifier_key(i) for i in party.identifiers),
        }
    )


def name_key(party: Party) -> str:
    """SHA-256 of the screening-folded name alone: finds earlier reviews of the same name when
    the party's data changed, so the new alert can cite them. Never used to suppress."""
    from clearance.names import fold  # ICU and rigour load only when screening needs them

    return content_hash({"v": FINGERPRINT_VERSION, "name": fold(party.name) or _plain(party.name)})


# --- alerts ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Alert:
    id: int
    state: AlertState
    final: bool
    fingerprint: str
    name_key: str
    party: dict[str, Any]
    list_name: str
    entry_id: str
    entry_hash: str
    entry_name: str
    list_version_id: int
    score: float
    hit: dict[str, Any]
    created_at: datetime
    created_seq: int
    reopens: int | None
    reviewer: str | None
    reviewed_at: datetime | None
    note: str | None
    review_seq: int | None
    confirmations: tuple[dict[str, Any], ...]

    @property
    def pending_confirmation(self) -> bool:
        return self.state is AlertState.TRUE_MATCH and not self.final

    def citation(self) -> dict[str, Any]:
        """How a screening cites this alert's review."""
        return {
            "alert": self.id,
            "state": self.state.value,
            "reviewer": self.reviewer,
            "reviewed_at": self.reviewed_at.isoformat() if self.reviewed_at else None,
            "note": self.note,
            "review_record": self.review_seq,
            "entry_hash": self.entry_hash,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "state": self.state.value,
            "final": self.final,
            "pending_confirmation": self.pending_confirmation,
            "fingerprint": self.fingerprint,
            "party": self.party,
            "list": self.list_name,
            "source_id": self.entry_id,
            "entry_name": self.entry_name,
            "entry_hash": self.entry_hash,
            "list_version_id": self.list_version_id,
            "score": self.score,
            "hit": self.hit,
            "created_at": self.created_at.isoformat(),
            "screening_record": self.created_seq,
            "reopens": self.reopens,
            "reviewer": self.reviewer,
            "reviewed_at": self.reviewed_at.isoformat() if self.reviewed_at else None,
            "note": self.note,
            "review_record": self.review_seq,
            "confirmations": list(self.confirmations),
        }


def _row_to_alert(row: Any) -> Alert:
    m = row._mapping
    return Alert(
        id=int(m["id"]),
        state=AlertState(m["state"]),
        final=bool(m["final"]),
        fingerprint=m["fingerprint"],
        name_key=m["name_key"],
        party=json.loads(m["party"]),
        list_name=m["list_name"],
        entry_id=m["entry_id"],
        entry_hash=m["entry_hash"],
        entry_name=m["entry_name"],
        list_version_id=int(m["list_version_id"]),
        score=float(m["score"]),
        hit=json.loads(m["hit"]),
        created_at=as_utc(m["created_at"]),
        created_seq=int(m["created_seq"]),
        reopens=m["reopens"],
        reviewer=m["reviewer"],
        reviewed_at=as_utc(m["reviewed_at"]) if m["reviewed_at"] is not None else None,
        note=m["note"],
        review_seq=m["review_seq"],
        confirmations=tuple(json.loads(m["confirmations"])),
    )


def get_alert(engine: Engine, alert_id: int) -> Alert:
    with engine.connect() as conn:
        return _load_alert(conn, alert_id)


def _load_alert(conn: Connection, alert_id: int) -> Alert:
    row = conn.execute(select(alert).where(alert.c.id == alert_id)).first()
    if row is None:
        raise AuditNotFound(f"no alert {alert_id}")
    return _row_to_alert(row)


def list_alerts(engine: Engine, state: AlertState | None = None) -> list[Alert]:
    query = select(alert).order_by(alert.c.id)
    if state is not None:
        query = query.where(alert.c.state == state.value)
    with engine.connect() as conn:
        return [_row_to_alert(r) for r in conn.execute(query)]


def alert_history(engine: Engine, alert_id: int) -> list[AuditRecord]:
    """The review records of one alert, oldest first (a scan of the review records)."""
    return [r for r in iter_records(engine, kinds=[REVIEW]) if r.payload.get("alert") == alert_id]


# --- screening side: hits to alerts ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReviewedHit:
    """A hit with what the review workflow made of it."""

    hit: Hit
    status: HitStatus
    alert_id: int | None = None
    new_alert: bool = False
    # The earlier review this hit relies on (suppressed, true match) or reopens (new alert).
    cites: Mapping[str, Any] | None = None
    reason: str = ""

    @property
    def suppressed(self) -> bool:
        return self.status is HitStatus.SUPPRESSED

    def review_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "alert": self.alert_id,
            "new_alert": self.new_alert,
            "cites": dict(self.cites) if self.cites else None,
            "reason": self.reason,
        }

    def to_dict(self) -> dict[str, Any]:
        return {**hit_to_dict(self.hit), "review": self.review_dict()}


def _reviewed(alerts: Iterable[Alert]) -> Alert | None:
    return next((a for a in alerts if a.reviewer is not None), None)


# Keys per SELECT ... IN (...): well under SQLite's bound on parameters of a statement.
_LOOKUP_CHUNK = 400

_AlertKey = tuple[str, str, str]  # (fingerprint or name key, list name, entry id)


@dataclass
class _KnownAlerts:
    """The stored alerts of a batch's parties, by (fingerprint, list, entry) and by (name
    key, list, entry), newest first: what `_alerts_for` found with one query per hit."""

    by_fingerprint: dict[_AlertKey, list[Alert]]
    by_name_key: dict[_AlertKey, list[Alert]]

    @classmethod
    def load(cls, conn: Connection, fingerprints: set[str], keys: set[str]) -> _KnownAlerts:
        by_id: dict[int, Alert] = {}
        for column, values in ((alert.c.fingerprint, fingerprints), (alert.c.name_key, keys)):
            ordered = sorted(values)
            for start in range(0, len(ordered), _LOOKUP_CHUNK):
                chunk = ordered[start : start + _LOOKUP_CHUNK]
                for row in conn.execute(select(alert).where(column.in_(chunk))):
                    found = _row_to_alert(row)
                    by_id[found.id] = found
        known = cls({}, {})
        for found in sorted(by_id.values(), key=lambda a: -a.id):
            entry = (found.list_name, found.entry_id)
            known.by_fingerprint.setdefault((found.fingerprint, *entry), []).append(found)
            known.by_name_key.setdefault((found.name_key, *entry), []).append(found)
        return known


@dataclass(frozen=True, slots=True)
class _NewAlert:
    """An alert to insert: its row, and what the hit that raises it cites."""

    row: dict[str, Any]
    earlier: Alert | None
    reason: str


# What review decided for one hit, before new alerts have their ids: a ReviewedHit (final),
# or the index of a new alert in the batch and whether this hit raised it (True) or found it
# raised by an earlier hit of the same batch (False).
_Plan = ReviewedHit | tuple[int, bool]


def review_hits(
    writer: ChainWriter, party: Party, hits: Sequence[Hit], *, review_threshold: float
) -> list[ReviewedHit]:
    """Match hits against alerts, raising new ones, inside the screening's chain transaction.

    New alerts name `writer.next_seq` as their screening record: the caller appends that
    record in the same transaction.
    """
    [reviewed] = review_many(
        writer, [(party, hits, writer.next_seq)], review_threshold=review_threshold
    )
    return reviewed


def review_many(
    writer: ChainWriter,
    screenings: Sequence[tuple[Party, Sequence[Hit], int]],
    *,
    review_threshold: float,
) -> list[list[ReviewedHit]]:
    """`review_hits` for several screenings at once: (party, hits, seq of the record that will
    cite the party's new alerts) each, in order.

    The answer is what `review_hits` called for each in turn gives (a hit of a later party
    finds the alert an earlier one raised), but the stored alerts are read with one query and
    the new ones inserted with one statement, not one of each per hit.
    """
    fingerprints = [party_fingerprint(party) for party, _, _ in screenings]
    keys = [
        name_key(party) if any(h.score >= review_threshold for h in hits) else ""
        for party, hits, _ in screenings
    ]
    reviewing = {i for i, key in enumerate(keys) if key}
    if not reviewing:
        return [[ReviewedHit(h, HitStatus.BELOW_REVIEW) for h in hits] for _, hits, _ in screenings]
    known = _KnownAlerts.load(
        writer.conn, {fingerprints[i] for i in reviewing}, {keys[i] for i in reviewing}
    )
    raised: dict[_AlertKey, int] = {}  # (fingerprint, list, entry) -> index in `new`
    new: list[_NewAlert] = []
    plans: list[list[_Plan]] = []
    for i, (party, hits, seq) in enumerate(screenings):
        plan: list[_Plan] = []
        for hit in hits:
            if hit.score < review_threshold:
                plan.append(ReviewedHit(hit, HitStatus.BELOW_REVIEW))
                continue
            entry = (hit.list_name, hit.entry.source_id)
            fingerprint, key = fingerprints[i], keys[i]
            if (fingerprint, *entry) in raised:  # raised by an earlier hit of this batch
                plan.append((raised[(fingerprint, *entry)], False))
                continue
            entry_hash = hit.entry.content_hash()
            same_party = known.by_fingerprint.get((fingerprint, *entry), [])
            current = next((a for a in same_party if a.entry_hash == entry_hash), None)
            if current is not None:
                plan.append(_existing(hit, current))
                continue
            earlier = _reviewed(same_party)
            reason = "entry changed since the review" if earlier else ""
            if earlier is None:
                earlier = _reviewed(
                    a
                    for a in known.by_name_key.get((key, *entry), [])
                    if a.fingerprint != fingerprint
                )
                reason = "party data differ from the reviewed party of that name" if earlier else ""
            row = _alert_row(party, fingerprint, key, hit, entry_hash, earlier, seq)
            raised[(fingerprint, *entry)] = len(new)
            new.append(_NewAlert(row, earlier, reason))
            plan.append((len(new) - 1, True))
        plans.append(plan)
    ids = _insert_alerts(writer, [n.row for n in new])
    return [
        [_resolved(step, hits[k], new, ids) for k, step in enumerate(plan)]
        for plan, (_, hits, _) in zip(plans, screenings, strict=True)
    ]


def _resolved(step: _Plan, hit: Hit, new: Sequence[_NewAlert], ids: Sequence[int]) -> ReviewedHit:
    if isinstance(step, ReviewedHit):
        return step
    index, raised_here = step
    alert_id = ids[index]
    if not raised_here:  # as `_existing` finds an open alert
        return ReviewedHit(
            hit, HitStatus.ALERT, alert_id, reason=f"alert {alert_id} open, awaiting review"
        )
    earlier, reason = new[index].earlier, new[index].reason
    return ReviewedHit(
        hit,
        HitStatus.ALERT,
        alert_id,
        new_alert=True,
        cites=earlier.citation() if earlier else None,
        reason=f"reopened: {reason}" if earlier else "new alert",
    )


def _existing(hit: Hit, current: Alert) -> ReviewedHit:
    if current.state is AlertState.FALSE_POSITIVE:
        return ReviewedHit(
            hit,
            HitStatus.SUPPRESSED,
            current.id,
            cites=current.citation(),
            reason=f"reviewed as a false positive by {current.reviewer} (alert {current.id})",
        )
    if current.state is AlertState.TRUE_MATCH and current.final:
        return ReviewedHit(
            hit,
            HitStatus.TRUE_MATCH,
            current.id,
            cites=current.citation(),
            reason=f"confirmed true match (alert {current.id})",
        )
    waiting = (
        "awaiting four-eyes confirmation" if current.pending_confirmation else "awaiting review"
    )
    return ReviewedHit(
        hit,
        HitStatus.ALERT,
        current.id,
        reason=f"alert {current.id} {current.state.value}, {waiting}",
    )


def _alert_row(
    party: Party,
    fingerprint: str,
    key: str,
    hit: Hit,
    entry_hash: str,
    reopens: Alert | None,
    created_seq: int,
) -> dict[str, Any]:
    return {
        "state": AlertState.OPEN.value,
        "final": False,
        "fingerprint": fingerprint,
        "name_key": key,
        "party": canonical_json(party_to_dict(party)),
        "list_name": hit.list_name,
        "entry_id": hit.entry.source_id,
        "entry_hash": entry_hash,
        "entry_name": hit.entry.primary_name,
        "list_version_id": hit.list_version_id,
        "score": hit.score,
        "hit": canonical_json(hit_to_dict(hit)),
        "created_at": datetime.now(UTC),
        "created_seq": created_seq,
        "reopens": reopens.id if reopens else None,
        "confirmations": "[]",
    }


def _insert_alerts(writer: ChainWriter, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert the rows in one statement; their ids, in the rows' order."""
    if not rows:
        return []
    result = writer.conn.execute(
        insert(alert).returning(alert.c.id, sort_by_parameter_order=True), list(rows)
    )
    return [int(row[0]) for row in result]


# --- reviewer side: decisions on alerts ------------------------------------------------------


def decide_alert(
    engine: Engine,
    alert_id: int,
    outcome: Outcome,
    *,
    reviewer: str,
    note: str,
    settings: LoadedSettings,
    may_confirm: bool = True,
) -> Alert:
    """Record a reviewer's decision on an alert (one audit record per change).

    Under four-eyes (`Settings.four_eyes`) a true match is final only when a second, different
    reviewer also decides true match; until then the alert is a pending true match. A
    different reviewer's false positive on a pending true match is a disagreement: the alert
    is escalated. `may_confirm=False` refuses such a second review (`ReviewForbidden`): the
    HTTP API gives it to approvers only.
    """
    reviewer, note = reviewer.strip(), note.strip()
    if not reviewer:
        raise AuditError("a review needs the reviewer's name")
    if not note:
        raise AuditError("a review needs a note saying why")
    four_eyes = settings.settings.four_eyes
    with locked_chain(engine) as writer:
        before = _load_alert(writer.conn, alert_id)
        now = datetime.now(UTC)
        action, state, final = _transition(before, outcome, reviewer, four_eyes)
        if action in ("confirm", "disagree") and not may_confirm:
            raise ReviewForbidden(
                f"alert {before.id}: the second review under four-eyes needs an approver"
            )
        values: dict[str, Any] = {"state": state.value, "final": final}
        if action == "confirm":
            confirmation = {"reviewer": reviewer, "at": now.isoformat(), "note": note}
            values["confirmations"] = canonical_json([*before.confirmations, confirmation])
        else:
            values |= {"reviewer": reviewer, "reviewed_at": now, "note": note}
            values["confirmations"] = "[]"
        record = record_event_in(
            writer,
            REVIEW,
            {
                "alert": before.id,
                "action": action,
                "outcome": outcome.value,
                "from": {"state": before.state.value, "final": before.final},
                "to": {"state": state.value, "final": final},
                "reviewer": reviewer,
                "note": note,
                "four_eyes": four_eyes,
                "first_reviewer": before.reviewer if action in ("confirm", "disagree") else None,
                "party": before.party,
                "fingerprint": before.fingerprint,
                "list": before.list_name,
                "source_id": before.entry_id,
                "entry_hash": before.entry_hash,
                "list_version_id": before.list_version_id,
                "score": before.score,
            },
            settings=settings,
            actor=reviewer,
        )
        values["review_seq"] = record.seq
        writer.conn.execute(update(alert).where(alert.c.id == alert_id).values(**values))
        return _load_alert(writer.conn, alert_id)


def _transition(
    before: Alert, outcome: Outcome, reviewer: str, four_eyes: bool
) -> tuple[str, AlertState, bool]:
    """(action, new state, final) for a decision, or AuditError when it is not allowed."""
    if before.pending_confirmation and reviewer != before.reviewer:
        if outcome is Outcome.TRUE_MATCH:
            return "confirm", AlertState.TRUE_MATCH, True
        if outcome is Outcome.FALSE_POSITIVE:
            return "disagree", AlertState.ESCALATED, False
    if before.pending_confirmation and outcome is Outcome.TRUE_MATCH:
        raise ReviewConflict(
            f"alert {before.id}: four-eyes — the true match by {before.reviewer} must be "
            "confirmed by a different reviewer"
        )
    if outcome is Outcome.TRUE_MATCH and before.state is AlertState.TRUE_MATCH and before.final:
        raise ReviewConflict(f"alert {before.id} is already a final true match")
    if outcome is Outcome.TRUE_MATCH:
        return "decide", AlertState.TRUE_MATCH, not four_eyes
    if outcome is Outcome.FALSE_POSITIVE:
        return "decide", AlertState.FALSE_POSITIVE, True
    return "decide", AlertState.ESCALATED, False
