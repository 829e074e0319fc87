"""`clearance audit ...` and `clearance review ...`: the audit trail and the human review of
hits. Thin: every command parses its input, calls clearance.audit and renders the answer."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from clearance.audit.chain import VerifyResult
from clearance.audit.review import Alert, AlertState, Outcome
from clearance.cli.common import (
    ClearanceError,
    ClearanceGroup,
    db_option,
    emit_json,
    emit_table,
    format_option,
    open_app,
    parse_date,
    settings_from,
)
from clearance.service import audit_trail, review
from clearance.service.handle import Clearance

if TYPE_CHECKING:  # replay loads the decision engine: only `audit replay` needs it
    from clearance.service.replay import Outcome as ReplayOutcome


@click.group("audit", cls=ClearanceGroup, help="The append-only, hash-chained audit trail.")
def audit_group() -> None:
    pass


@click.group("review", cls=ClearanceGroup, help="Human review of hits: alerts and their decisions.")
def review_group() -> None:
    pass


# --- audit -----------------------------------------------------------------------------------


@audit_group.command("show")
@click.argument("record_ref", metavar="ID")
@db_option
@format_option("text", "json", default="text")
def show_command(record_ref: str, db: str | None, output_format: str) -> None:
    """One audit record by its number (seq) or id, with its hash checked."""
    data = audit_trail.show_record(open_app(db=db), record_ref)
    if output_format == "json":
        emit_json(data)
        return
    click.echo(f"record {data['seq']}  {data['kind']}  {data['created_at']}")
    click.echo(f"id        {data['id']}")
    click.echo(f"actor     {data['actor']}")
    click.echo(f"prev_hash {data['prev_hash']}")
    ok = "matches content" if data["hash_matches_content"] else "DOES NOT MATCH CONTENT"
    click.echo(f"hash      {data['hash']} ({ok})")
    emit_json(data["payload"])


@audit_group.command("export")
@click.option("--from", "start", default=None, help="First day YYYY-MM-DD (UTC), inclusive.")
@click.option("--to", "end", default=None, help="Last day YYYY-MM-DD (UTC), inclusive.")
@click.option(
    "--output", type=click.Path(path_type=Path), default=None, help="File (default: stdout)."
)
@db_option
@format_option("jsonl", "csv", default="jsonl")
def export_command(
    start: str | None, end: str | None, output: Path | None, db: str | None, output_format: str
) -> None:
    """Records of a period as JSON lines or CSV, hashes included (verifiable with --file)."""
    app = open_app(db=db)
    first, last = parse_date(start, "--from"), parse_date(end, "--to")
    if first and last and first > last:
        raise ClearanceError(f"--from {first} is after --to {last}")
    target = output.open("w", encoding="utf-8", newline="") if output else nullcontext(sys.stdout)
    with target as out:
        count = audit_trail.export(
            app, out, "csv" if output_format == "csv" else "jsonl", first, last
        )
    if output:
        click.echo(f"exported {count} records to {output}", err=True)


@audit_group.command("verify")
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Verify an export (jsonl or csv) instead of the store.",
)
@click.option(
    "--expect-head",
    default=None,
    metavar="SEQ:HASH",
    help="Fail unless the chain still holds this record with this hash (from `audit head`).",
)
@db_option
@format_option("text", "json", default="text")
def verify_command(
    path: Path | None, expect_head: str | None, db: str | None, output_format: str
) -> None:
    """Walk the chain; exit 1 naming the first broken record if anything was altered,
    removed or reordered, or an alert or ledger row disagrees with its records."""
    if path is not None:
        result = audit_trail.verify_export(path, settings_from(db=db), expect_head)
    else:
        result = audit_trail.verify(open_app(db=db), expect_head)
    if output_format == "json":
        emit_json(result.to_dict())
    else:
        _print_verify(result)
    if not result.ok:
        sys.exit(1)


def _print_verify(result: VerifyResult) -> None:
    if result.ok:
        anchored = f", anchored by purge marker {result.anchored_at}" if result.anchored_at else ""
        span = (
            f" (records {result.first_seq}..{result.last_seq}{anchored})" if result.checked else ""
        )
        click.echo(f"audit chain OK: {result.checked} records{span}; head hash {result.last_hash}")
        if result.keyed and result.key_configured:
            click.echo(f"keyed: {result.macs_checked} MACs checked with key {result.key_id}")
        if result.expected_head:
            click.echo(f"contains the exported head {result.expected_head}")
    else:
        click.echo(f"audit chain BROKEN at {result.first_problem}")
        rest = [str(p) for p in result.problems] + result.inconsistent
        for more in rest[1:]:
            click.echo(f"  also {more}")
    if result.note:
        click.echo(f"WARNING: {result.note}")


@audit_group.command("head")
@db_option
@format_option("text", "json", default="text")
def head_command(db: str | None, output_format: str) -> None:
    """Print the chain head as SEQ:HASH: append it to a write-once place outside the store
    (docs/audit.md) and check later with `audit verify --expect-head SEQ:HASH`."""
    found = audit_trail.head(open_app(db=db))
    if output_format == "json":
        emit_json(found.to_dict())
    else:
        click.echo(str(found))


@audit_group.command("rotate-key")
@db_option
@format_option("text", "json", default="text")
def rotate_key_command(db: str | None, output_format: str) -> None:
    """Introduce the configured audit key into the chain (an audit.key-rotated record with the
    key's id, never the key); later records are MAC'd with it."""
    record = audit_trail.rotate_key(open_app(db=db))
    if output_format == "json":
        emit_json({"rotated": record.to_dict() if record else None})
    elif record is None:
        click.echo("the chain is already MAC'd with the configured audit key")
    else:
        click.echo(f"record {record.seq}: audit key {record.payload['key_id']} introduced")


@audit_group.command("purge")
@click.option("--before", required=True, help="Delete records created before this day (UTC).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@db_option
@format_option("text", "json", default="text")
def purge_command(before: str, yes: bool, db: str | None, output_format: str) -> None:
    """Delete records older than the retention period (10 years unless configured longer);
    a purge marker re-anchors the chain."""
    app = open_app(db=db)
    cutoff = parse_date(before, "--before")
    assert cutoff is not None
    if not yes:
        click.confirm(f"Delete every audit record created before {cutoff}?", abort=True)
    result = audit_trail.purge_before(app, cutoff)
    if output_format == "json":
        emit_json(result.to_dict())
    elif result.marker is None:
        click.echo(f"nothing to purge: no record was created before {cutoff}")
    else:
        click.echo(
            f"purged {result.purged} records ({result.from_seq}..{result.to_seq}); "
            f"purge marker {result.marker.seq} anchors the chain"
        )


@audit_group.command("replay")
@click.argument("record_ref", metavar="ID")
@click.option("--current", is_flag=True, help="Also answer with today's lists, rules and settings.")
@click.option(
    "--rules",
    "rules_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Rules folder for --current (default: the rules_dir setting, else the packaged rules).",
)
@db_option
@format_option("text", "json", default="text")
def replay_command(
    record_ref: str, current: bool, rules_dir: Path | None, db: str | None, output_format: str
) -> None:
    """Recompute a screening or decision with what it used (list versions, rules snapshot,
    algorithm, settings) and report identical or the differences; exit 1 if it differs."""
    from clearance.decisions import RuleError
    from clearance.service.replay import replay_record

    try:
        report = replay_record(open_app(db=db, rules_dir=rules_dir), record_ref, current=current)
    except RuleError as exc:
        raise ClearanceError(str(exc)) from exc
    if output_format == "json":
        emit_json(report.to_dict())
    else:
        click.echo(f"record {report.record.seq}: {report.summary}")
        for note in report.notes:
            click.echo(f"note: {note}")
        _print_outcome("replay", report.replay, report.record.payload)
        if report.current is not None:
            _print_outcome("today", report.current, report.record.payload)
    if not report.identical:
        sys.exit(1)


def _print_outcome(label: str, outcome: ReplayOutcome, payload: dict[str, Any]) -> None:
    versions = ", ".join(
        f"{v['list']} {v['published']} (#{v['id']})" for v in outcome.list_versions
    )
    rules = f"; rules {outcome.rules_version[:12]}" if outcome.rules_version else ""
    recorded = payload.get("decision", {}).get("decision")
    answer = outcome.answer.get("decision")
    headline = f"{recorded} -> {answer}" if recorded and recorded != answer else (answer or "")
    verdict = "IDENTICAL" if outcome.identical else f"DIFFERENT ({len(outcome.differences)})"
    click.echo(f"{label}: {verdict} {headline} [lists {versions}{rules}]".replace("  ", " "))
    for difference in outcome.differences:
        click.echo(f"  {difference}")


# --- review ----------------------------------------------------------------------------------

STATE_CHOICE = click.Choice([s.value for s in AlertState])


def _alert_row(a: Alert) -> tuple[Any, ...]:
    state = a.state.value + (" (needs 2nd reviewer)" if a.pending_confirmation else "")
    return (
        a.id,
        state,
        a.party.get("name"),
        a.list_name,
        a.entry_id,
        a.entry_name,
        f"{a.score:.2f}",
        a.reviewer or "",
        a.reopens or "",
    )


@review_group.command("list")
@click.option("--state", type=STATE_CHOICE, default=None, help="Only alerts in this state.")
@db_option
@format_option("table", "json")
def review_list_command(state: str | None, db: str | None, output_format: str) -> None:
    """Alerts, oldest first."""
    alerts = review.alerts(open_app(db=db), AlertState(state) if state else None)
    if output_format == "json":
        emit_json([a.to_dict() for a in alerts])
        return
    emit_table(
        "alerts",
        ["id", "state", "party", "list", "entry", "listed name", "score", "reviewer", "reopens"],
        [_alert_row(a) for a in alerts],
    )


@review_group.command("show")
@click.argument("alert_id", metavar="ALERT", type=int)
@db_option
@format_option("text", "json", default="text")
def review_show_command(alert_id: int, db: str | None, output_format: str) -> None:
    """One alert: the party, the hit and its explanation, and every review of it."""
    view = review.show_alert(open_app(db=db), alert_id)
    found, history = view.alert, [review.history_entry(r) for r in view.history]
    if output_format == "json":
        emit_json(view.to_dict())
        return
    state = found.state.value + (
        " (awaiting a second reviewer)" if found.pending_confirmation else ""
    )
    click.echo(f"alert {found.id}: {state}")
    click.echo(f"party   {found.party.get('name')} ({found.party.get('type')})")
    click.echo(
        f"entry   {found.list_name} {found.entry_id} {found.entry_name} "
        f"(list version {found.list_version_id}, content {found.entry_hash[:12]}…)"
    )
    click.echo(f"score   {found.score:.3f}: {found.hit.get('explanation', '')}")
    click.echo(f"raised  {found.created_at.isoformat()} by screening record {found.created_seq}")
    if found.reopens:
        click.echo(f"reopens alert {found.reopens}")
    for h in history:
        to_state = (h["to"] or {}).get("state")
        click.echo(
            f"review  record {h['record']} {h['at']} {h['reviewer']}: {h['action']} -> {to_state}: "
            f"{h['note']}"
        )


@review_group.command("decide")
@click.argument("alert_id", metavar="ALERT", type=int)
@click.option(
    "--false-positive",
    "outcome",
    flag_value=Outcome.FALSE_POSITIVE.value,
    help="Not the listed party.",
)
@click.option(
    "--true-match", "outcome", flag_value=Outcome.TRUE_MATCH.value, help="The listed party."
)
@click.option(
    "--escalate", "outcome", flag_value=Outcome.ESCALATE.value, help="Needs someone senior."
)
@click.option("--reviewer", required=True, help="Who decides (recorded as the actor).")
@click.option("--note", required=True, help="Why (recorded).")
@db_option
@format_option("text", "json", default="text")
def review_decide_command(
    alert_id: int, outcome: str | None, reviewer: str, note: str, db: str | None, output_format: str
) -> None:
    """Decide an alert. Under four-eyes a true match needs a second reviewer's --true-match."""
    if outcome is None:
        raise ClearanceError("say --false-positive, --true-match or --escalate")
    app = Clearance.open(settings_from(db=db), actor=reviewer)
    decided = review.review_alert(app, alert_id, Outcome(outcome), note)
    if output_format == "json":
        emit_json(decided.to_dict())
        return
    pending = " — awaiting a second reviewer's confirmation" if decided.pending_confirmation else ""
    click.echo(
        f"alert {decided.id}: {decided.state.value}{pending} (audit record {decided.review_seq})"
    )
