"""What every command shares: settings with `--db`, the store, output formats, errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.table import Table

from clearance.cli.group import ClearanceError as ClearanceError  # re-exported for commands
from clearance.cli.group import ClearanceGroup as ClearanceGroup
from clearance.service.handle import Clearance
from clearance.settings import LoadedSettings, SettingsError, load_settings

F = TypeVar("F", bound=Callable[..., Any])


def db_option(func: F) -> F:
    return click.option(
        "--db",
        "db",
        default=None,
        help="SQLAlchemy URL of the store (default: $CLEARANCE_DB or the embedded SQLite file).",
    )(func)


def format_option(*choices: str, default: str = "table") -> Callable[[F], F]:
    def decorate(func: F) -> F:
        return click.option(
            "--format",
            "output_format",
            type=click.Choice(list(choices)),
            default=default,
            show_default=True,
            help="Output for people (table/text) or machines (json).",
        )(func)

    return decorate


def settings_from(**flags: Any) -> LoadedSettings:
    try:
        return load_settings(flags)
    except SettingsError as exc:
        raise ClearanceError(str(exc)) from exc


def open_app(**flags: Any) -> Clearance:
    """The store handle for one command: settings (with these flags) and the migrated store."""
    return Clearance.open(settings_from(**flags))


def parse_date(value: str | None, what: str = "date") -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{what} must be YYYY-MM-DD, got {value!r}") from exc


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def emit_table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    Console(soft_wrap=True).print(table)


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on stderr, only when stderr is a terminal; yields `advance(n)` or None."""
    if not sys.stderr.isatty():
        yield None
        return
    # Imported here: only a terminal shows a bar, and rich.progress is slow to import.
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as progress:
        task = progress.add_task(label, total=None)
        yield lambda n: progress.advance(task, n)
