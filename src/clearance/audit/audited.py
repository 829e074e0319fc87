"""The audited doors: screening and deciding through the audit trail.

Each call does the real work (clearance.screening, clearance.decisions), runs the hits through
the review workflow (alerts, suppression) and appends the audit record; the alerts, the rules
snapshot and the record commit in one transaction under the chain lock.

What a record holds, so that it can be replayed years later (see replay.py): the inputs, the
outputs, the list versions used (ids, names, publication dates, checksums), the screening
algorithm with its full config and thresholds, for decisions the rules version (its full
content goes to `rules_snapshot` once), the specific licenses and the ownership data set in
force, and every setting with its source.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, insert, select

from clearance.audit.chain import AuditRecord, locked_chain
from clearance.audit.records import (
    DECISION,
    SCREENING,
    SCREENING_BATCH,
    record_event,
    record_event_in,
)
from clearance.audit.review import (
    HitStatus,
    ReviewedHit,
    party_fingerprint,
    party_to_dict,
    review_hits,
)
from clearance.audit.tables import rules_snapshot
from clearance.lists.base import sha256_of_files
from clearance.model import Hit, ListVersion, Party, canonical_json
from clearance.settings import LoadedSettings

if TYPE_CHECKING:
    from clearance.decisions import Decision, RuleSet, ScreenedParty, Transaction
    from clearance.screening import BatchSummary, ScreeningResult


def version_record(version: ListVersion) -> dict[str, Any]:
    return {
        "id": version.id,
        "list": version.list_name,
        "published": version.published.isoformat(),
        "sha256": version.sha256,
        "imported_at": version.imported_at.isoformat(),
        "entries": version.entry_count,
    }


def _screening_config(algorithm: str, match: float, review: float) -> dict[str, Any]:
    from clearance.screening import get_algorithm

    return {
        "algorithm": algorithm,
        "algorithm_config": get_algorithm(algorithm).to_dict(),
        "match_threshold": match,
        "review_threshold": review,
    }


# --- single screening ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecordedScreening:
    record: AuditRecord
    hits: tuple[ReviewedHit, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "audit_record": {"seq": self.record.seq, "id": self.record.id},
            "hits": [h.to_dict() for h in self.hits],
        }


def record_screening(
    engine: Engine,
    party: Party,
    hits: Sequence[Hit],
    *,
    review_threshold: float,
    details: Mapping[str, Any],
    settings: LoadedSettings,
    actor: str,
    kind: str = SCREENING,
) -> RecordedScreening:
    """Review `hits` (raise or find alerts) and append the screening's record.

    `details` is the rest of the screening (list versions, algorithm and its config, ...); the
    record adds the party, its fingerprint and every hit with its review status.
    """
    with locked_chain(engine) as writer:
        reviewed = review_hits(writer, party, hits, review_threshold=review_threshold)
        payload = {
            **details,
            "party": party_to_dict(party),
            "fingerprint": party_fingerprint(party),
            "review_threshold": review_threshold,
            "hits": [h.to_dict() for h in reviewed],
        }
        record = record_event_in(writer, kind, payload, settings=settings, actor=actor)
    return RecordedScreening(record, tuple(reviewed))


@dataclass(frozen=True, slots=True)
class AuditedScreening:
    result: ScreeningResult
    recorded: RecordedScreening

    @property
    def record(self) -> AuditRecord:
        return self.recorded.record

    @property
    def hits(self) -> tuple[ReviewedHit, ...]:
        return self.recorded.hits

    def to_dict(self) -> dict[str, Any]:
        """The screening result, each hit carrying its review status, plus the record."""
        data = self.result.to_dict()
        for hit, reviewed in zip(data["hits"], self.hits, strict=True):
            hit["review"] = reviewed.to_dict()["review"]
        data["audit_record"] = {"seq": self.record.seq, "id": self.record.id}
        return data


def review_notes(hits: Sequence[ReviewedHit]) -> list[str]:
    """One line per hit that is not simply below the review threshold, for people."""
    lines = []
    for rank, reviewed in enumerate(hits, start=1):
        if reviewed.status is HitStatus.BELOW_REVIEW:
            continue
        label = {
            HitStatus.ALERT: "NEW ALERT" if reviewed.new_alert else "ALERT",
            HitStatus.SUPPRESSED: "suppressed",
            HitStatus.TRUE_MATCH: "TRUE MATCH",
        }[reviewed.status]
        lines.append(f"#{rank} {label} (alert {reviewed.alert_id}): {reviewed.reason}")
    return lines


def audited_screen(
    engine: Engine,
    party: Party,
    *,
    loaded: LoadedSettings,
    as_of: date | None = None,
    lists: Sequence[str] | None = None,
    threshold: float | None = None,
    top: int = 10,
    version_ids: Sequence[int] | None = None,
    actor: str | None = None,
) -> AuditedScreening:
    """`clearance.screening.screen`, then alerts and the audit record."""
    from clearance.screening import screen

    result = screen(
        engine,
        party,
        as_of=as_of,
        lists=lists,
        threshold=threshold,
        top=top,
        settings=loaded.settings,
        version_ids=version_ids,
    )
    details = {
        "request": {
            "as_of": as_of.isoformat() if as_of else None,
            "lists": list(lists) if lists is not None else None,
            "threshold": threshold,
            "top": top,
            "version_ids": list(version_ids) if version_ids is not None else None,
        },
        "as_of": result.as_of.isoformat() if result.as_of else None,
        "list_versions": [version_record(v) for v in result.list_versions],
        "screening": {
            "algorithm": result.algorithm,
            "algorithm_config": result.algorithm_config,
            "match_threshold": result.match_threshold,
            "review_threshold": result.review_threshold,
        },
    }
    recorded = record_screening(
        engine,
        party,
        result.hits,
        review_threshold=result.review_threshold,
        details=details,
        settings=loaded,
        actor=actor or loaded.settings.actor,
    )
    return AuditedScreening(result, recorded)


# --- file screening --------------------------------------------------------------------------


def file_sha256(path: Path) -> str:
    return sha256_of_files([path])


@dataclass(frozen=True, slots=True)
class AuditedBatch:
    summary: BatchSummary
    record: AuditRecord


def audited_screen_file(
    engine: Engine,
    input_path: Path,
    output_path: Path,
    *,
    loaded: LoadedSettings,
    as_of: date | None = None,
    lists: Sequence[str] | None = None,
    threshold: float | None = None,
    top: int = 10,
    version_ids: Sequence[int] | None = None,
    progress: Callable[[int], None] | None = None,
    actor: str | None = None,
) -> AuditedBatch:
    """Screen a file of names; one `screening_batch` record with both files' SHA-256.

    Rows are not turned into alerts: the output file is the batch's answer, and its checksum
    in the record ties it to the lists and settings that produced it.
    """
    from clearance.screening import index_for, resolve_versions, screen_file

    settings = loaded.settings
    when = as_of or (date.today() if version_ids is None else None)
    versions = resolve_versions(engine, as_of=when, lists=lists, version_ids=version_ids)
    index = index_for(
        engine, versions, settings.screening_algorithm, settings.data_dir / "index-cache"
    )
    review = settings.review_threshold if threshold is None else threshold
    summary = screen_file(
        index,
        input_path,
        output_path,
        threshold=review,
        top=top,
        match_threshold=settings.match_threshold,
        progress=progress,
    )
    payload = {
        "input": {"path": str(input_path), "sha256": file_sha256(input_path)},
        "output": {"path": str(output_path), "sha256": file_sha256(output_path)},
        "rows": summary.rows,
        "output_rows": summary.output_rows,
        "matches": summary.matches,
        "request": {
            "as_of": when.isoformat() if when else None,
            "lists": list(lists) if lists is not None else None,
            "threshold": review,
            "top": top,
        },
        "list_versions": [version_record(v) for v in versions],
        "screening": _screening_config(
            settings.screening_algorithm, settings.match_threshold, settings.review_threshold
        ),
    }
    record = record_event(
        engine, SCREENING_BATCH, payload, settings=loaded, actor=actor or settings.actor
    )
    return AuditedBatch(summary, record)


# --- decisions -------------------------------------------------------------------------------


def store_rules_snapshot(conn: Connection, rules: RuleSet) -> bool:
    """Keep the full rules content under its version hash, once; True if stored now."""
    exists = conn.scalar(
        select(rules_snapshot.c.hash).where(rules_snapshot.c.hash == rules.version)
    )
    if exists is not None:
        return False
    conn.execute(
        insert(rules_snapshot).values(
            hash=rules.version,
            body=canonical_json(rules.snapshot()),
            created_at=datetime.now(UTC),
        )
    )
    return True


@dataclass(frozen=True, slots=True)
class AuditedDecision:
    decision: Decision
    parties: tuple[tuple[Party, tuple[ReviewedHit, ...]], ...]
    record: AuditRecord

    def to_dict(self) -> dict[str, Any]:
        """The decision, the review status of every hit worth a look, and the record."""
        data = self.decision.to_dict()
        data["review"] = [
            {
                "party": party.name,
                "list": h.hit.list_name,
                "entry_id": h.hit.entry.source_id,
                "score": h.hit.score,
                "status": h.status.value,
                "alert": h.alert_id,
                "reason": h.reason,
            }
            for party, hits in self.parties
            for h in hits
            if h.status is not HitStatus.BELOW_REVIEW
        ]
        data["audit_record"] = {"seq": self.record.seq, "id": self.record.id}
        return data

    def footer(self) -> str:
        """Alerts and the audit record, as lines for people (under the decision's text)."""
        lines = [
            f"{party.name}: {line}" for party, hits in self.parties for line in review_notes(hits)
        ]
        return "\n".join([*lines, f"audit record {self.record.seq}"])


def screened_versions(screened: Sequence[ScreenedParty]) -> list[ListVersion]:
    seen: dict[int, ListVersion] = {}
    for party in screened:
        for version in party.list_versions:
            seen.setdefault(version.id, version)
    return [seen[k] for k in sorted(seen)]


def decision_inputs(engine: Engine) -> dict[str, Any]:
    """The registered specific licenses as they stand: they can change after a decision."""
    from clearance.decisions.specific import load_specific

    return {"specific_licenses": [lic.model_dump(mode="json") for lic in load_specific(engine)]}


def audited_decide(
    engine: Engine,
    txn: Transaction,
    *,
    rules: RuleSet,
    loaded: LoadedSettings,
    record: bool = False,
    version_ids: Sequence[int] | None = None,
    cap_holder: str | None = None,
    ownership_import: int | None = None,
    actor: str | None = None,
) -> AuditedDecision:
    """`clearance.decisions.decide` on parties screened here, with the hits through the review
    workflow and the decision's audit record."""
    from clearance.decisions import decide
    from clearance.decisions.service import screen_parties

    settings = loaded.settings
    inputs = decision_inputs(engine)
    screened = screen_parties(engine, txn, settings, version_ids)
    # A repeated transaction id: `decide` answers with the earlier recorded decision (or
    # refuses other content under the same id); this call's screening still gets reviewed.
    decision = decide(
        engine,
        txn,
        rules=rules,
        settings=settings,
        record=record,
        version_ids=version_ids,
        cap_holder=cap_holder,
        ownership_import=ownership_import,
        screened=screened,
    )
    versions = screened_versions(screened)
    first = screened[0]
    with locked_chain(engine) as writer:
        new_snapshot = store_rules_snapshot(writer.conn, rules)
        parties = tuple(
            (
                s.party,
                tuple(review_hits(writer, s.party, s.hits, review_threshold=s.review_threshold)),
            )
            for s in screened
        )
        payload = {
            "transaction": txn.to_dict(),
            "decision": decision.to_dict(),
            "parties": [
                {
                    "party": party_to_dict(party),
                    "fingerprint": party_fingerprint(party),
                    "hits": [h.to_dict() for h in hits],
                }
                for party, hits in parties
            ],
            "list_versions": [version_record(v) for v in versions],
            "version_ids": [v.id for v in versions],
            "rules": {"version": rules.version, "snapshot_stored_now": new_snapshot},
            "screening": _screening_config(
                first.algorithm, first.match_threshold, first.review_threshold
            ),
            "ownership_import": decision.ownership_import,
            "cap_holder": decision.cap_holder,
            "ledger_recorded": decision.recorded,
            "request": {
                "record": record,
                "version_ids": list(version_ids) if version_ids is not None else None,
                "cap_holder": cap_holder,
                "ownership_import": ownership_import,
            },
            **inputs,
        }
        entry = record_event_in(
            writer, DECISION, payload, settings=loaded, actor=actor or settings.actor
        )
    return AuditedDecision(decision, parties, entry)
