"""`clearance lists ...`: import, inspect and compare list versions."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from clearance.cli.common import (
    ClearanceError,
    db_option,
    emit_json,
    emit_table,
    format_option,
    parse_date,
    progress_bar,
    settings_from,
    store,
)
from clearance.lists import parse_list, parse_versions
from clearance.lists.fetch import FetchError, fetch_source
from clearance.model import ListSource, ListVersion, entry_to_dict
from clearance.store.diff import diff_versions, entry_history
from clearance.store.versions import (
    ImportResult,
    StoreError,
    entry_as_of,
    import_list,
    list_versions,
    version_as_of,
)

SOURCE_CHOICE = click.Choice([s.value for s in ListSource])


@click.group("lists", help="Import official sanctions lists and inspect their versions.")
def lists_group() -> None:
    pass


def version_dict(version: ListVersion) -> dict[str, object]:
    return {
        "id": version.id,
        "list": version.list_name,
        "source": version.source.value,
        "published": version.published.isoformat(),
        "imported_at": version.imported_at.isoformat(),
        "sha256": version.sha256,
        "entries": version.entry_count,
        "counts": dict(version.counts),
        "origin": version.origin,
    }


def run_import(
    db_url_flag: str | None, path: Path, source: ListSource | None, published: date | None
) -> list[ImportResult]:
    engine = store(settings_from(db=db_url_flag))
    results = []
    for parsed in parse_versions(path, source):
        with progress_bar(f"importing {path.name}") as progress:
            results.append(import_list(engine, parsed, published=published, progress=progress))
    return results


@lists_group.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--source", type=SOURCE_CHOICE, default=None, help="List kind (detected if omitted).")
@click.option(
    "--published", default=None, help="Publication date YYYY-MM-DD, for files without one."
)
@db_option
@format_option("table", "json")
def import_command(
    path: Path, source: str | None, published: str | None, db: str | None, output_format: str
) -> None:
    """Import a list file (or OFAC CSV folder, or FtM delta series) as new version(s)."""
    results = run_import(
        db, path, ListSource(source) if source else None, parse_date(published, "--published")
    )
    if output_format == "json":
        rows = [version_dict(r.version) | {"created": r.created} for r in results]
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
    versions = list_versions(store(settings_from(db=db)), list_name)
    if output_format == "json":
        emit_json([version_dict(v) for v in versions])
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


def _version_on(engine: object, list_name: str, when: date) -> ListVersion:
    version = version_as_of(engine, list_name, when)  # type: ignore[arg-type]
    if version is None:
        raise ClearanceError(f"no version of {list_name} was published on or before {when}")
    return version


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
    engine = store(settings_from(db=db))
    before = _version_on(engine, list_name, parse_date(date1) or date.min)
    after = _version_on(engine, list_name, parse_date(date2) or date.min)
    diff = diff_versions(engine, before, after)
    if output_format == "json":
        emit_json(diff.to_dict())
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
    engine = store(settings_from(db=db))
    when = parse_date(as_of, "--as-of") or date.today()
    try:
        version, entry = entry_as_of(engine, list_name, source_id, when)
    except StoreError as exc:
        raise ClearanceError(str(exc)) from exc
    if entry is None:
        raise ClearanceError(
            f"{list_name} {source_id} is not in the version in force on {when} "
            f"(version {version.id}, published {version.published})"
        )
    body = entry_to_dict(entry)
    body["list_version"] = version_dict(version)
    if output_format == "json":
        emit_json(body)
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
    steps = entry_history(store(settings_from(db=db)), list_name, source_id)
    if not steps:
        raise ClearanceError(f"no versions of {list_name} are stored")
    if output_format == "json":
        emit_json(
            [
                {
                    "version": s.version.id,
                    "published": s.version.published.isoformat(),
                    "status": s.status,
                    "changes": [
                        {"field": f.field, "before": f.before, "after": f.after} for f in s.changes
                    ],
                }
                for s in steps
            ]
        )
        return
    emit_table(
        f"{list_name} {source_id}",
        ["version", "published", "status", "changed fields"],
        [
            (s.version.id, s.version.published, s.status, ", ".join(f.field for f in s.changes))
            for s in steps
        ],
    )


# Sources fetched when none is named: the official lists downloadable without credentials.
DEFAULT_FETCH = (ListSource.OFAC_SDN, ListSource.OFAC_CONS, ListSource.UN, ListSource.UK_HMT)


@lists_group.command("fetch")
@click.argument("sources", nargs=-1, type=SOURCE_CHOICE)
@click.option("--base-url", default=None, help="Mirror to download from: {base}/{source}/{file}.")
@db_option
@format_option("table", "json")
def fetch_command(
    sources: tuple[str, ...], base_url: str | None, db: str | None, output_format: str
) -> None:
    """Download lists from the official URLs (or a mirror), verify, and import them.

    Files without a publication date of their own (OFAC CSV) take the server's Last-Modified
    date, or today's date when the server gives none.
    """
    loaded = settings_from(db=db, fetch_base_url=base_url)
    settings = loaded.settings
    engine = store(loaded)
    results = []
    for source in [ListSource(s) for s in sources] or list(DEFAULT_FETCH):
        try:
            fetched = fetch_source(
                source,
                settings.data_dir / "downloads",
                base_url=settings.fetch_base_url,
                retries=settings.fetch_retries,
                timeout=settings.fetch_timeout,
            )
        except FetchError as exc:
            raise ClearanceError(f"fetch {source.value}: {exc}") from exc
        parsed = parse_list(fetched.main_file, source)
        published = None if parsed.published else fetched.last_modified or date.today()
        with progress_bar(f"importing {source.value}") as progress:
            result = import_list(engine, parsed, published=published, progress=progress)
        results.append(version_dict(result.version) | {"created": result.created})
        if output_format != "json":
            state = "imported" if result.created else "unchanged"
            click.echo(
                f"{source.value}: {state}, published {result.version.published}, "
                f"{result.version.entry_count} entries (version {result.version.id})"
            )
    if output_format == "json":
        emit_json(results)
