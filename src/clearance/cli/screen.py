"""`clearance screen` and `clearance compare`: thin doors onto `clearance.screening`.

Hits are data, not errors: the exit code is 0 whether or not anything matched.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

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
from clearance.model import EntryType, Party
from clearance.settings import LoadedSettings

if TYPE_CHECKING:
    from clearance.audit.audited import AuditedBatch, AuditedScreening
    from clearance.screening import ScreeningResult

# `clearance.screening` (numpy, pyarrow, ICU, rigour's tables) is imported inside the commands,
# so that every other command of the CLI starts without loading it.

TYPE_CHOICE = click.Choice([t.value for t in EntryType])


def _lists(value: str | None) -> list[str] | None:
    if not value:
        return None
    return [name.strip() for name in value.split(",") if name.strip()]


def _threshold(value: float | None) -> float | None:
    if value is not None and not 0.0 <= value <= 1.0:
        raise click.BadParameter("must be between 0 and 1", param_hint="--threshold")
    return value


def _dob(value: str | None) -> str | None:
    if value is None:
        return None
    parts = value.split("-")
    if len(parts) == 1 and len(value) == 4 and value.isdigit():
        return value
    parse_date(value, "--dob")
    return value


def screen_one(
    loaded: LoadedSettings,
    party: Party,
    *,
    as_of: date | None,
    lists: list[str] | None,
    threshold: float | None,
    top: int,
) -> AuditedScreening:
    """The library call behind `clearance screen NAME`: screening, alerts, audit record."""
    from clearance.audit.audited import audited_screen

    return audited_screen(
        store(loaded), party, loaded=loaded, as_of=as_of, lists=lists, threshold=threshold, top=top
    )


def screen_many(
    loaded: LoadedSettings,
    input_path: Path,
    output_path: Path,
    *,
    as_of: date | None,
    lists: list[str] | None,
    threshold: float | None,
    top: int,
) -> AuditedBatch:
    """The library calls behind `clearance screen --input FILE --output FILE` (audited)."""
    from clearance.audit.audited import audited_screen_file
    from clearance.screening import BatchInputError

    with progress_bar(f"screening {input_path.name}") as progress:
        try:
            return audited_screen_file(
                store(loaded),
                input_path,
                output_path,
                loaded=loaded,
                as_of=as_of,
                lists=lists,
                threshold=threshold,
                top=top,
                progress=progress,
            )
        except BatchInputError as exc:
            raise ClearanceError(str(exc)) from exc


def _print_result(result: ScreeningResult) -> None:
    versions = ", ".join(f"{v.list_name} {v.published} (#{v.id})" for v in result.list_versions)
    click.echo(
        f"{result.party.name}: {len(result.hits)} hit(s); lists: {versions}; "
        f"match >= {result.match_threshold:.2f}, review >= {result.review_threshold:.2f}"
    )
    if not result.hits:
        return
    emit_table(
        None,
        ["#", "score", "match", "list", "id", "entry", "matched name", "programs"],
        [
            (
                rank,
                f"{hit.score:.3f}",
                "MATCH" if hit.match else "review",
                hit.list_name,
                hit.entry.source_id,
                hit.entry.primary_name,
                hit.matched_name.name,
                ", ".join(hit.entry.programs),
            )
            for rank, hit in enumerate(result.hits, start=1)
        ],
    )
    for rank, hit in enumerate(result.hits, start=1):
        click.echo(f"#{rank} why: {hit.explanation}")


@click.command("screen", help="Screen a name (or a CSV/Parquet file of names) against the lists.")
@click.argument("name", required=False)
@click.option("--type", "party_type", type=TYPE_CHOICE, default="unknown", show_default=True)
@click.option("--dob", default=None, help="Date of birth: YYYY or YYYY-MM-DD.")
@click.option("--country", default=None, help="ISO 3166-1 alpha-2 country code.")
@click.option("--as-of", "as_of", default=None, help="Lists in force on this date (YYYY-MM-DD).")
@click.option("--lists", "lists", default=None, help="Comma-separated list names (default: all).")
@click.option(
    "--threshold",
    type=float,
    default=None,
    help="Lowest score reported (default: the review threshold); 0 with --top N = N best.",
)
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True)
@click.option("--input", "input_path", type=click.Path(path_type=Path), default=None)
@click.option("--output", "output_path", type=click.Path(path_type=Path), default=None)
@format_option("table", "json")
@db_option
def screen_command(
    name: str | None,
    party_type: str,
    dob: str | None,
    country: str | None,
    as_of: str | None,
    lists: str | None,
    threshold: float | None,
    top: int,
    input_path: Path | None,
    output_path: Path | None,
    output_format: str,
    db: str | None,
) -> None:
    loaded = settings_from(db=db)
    when = parse_date(as_of, "--as-of")
    threshold = _threshold(threshold)
    if input_path is not None or output_path is not None:
        if name is not None:
            raise click.UsageError("give either NAME or --input/--output, not both")
        if input_path is None or output_path is None:
            raise click.UsageError("--input and --output go together")
        batch = screen_many(
            loaded,
            input_path,
            output_path,
            as_of=when,
            lists=_lists(lists),
            threshold=threshold,
            top=top,
        )
        summary = batch.summary
        click.echo(
            f"screened {summary.rows} row(s): {summary.output_rows} hit(s), "
            f"{summary.matches} match(es) -> {output_path}; audit record {batch.record.seq}",
            err=True,
        )
        return
    if name is None or not name.strip():
        raise click.UsageError("give a NAME to screen, or --input FILE --output FILE")
    if country is not None and (len(country) != 2 or not country.isalpha()):
        raise click.BadParameter("must be an ISO alpha-2 code", param_hint="--country")
    party = Party(
        name=name,
        type=EntryType(party_type),
        dob=_dob(dob),
        country=country.upper() if country else None,
    )
    audited = screen_one(
        loaded, party, as_of=when, lists=_lists(lists), threshold=threshold, top=top
    )
    if output_format == "json":
        emit_json(audited.to_dict())
    else:
        from clearance.audit.audited import review_notes

        _print_result(audited.result)
        for line in [*review_notes(audited.hits), f"audit record {audited.record.seq}"]:
            click.echo(line)


@click.command("compare", help="Score name pairs from a CSV/Parquet file (pair_id,left,right).")
@click.option("--pairs", "pairs_path", type=click.Path(path_type=Path), required=True)
@click.option("--output", "output_path", type=click.Path(path_type=Path), required=True)
def compare_command(pairs_path: Path, output_path: Path) -> None:
    from clearance.screening import BatchInputError, compare_file, get_algorithm

    loaded = settings_from()
    algorithm = get_algorithm(loaded.settings.screening_algorithm)
    with progress_bar(f"comparing {pairs_path.name}") as progress:
        try:
            summary = compare_file(
                pairs_path,
                output_path,
                match_threshold=loaded.settings.match_threshold,
                algorithm=algorithm.name,
                progress=progress,
            )
        except BatchInputError as exc:
            raise ClearanceError(str(exc)) from exc
    click.echo(
        f"compared {summary.rows} pair(s): {summary.matches} match(es) -> {output_path}",
        err=True,
    )
