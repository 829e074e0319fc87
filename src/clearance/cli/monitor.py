"""`clearance parties ...` (the party book) and `clearance monitor ...` (ongoing monitoring).
Thin: parse, call `clearance.service.monitoring`, render."""

from __future__ import annotations

from pathlib import Path

import click

from clearance.cli.common import (
    db_option,
    emit_json,
    emit_table,
    format_option,
    open_app,
    parse_date,
    progress_bar,
)
from clearance.service import monitoring as use


@click.group("parties", help="The party book that `clearance monitor run` screens.")
def parties_group() -> None:
    pass


@parties_group.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--sync", is_flag=True, help="Also remove the parties the file does not name (a full export)."
)
@db_option
@format_option("text", "json", default="text")
def import_command(path: Path, sync: bool, db: str | None, output_format: str) -> None:
    """Upsert the parties of a CSV or Parquet file by `id` (columns `id`, `name`, optionally
    `type`, `dob`, `country`, `identifiers`)."""
    with progress_bar(f"importing {path.name}") as advance:
        result = use.import_parties(open_app(db=db), path, sync=sync, progress=advance)
    if output_format == "json":
        emit_json(result.to_dict())
        return
    c = result.counts
    click.echo(
        f"{result.rows} rows: {c.inserted} new, {c.updated} changed, {c.unchanged} unchanged"
        + (f", {result.removed} removed" if sync else "")
        + f" (book revision {result.revision}, audit record {result.record.seq})"
    )


@parties_group.command("list")
@click.option("--after", default=None, help="Start after this id (the next page).")
@click.option("--limit", type=click.IntRange(1, 10_000), default=100, show_default=True)
@db_option
@format_option("table", "json")
def list_command(after: str | None, limit: int, db: str | None, output_format: str) -> None:
    """Parties of the book in id order, a page at a time."""
    page = use.parties(open_app(db=db), after=after, limit=limit)
    if output_format == "json":
        emit_json([p.to_dict() for p in page])
        return
    emit_table(
        "party book",
        ["id", "name", "type", "dob", "country", "identifiers", "revision"],
        [
            (
                p.id,
                p.party.name,
                p.party.type.value,
                p.party.dob,
                p.party.country,
                "; ".join(f"{i.kind}:{i.value}" for i in p.party.identifiers),
                p.revision,
            )
            for p in page
        ],
    )


@parties_group.command("show")
@click.argument("party_id")
@db_option
@format_option("json", "text", default="text")
def show_command(party_id: str, db: str | None, output_format: str) -> None:
    """One party of the book."""
    found = use.show_party(open_app(db=db), party_id)
    if output_format == "json":
        emit_json(found.to_dict())
        return
    p = found.party
    click.echo(f"{found.id}: {p.name} ({p.type.value})")
    for label, value in (("dob", p.dob), ("country", p.country)):
        if value:
            click.echo(f"  {label}: {value}")
    for identifier in p.identifiers:
        where = f" ({identifier.country})" if identifier.country else ""
        click.echo(f"  {identifier.kind}: {identifier.value}{where}")
    click.echo(
        f"  imported {found.created_at.isoformat(timespec='seconds')} (revision "
        f"{found.created_revision}), last changed {found.updated_at.isoformat(timespec='seconds')}"
        f" (revision {found.revision})"
    )


@parties_group.command("remove")
@click.argument("party_ids", nargs=-1, required=True)
@db_option
@format_option("text", "json", default="text")
def remove_command(party_ids: tuple[str, ...], db: str | None, output_format: str) -> None:
    """Remove parties from the book (all or none: an unknown id refuses the whole call)."""
    result = use.remove_parties(open_app(db=db), party_ids)
    if output_format == "json":
        emit_json(result.to_dict())
        return
    click.echo(
        f"removed {len(result.ids)} part{'y' if len(result.ids) == 1 else 'ies'} "
        f"(book revision {result.revision}, audit record {result.record.seq})"
    )


@click.group("monitor", help="Screen the party book on every list change, delta only.")
def monitor_group() -> None:
    pass


@monitor_group.command("run")
@click.option("--as-of", default=None, help="The lists in force on this date (default: today).")
@click.option(
    "--full", is_flag=True, help="Screen the whole book forward again (not only what changed)."
)
@db_option
@format_option("table", "json")
def run_command(as_of: str | None, full: bool, db: str | None, output_format: str) -> None:
    """Raise alerts for what is new since the last run: new or changed parties, new or
    changed list entries."""
    with progress_bar("screening the book") as advance:
        result = use.run_monitor(
            open_app(db=db), as_of=parse_date(as_of, "--as-of"), full=full, progress=advance
        )
    if output_format == "json":
        emit_json(result.to_dict())
        return
    run = result.run
    versions = ", ".join(
        f"{v.list_name} {v.published} (version {v.id})" for v in result.list_versions
    )
    click.echo(f"run {run.id} ({run.kind.value}: {result.note}) against {versions}")
    click.echo(
        f"{run.parties} parties, {run.screened} screened, {run.new_alerts} new alerts "
        f"(audit record {result.record.seq})"
    )
    if result.new_alerts:
        emit_table(
            "new alerts",
            ["alert", "party", "list", "source id", "entry", "score", "reason"],
            [
                (
                    a.reviewed.alert_id,
                    a.party_id,
                    a.list_name,
                    a.source_id,
                    a.entry_name,
                    f"{a.score:.4f}",
                    a.reason,
                )
                for a in result.new_alerts
            ],
        )


@monitor_group.command("runs")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@db_option
@format_option("table", "json")
def runs_command(limit: int, db: str | None, output_format: str) -> None:
    """The latest monitor runs, newest first."""
    runs = use.monitor_runs(open_app(db=db), limit=limit)
    if output_format == "json":
        emit_json([r.to_dict() for r in runs])
        return
    emit_table(
        "monitor runs",
        ["run", "kind", "as of", "finished (UTC)", "parties", "screened", "new alerts", "lists"],
        [
            (
                r.id,
                r.kind.value,
                r.as_of.isoformat(),
                r.finished_at.isoformat(timespec="seconds"),
                r.parties,
                r.screened,
                r.new_alerts,
                ", ".join(f"{k} v{v}" for k, v in sorted(r.list_versions.items())),
            )
            for r in runs
        ],
    )
