"""`clearance screen` and `clearance compare`: thin doors onto `clearance.screening`.

Hits are data, not errors: the exit code is 0 whether or not anything matched.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from clearance.cli.common import (
    ClearanceError,
    db_option,
    emit_json,
    emit_table,
    format_option,
    open_app,
    parse_date,
    progress_bar,
    settings_from,
)
from clearance.model import EntryType
from clearance.schema import parse_party

if TYPE_CHECKING:
    from clearance.screening import ScreeningResult
    from clearance.service import Clearance
    from clearance.service.screening import ScreenRequest

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
@click.option(
    "--input", "input_path", default=None, help="CSV/Parquet file of parties: a path or a URL."
)
@click.option("--output", "output_path", default=None, help="Hits file (CSV/Parquet): path or URL.")
@click.option(
    "--scheduler",
    default=None,
    help="Screen the file on this Dask cluster: tcp://HOST:PORT ($CLEARANCE_DASK_SCHEDULER).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Screen the file on a local Dask cluster of N worker processes.",
)
@click.option(
    "--processes",
    type=click.IntRange(min=1),
    default=None,
    help="Screen the file in N processes of this machine (default: its CPUs; "
    "$CLEARANCE_SCREEN_PROCESSES).",
)
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
    input_path: str | None,
    output_path: str | None,
    scheduler: str | None,
    workers: int | None,
    processes: int | None,
    output_format: str,
    db: str | None,
) -> None:
    from clearance.service.screening import (
        ScreenRequest,
        review_notes,
        screen_party,
        warning_lines,
    )

    request = ScreenRequest(
        as_of=parse_date(as_of, "--as-of"),
        lists=_lists(lists),
        threshold=_threshold(threshold),
        top=top,
    )
    if input_path is not None or output_path is not None:
        if name is not None:
            raise click.UsageError("give either NAME or --input/--output, not both")
        if input_path is None or output_path is None:
            raise click.UsageError("--input and --output go together")
        if scheduler is not None and workers is not None:
            raise click.UsageError("give either --scheduler or --workers, not both")
        # A flag names the cluster for this run, whatever the environment says.
        flags: dict[str, object] = {
            "dask_scheduler": scheduler,
            "dask_workers": workers,
            "screen_processes": processes,
        }
        if scheduler is not None:
            flags["dask_workers"] = 0
        elif workers is not None:
            flags["dask_scheduler"] = ""
        _screen_file(open_app(db=db, **flags), input_path, output_path, request)
        return
    if scheduler is not None or workers is not None or processes is not None:
        raise click.UsageError(
            "--scheduler, --workers and --processes screen files: give --input and --output"
        )
    app = open_app(db=db)
    if name is None or not name.strip():
        raise click.UsageError("give a NAME to screen, or --input FILE --output FILE")
    party = parse_party(
        {"name": name, "type": party_type, "dob": dob, "country": country}, "screen"
    )
    screening = screen_party(app, party, request)
    if output_format == "json":
        emit_json(screening.to_dict())
        return
    _print_result(screening.result)
    for line in review_notes(screening.hits):
        click.echo(line)
    for line in warning_lines(screening.warnings):
        click.echo(line)
    if screening.record is not None:
        click.echo(f"audit record {screening.record.seq}")


def _screen_file(app: Clearance, input_path: str, output_path: str, request: ScreenRequest) -> None:
    from clearance.scale.errors import ClusterError
    from clearance.screening import BatchInputError, ScreeningWorkerError
    from clearance.service.screening import screen_parties_file, warning_lines

    def notify(message: str) -> None:
        click.echo(message, err=True)

    clustered = bool(app.settings.dask_scheduler or app.settings.dask_workers)
    label = f"screening {Path(input_path).name}"
    try:
        if clustered:  # Dask draws its own bar, on stdout, while the cluster works
            batch = screen_parties_file(
                app,
                input_path,
                output_path,
                request,
                dask_progress=sys.stdout.isatty(),
                notify=notify,
            )
        else:
            with progress_bar(label) as progress:
                batch = screen_parties_file(
                    app, input_path, output_path, request, progress=progress
                )
    except (BatchInputError, ClusterError, ScreeningWorkerError) as exc:
        raise ClearanceError(str(exc)) from exc
    summary = batch.summary
    where = f" in {batch.partitions} partition(s)" if batch.cluster else ""
    click.echo(
        f"screened {summary.rows} row(s){where}: {summary.output_rows} hit(s), "
        f"{summary.matches} match(es) -> {output_path}; audit record {batch.record.seq}",
        err=True,
    )
    for line in warning_lines(batch.warnings):
        click.echo(line, err=True)


@click.command("compare", help="Score name pairs from a CSV/Parquet file (pair_id,left,right).")
@click.option("--pairs", "pairs_path", type=click.Path(path_type=Path), required=True)
@click.option("--output", "output_path", type=click.Path(path_type=Path), required=True)
def compare_command(pairs_path: Path, output_path: Path) -> None:
    from clearance.screening import BatchInputError
    from clearance.service.screening import compare_pairs_file

    settings = settings_from().settings
    with progress_bar(f"comparing {pairs_path.name}") as progress:
        try:
            summary = compare_pairs_file(settings, pairs_path, output_path, progress=progress)
        except BatchInputError as exc:
            raise ClearanceError(str(exc)) from exc
    click.echo(
        f"compared {summary.rows} pair(s): {summary.matches} match(es) -> {output_path}",
        err=True,
    )
