"""Docs are tested: every CLI command and every setting must be documented."""

from __future__ import annotations

from pathlib import Path

import click

from clearance.cli import cli
from clearance.settings import ENV_PREFIX, Settings

REPO = Path(__file__).resolve().parents[1]


def _docs_text() -> str:
    parts = [(REPO / "README.md").read_text(encoding="utf-8")]
    parts += [p.read_text(encoding="utf-8") for p in sorted((REPO / "docs").glob("*.md"))]
    return "\n".join(parts)


def _subcommand(group: click.Group, name: str) -> click.Command:
    # get_command, not group.commands: the top-level group loads its commands lazily.
    command = group.get_command(click.Context(group), name)
    assert command is not None, name
    return command


def _command_paths(group: click.Group, prefix: str = "clearance") -> list[str]:
    paths = []
    for name in group.list_commands(click.Context(group)):
        command = _subcommand(group, name)
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            paths += _command_paths(command, path)
        else:
            paths.append(path)
    return paths


def test_every_cli_command_is_documented() -> None:
    text = _docs_text()
    missing = [p for p in _command_paths(cli) if f"`{p}" not in text]
    assert missing == [], f"undocumented commands: {missing}"


def test_every_setting_is_documented() -> None:
    text = _docs_text()
    missing = [f"{ENV_PREFIX}{n.upper()}" for n in Settings.model_fields]
    missing = [name for name in missing if name not in text]
    assert missing == [], f"undocumented settings: {missing}"


# `compare` scores pairs of bare names from one file into another; it reads no store.
# `serve` answers HTTP requests in JSON; it prints no result of its own to format.
_STORELESS = {"clearance compare"}
_NO_FORMAT = {"clearance serve"}


def test_every_store_command_takes_db_and_format() -> None:
    def options(path: str) -> set[str]:
        command: click.Command = cli
        for name in path.split()[1:]:
            assert isinstance(command, click.Group)
            command = _subcommand(command, name)
        return {opt for param in command.params for opt in getattr(param, "opts", [])}

    lacking = [
        path
        for path in _command_paths(cli)
        if path not in _STORELESS
        and not ({"--db"} if path in _NO_FORMAT else {"--db", "--format"}) <= options(path)
    ]
    assert lacking == []


def test_every_api_route_is_documented() -> None:
    """Each operation of the HTTP API's OpenAPI document appears in docs/api.md as
    `METHOD /path`."""
    from clearance.api import create_app
    from clearance.settings import load_settings

    app = create_app(load_settings({"db": "sqlite:///unused.sqlite"}, env={}))
    text = (REPO / "docs" / "api.md").read_text(encoding="utf-8")
    routes = [
        f"{method.upper()} {path}"
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    ]
    assert len(routes) > 20
    missing = [r for r in routes if f"`{r}`" not in text and f"`{r}?" not in text]
    assert missing == [], f"undocumented API routes: {missing}"
