"""`clearance lists ...`: import, inspect and compare list versions."""

from __future__ import annotations

from datetime import date
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
from clearance.model import ListSource, version_to_dict
from clearance.service import lists as use

SOURCE_CHOICE = click.Choice([s.value for s in ListSource])
ALLOW_DROP = click.option(
    "--allow-drop",
    is_flag=True,
    help="Import even if the version has more than import_max_drop fewer entries than the "
    "one before it (the audit record says so).",
)


@click.group("lists", help="Import official sanctions lists and inspect their versions.")
def lists_group() -> None:
    pass


@lists_group.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--source", type=SOURCE_CHOICE, default=None, help="List kind (detected if omitted).")
@click.option(
    "--published", default=None, help="Publication date YYYY-MM-DD, for files without one."
)
@ALLOW_DROP
@db_option
@format_option("table", "json")
def import_command(
    path: Path,
    source: str | None,
    published: str | None,
    allow_drop: bool,
    db: str | None,
    output_format: str,
) -> None:
    """Import a list file (or OFAC CSV folder, or FtM delta series) as new version(s)."""
    results = use.import_list_file(
        open_app(db=db),
        path,
        ListSource(source) if source else None,
        parse_date(published, "--published"),
        progress=progress_bar,
        allow_drop=allow_drop,
    )
    if output_format == "json":
        rows = [r.to_dict() for r in results]
        emit_json(rows[0] if len(rows) == 1 else rows)
        return
    for result in results:
        verb = (
            "imported" if result.created else "already stored (identical content), nothing changed:"
        )
        v = result.version
        click.echo(
            f"{verb} {v.list_name} published {v.published} — {v.entry_count} entries "
            f"({', '.join(f'{k} {n}' for k, n in v.counts.items())}), version {v.id}, "
            f"sha256 {v.sha256[:12]}…"
        )


@lists_group.command("versions")
@click.option("--list", "list_name", default=None, help="Only this list (e.g. ofac-sdn).")
@db_option
@format_option("table", "json")
def versions_command(list_name: str | None, db: str | None, output_format: str) -> None:
    """Every stored list version, oldest first per list."""
    versions = use.versions(open_app(db=db), list_name)
    if output_format == "json":
        emit_json([version_to_dict(v) for v in versions])
        return
    emit_table(
        "list versions",
        ["id", "list", "published", "entries", "imported at (UTC)", "sha256"],
        [
            (
                v.id,
                v.list_name,
                v.published,
                v.entry_count,
                v.imported_at.strftime("%Y-%m-%d %H:%M"),
                v.sha256[:12],
            )
            for v in versions
        ],
    )


@lists_group.command("diff")
@click.argument("list_name", metavar="SOURCE")
@click.argument("date1")
@click.argument("date2")
@db_option
@format_option("table", "json")
def diff_command(
    list_name: str, date1: str, date2: str, db: str | None, output_format: str
) -> None:
    """What changed between the versions in force on DATE1 and on DATE2."""
    found = use.diff(
        open_app(db=db), list_name, parse_date(date1) or date.min, parse_date(date2) or date.min
    )
    before, after, diff = found.before, found.after, found.diff
    if output_format == "json":
        emit_json(found.to_dict())
        return
    click.echo(
        f"{list_name}: version {before.id} ({before.published}) → version {after.id} "
        f"({after.published}): {len(diff.added)} added, {len(diff.removed)} removed, "
        f"{len(diff.changed)} changed"
    )
    rows: list[tuple[str, str, str, str]] = [("added", i, n, "") for i, n in diff.added]
    rows += [("removed", i, n, "") for i, n in diff.removed]
    rows += [
        ("changed", c.source_id, c.name, ", ".join(f.field for f in c.changes))
        for c in diff.changed
    ]
    if rows:
        emit_table(None, ["change", "id", "name", "fields"], rows)


@lists_group.command("show")
@click.argument("list_name", metavar="SOURCE")
@click.argument("source_id", metavar="ID")
@click.option("--as-of", "as_of", default=None, help="Date YYYY-MM-DD (default: today).")
@db_option
@format_option("table", "json")
def show_command(
    list_name: str, source_id: str, as_of: str | None, db: str | None, output_format: str
) -> None:
    """One entry as the list in force on a date had it."""
    when = parse_date(as_of, "--as-of") or date.today()
    view = use.entry_on(open_app(db=db), list_name, source_id, when)
    version, entry = view.version, view.entry
    if output_format == "json":
        emit_json(view.to_dict())
        return
    click.echo(f"{list_name} {source_id} as of {when} (version {version.id}, {version.published})")
    rows: list[tuple[str, str]] = [("type", entry.type.value)]
    rows += [(f"name ({n.kind.value})", n.name) for n in entry.names]
    rows += [("programs", "; ".join(entry.programs))]
    rows += [
        ("address", ", ".join(v for v in (a.street, a.city, a.country) if v))
        for a in entry.addresses
    ]
    rows += [("birth date", d) for d in entry.birth_dates]
    rows += [("country", c) for c in entry.countries]
    rows += [(f"id: {i.kind}", i.value) for i in entry.identifiers]
    rows += [(f"relation: {r.kind}", r.target_name) for r in entry.relations]
    rows += [("remarks", entry.remarks or "")]
    emit_table(None, ["field", "value"], rows)


@lists_group.command("history")
@click.argument("list_name", metavar="SOURCE")
@click.argument("source_id", metavar="ID")
@db_option
@format_option("table", "json")
def history_command(list_name: str, source_id: str, db: str | None, output_format: str) -> None:
    """An entry's state in every stored version of its list."""
    steps = use.history(open_app(db=db), list_name, source_id)
    if output_format == "json":
        emit_json(use.history_to_dict(steps))
        return
    emit_table(
        f"{list_name} {source_id}",
        ["version", "published", "status", "changed fields"],
        [
            (s.version.id, s.version.published, s.status, ", ".join(f.field for f in s.changes))
            for s in steps
        ],
    )


@lists_group.command("fetch")
@click.argument("sources", nargs=-1, type=SOURCE_CHOICE)
@click.option("--base-url", default=None, help="Mirror to download from: {base}/{source}/{file}.")
@ALLOW_DROP
@db_option
@format_option("table", "json")
def fetch_command(
    sources: tuple[str, ...],
    base_url: str | None,
    allow_drop: bool,
    db: str | None,
    output_format: str,
) -> None:
    """Download lists from the official URLs (or a mirror), verify, and import them.

    Files without a publication date of their own (OFAC CSV) take the server's Last-Modified
    date, or today's date when the server gives none.
    """
    app = open_app(db=db, fetch_base_url=base_url)
    results = []
    for source, imported in use.fetch_lists(
        app, [ListSource(s) for s in sources], progress=progress_bar, allow_drop=allow_drop
    ):
        results.append(imported.to_dict())
        if output_format != "json":
            state = "imported" if imported.created else "unchanged"
            v = imported.version
            click.echo(
                f"{source.value}: {state}, published {v.published}, "
                f"{v.entry_count} entries (version {v.id})"
            )
    if output_format == "json":
        emit_json(results)
