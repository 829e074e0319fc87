"""The command groups of the CLI: user errors as one-line messages, commands loaded lazily.

Kept apart from `common.py` (rich, the store handle, settings) so that `import clearance.cli`
and `clearance --help` import click and nothing heavy.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import click


class ClearanceError(click.ClickException):
    exit_code = 2


class ClearanceGroup(click.Group):
    """A group that turns the library's user-facing errors into one-line CLI errors (exit 2).

    Doing it here rather than in `main` means in-process runners (tests) see exactly what a
    user sees.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise  # click's own (usage errors, --help of a subcommand): nothing to convert
        except Exception as exc:
            # Imported only when something failed: the error types span every layer.
            from clearance.service.errors import user_errors

            if isinstance(exc, user_errors()):
                raise ClearanceError(str(exc)) from exc
            raise


@dataclass(frozen=True, slots=True)
class LazyCommand:
    """Where a command is defined (module, attribute) and its one-line help."""

    module: str
    attribute: str
    short_help: str

    def load(self) -> click.Command:
        command = getattr(importlib.import_module(self.module), self.attribute)
        assert isinstance(command, click.Command), f"{self.module}.{self.attribute}"
        return command


class LazyGroup(ClearanceGroup):
    """A group whose commands are imported on first use (`get_command`).

    `--help` lists them from their recorded one-line help, without importing any.
    """

    def __init__(
        self, *args: Any, lazy_commands: dict[str, LazyCommand] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy_commands:
            self.add_command(self.lazy_commands[cmd_name].load(), cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """As click's, with the recorded help of commands not imported yet."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            loaded = self.commands.get(name)
            if loaded is not None:
                if loaded.hidden:
                    continue
                rows.append((name, loaded.get_short_help_str(limit)))
            else:
                stand_in = click.Command(name, help=self.lazy_commands[name].short_help)
                rows.append((name, stand_in.get_short_help_str(limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)
