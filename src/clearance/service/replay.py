"""Replaying recorded screenings and decisions.

A replay recomputes a record's answer from what the record pinned: the same list versions (by
id), the same screening algorithm and thresholds (the recorded settings), and for decisions
the same rules (from `rules_snapshot`, so later edits of the rule files do not matter), the
specific licenses as registered then, the same ownership data set and the cap usage the
decision saw. It reports whether the answer is identical, and if not, every difference.

`current=True` also answers what clearance would say today about the same request: the list
versions in force on the same date as the store now knows them (a list published before that
date but imported later now counts), the current rules, licenses, ownership data and settings.
Cap usage stays as recorded, so that the transaction's own drawdown does not count against it.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from clearance.audit.chain import AuditError, AuditRecord
from clearance.audit.records import (
    DECISION,
    SCREENING,
    SCREENING_BATCH,
    get_record,
    load_rules_snapshot,
)
from clearance.model import Hit, hit_to_dict, party_from_dict
from clearance.service.decisions import screened_versions
from clearance.service.handle import Clearance
from clearance.service.screening import file_sha256, version_record
from clearance.settings import LoadedSettings, Settings

if TYPE_CHECKING:
    from clearance.decisions import RuleSet, ScreenedParty, Transaction
    from clearance.decisions.caps import CapKey, Usage

_MAX_DIFFERENCES = 50
# Decision fields that describe the call, not the answer. `warnings` describe the store as it
# stood (a version imported later changes them), not what was decided.
_CALL_FIELDS = frozenset({"recorded", "replayed", "warnings"})


@dataclass(frozen=True, slots=True)
class Difference:
    path: str
    recorded: Any
    replayed: Any

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "recorded": self.recorded, "replayed": self.replayed}

    def __str__(self) -> str:
        return f"{self.path}: {_short(self.recorded)} -> {_short(self.replayed)}"


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 120 else text[:117] + "..."


def differences(recorded: Any, replayed: Any, path: str = "") -> list[Difference]:
    """Every leaf where the two JSON-like values differ (at most a few dozen)."""
    out: list[Difference] = []

    def walk(a: Any, b: Any, where: str) -> None:
        if len(out) >= _MAX_DIFFERENCES:
            return
        if isinstance(a, Mapping) and isinstance(b, Mapping):
            for key in sorted(set(a) | set(b), key=str):
                walk(a.get(key), b.get(key), f"{where}.{key}" if where else str(key))
        elif isinstance(a, list) and isinstance(b, list):
            for i in range(max(len(a), len(b))):
                walk(a[i] if i < len(a) else None, b[i] if i < len(b) else None, f"{where}[{i}]")
        elif a != b:
            out.append(Difference(where or "(value)", a, b))

    walk(recorded, replayed, path)
    return out


@dataclass(frozen=True, slots=True)
class Outcome:
    """One recomputation: its answer, what it used, and how it differs from the record."""

    answer: dict[str, Any]
    list_versions: list[dict[str, Any]]
    rules_version: str | None
    differences: list[Difference]

    @property
    def identical(self) -> bool:
        return not self.differences

    def to_dict(self) -> dict[str, Any]:
        return {
            "identical": self.identical,
            "list_versions": self.list_versions,
            "rules_version": self.rules_version,
            "differences": [d.to_dict() for d in self.differences],
            "answer": self.answer,
        }


@dataclass(frozen=True, slots=True)
class ReplayReport:
    record: AuditRecord
    summary: str  # what was recorded, in one line
    replay: Outcome
    current: Outcome | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return self.replay.identical

    def to_dict(self) -> dict[str, Any]:
        return {
            "record": {"seq": self.record.seq, "id": self.record.id, "kind": self.record.kind},
            "summary": self.summary,
            "identical": self.identical,
            "replay": self.replay.to_dict(),
            "current": self.current.to_dict() if self.current else None,
            "notes": self.notes,
        }


def replay(
    engine: Engine,
    ref: str | int,
    *,
    loaded: LoadedSettings,
    current: bool = False,
    current_rules: RuleSet | None = None,
) -> ReplayReport:
    """Replay audit record `ref` (seq or id); with `current`, also answer with today's data.

    `loaded` supplies the store-independent machine settings (data_dir for the index cache)
    and, for `current`, today's settings; `current_rules` defaults to the rules `loaded` names.
    """
    record = get_record(engine, ref)
    if record.kind == DECISION:
        return _replay_decision(engine, record, loaded, current, current_rules)
    if record.kind == SCREENING:
        return _replay_screening(engine, record, loaded, current)
    if record.kind == SCREENING_BATCH:
        return _replay_batch(engine, record, loaded, current)
    raise AuditError(
        f"record {record.seq} is a {record.kind} record; only screening, screening_batch and "
        "decision records can be replayed"
    )


def recorded_settings(record: AuditRecord, loaded: LoadedSettings) -> Settings:
    """The settings a record was made with; where files live stays this machine's."""
    described = record.payload.get("settings") or {}
    values = {
        name: item["value"]
        for name, item in described.items()
        if name in Settings.model_fields and name not in ("data_dir", "db", "lists_dir")
    }
    local = loaded.settings
    return Settings(**values, data_dir=local.data_dir, db=local.db, lists_dir=local.lists_dir)


# Hit fields recorded under other names before the wire schema was unified (docs/wire.md).
_LEGACY_HIT_KEYS = {"entry_id": "source_id"}


def _hits_view(hits: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The hits without their review status, which changes as people review."""
    return [{_LEGACY_HIT_KEYS.get(k, k): v for k, v in h.items() if k != "review"} for h in hits]


def _hits_now(hits: Sequence[Hit]) -> list[dict[str, Any]]:
    return [hit_to_dict(h) for h in hits]


# --- screening -------------------------------------------------------------------------------


def _replay_screening(
    engine: Engine, record: AuditRecord, loaded: LoadedSettings, current: bool
) -> ReplayReport:
    from clearance.screening import screen

    payload = record.payload
    party = party_from_dict(payload["party"])
    request = payload.get("request", {})
    recorded_hits = _hits_view(payload["hits"])
    versions = [v["id"] for v in payload["list_versions"]]
    result = screen(
        engine,
        party,
        version_ids=versions,
        threshold=request.get("threshold"),
        top=int(request.get("top", 10)),
        settings=recorded_settings(record, loaded),
    )
    again = _hits_now(result.hits)
    replayed = Outcome(
        {"hits": again},
        [version_record(v) for v in result.list_versions],
        None,
        differences(recorded_hits, again, "hits"),
    )
    today: Outcome | None = None
    if current:
        as_of = payload.get("as_of")
        now = screen(
            engine,
            party,
            as_of=date.fromisoformat(as_of) if as_of else None,
            lists=request.get("lists"),
            threshold=request.get("threshold"),
            top=int(request.get("top", 10)),
            settings=loaded.settings,
        )
        hits_now = _hits_now(now.hits)
        today = Outcome(
            {"hits": hits_now},
            [version_record(v) for v in now.list_versions],
            None,
            differences(recorded_hits, hits_now, "hits"),
        )
    summary = (
        f"screening of {party.name!r} as of {payload.get('as_of')}: "
        f"{len(recorded_hits)} hit(s) on list versions {versions}"
    )
    return ReplayReport(record, summary, replayed, today)


def _replay_batch(
    engine: Engine, record: AuditRecord, loaded: LoadedSettings, current: bool
) -> ReplayReport:
    from clearance.screening import index_for, resolve_versions, screen_file

    payload = record.payload
    source = Path(payload["input"]["path"])
    if not source.is_file() or file_sha256(source) != payload["input"]["sha256"]:
        raise AuditError(
            f"record {record.seq}: the batch input {source} is gone or changed since (its "
            "SHA-256 differs); a batch replays only from its original input file"
        )
    request = payload.get("request", {})

    def run(settings: Settings, version_ids: list[int] | None) -> Outcome:
        as_of = request.get("as_of")
        versions = resolve_versions(
            engine,
            as_of=date.fromisoformat(as_of) if as_of and version_ids is None else None,
            lists=request.get("lists"),
            version_ids=version_ids,
        )
        index = index_for(
            engine, versions, settings.screening_algorithm, settings.data_dir / "index-cache"
        )
        with tempfile.TemporaryDirectory(prefix="clearance-replay-") as tmp:
            output = Path(tmp) / Path(payload["output"]["path"]).name
            summary = screen_file(
                index,
                source,
                output,
                threshold=request.get("threshold"),
                top=int(request.get("top", 10)),
                match_threshold=settings.match_threshold,
            )
            answer = {
                "output_sha256": file_sha256(output),
                "rows": summary.rows,
                "output_rows": summary.output_rows,
                "matches": summary.matches,
            }
        recorded = {
            "output_sha256": payload["output"]["sha256"],
            "rows": payload["rows"],
            "output_rows": payload["output_rows"],
            "matches": payload["matches"],
        }
        return Outcome(
            answer, [version_record(v) for v in versions], None, differences(recorded, answer)
        )

    pinned = [v["id"] for v in payload["list_versions"]]
    replayed = run(recorded_settings(record, loaded), pinned)
    today = run(loaded.settings, None) if current else None
    summary = f"batch screening of {source} ({payload['rows']} rows) on list versions {pinned}"
    return ReplayReport(record, summary, replayed, today)


# --- decisions -------------------------------------------------------------------------------


def rules_from_snapshot(engine: Engine, version: str) -> RuleSet:
    from clearance.decisions import RuleSet

    return RuleSet.from_snapshot(load_rules_snapshot(engine, version))


def _recorded_usage(decision: Mapping[str, Any]) -> dict[CapKey, Usage]:
    from clearance.decisions.caps import CapUse, Usage

    usage: dict[CapKey, Usage] = {}
    for data in decision.get("caps", ()):
        cap = CapUse.from_dict(data)
        usage[cap.key] = Usage(cap.used_before, cap.quantity_used_before)
    return usage


def _evaluate(
    engine: Engine,
    txn: Transaction,
    screened: Sequence[ScreenedParty],
    *,
    rules: RuleSet,
    specific: Sequence[Any],
    ownership_import: int | None,
    pinned: bool,
    cap_holder: str,
    usage: Mapping[CapKey, Usage],
    cap_holder_given: str | None = None,
) -> dict[str, Any]:
    from clearance.decisions import Context, evaluate
    from clearance.decisions.flow import ownership_view

    # A pinned replay of a decision made without ownership data must not pick up data
    # imported since (ownership_view reads the latest import when given none).
    ownership = (
        None
        if pinned and ownership_import is None
        else ownership_view(engine, txn, screened, rules, import_id=ownership_import, pinned=pinned)
    )
    ctx = Context(
        rules=rules,
        specific_licenses=tuple(specific),
        ownership=ownership,
        cap_holder=cap_holder,
        cap_holder_given=cap_holder_given,
    )
    answer = evaluate(txn, screened, ctx, usage).to_dict()
    return {k: v for k, v in answer.items() if k not in _CALL_FIELDS}


def _replay_decision(
    engine: Engine,
    record: AuditRecord,
    loaded: LoadedSettings,
    current: bool,
    current_rules: RuleSet | None,
) -> ReplayReport:
    from clearance.decisions import Transaction, load_rules
    from clearance.decisions.flow import screen_parties
    from clearance.decisions.specific import SpecificLicense, load_specific

    payload = record.payload
    txn = Transaction.from_dict(payload["transaction"], f"audit record {record.seq}")
    recorded_decision = {k: v for k, v in payload["decision"].items() if k not in _CALL_FIELDS}
    recorded_parties = [_hits_view(p["hits"]) for p in payload["parties"]]
    rules = rules_from_snapshot(engine, payload["rules"]["version"])
    usage = _recorded_usage(payload["decision"])
    notes: list[str] = []
    if payload["decision"].get("replayed"):
        notes.append("the recorded decision was itself a repeat of an earlier recorded one")

    def outcome(screened: Sequence[ScreenedParty], answer: dict[str, Any], version: str) -> Outcome:
        parties_now = [_hits_now(s.hits) for s in screened]
        diffs = differences(recorded_decision, answer, "decision")
        diffs += differences(recorded_parties, parties_now, "hits")
        versions = [version_record(v) for v in screened_versions(screened)]
        return Outcome(answer, versions, version, diffs[:_MAX_DIFFERENCES])

    screened = screen_parties(
        engine, txn, recorded_settings(record, loaded), payload["version_ids"]
    )
    answer = _evaluate(
        engine,
        txn,
        screened,
        rules=rules,
        specific=[SpecificLicense.model_validate(s) for s in payload.get("specific_licenses", ())],
        ownership_import=payload.get("ownership_import"),
        pinned=True,
        cap_holder=payload["cap_holder"],
        usage=usage,
        cap_holder_given=payload.get("cap_holder_given"),
    )
    replayed = outcome(screened, answer, rules.version)

    today: Outcome | None = None
    if current:
        rules_now = current_rules or load_rules(settings=loaded.settings)
        screened_now = screen_parties(engine, txn, loaded.settings, None)
        answer_now = _evaluate(
            engine,
            txn,
            screened_now,
            rules=rules_now,
            specific=load_specific(engine),
            ownership_import=None,
            pinned=False,
            cap_holder=payload["cap_holder"],
            usage=usage,
        )
        today = outcome(screened_now, answer_now, rules_now.version)
    summary = (
        f"decision {payload['decision']['decision']} on transaction {txn.id} of {txn.date} "
        f"(rules {rules.version[:12]}, list versions {payload['version_ids']})"
    )
    return ReplayReport(record, summary, replayed, today, notes)


def replay_record(app: Clearance, ref: str | int, *, current: bool = False) -> ReplayReport:
    """Recompute audit record `ref` (seq or id) exactly; with `current`, also as of today."""
    return replay(
        app.engine,
        ref,
        loaded=app.loaded,
        current=current,
        current_rules=app.rules() if current else None,
    )
