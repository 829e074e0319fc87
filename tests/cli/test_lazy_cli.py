"""The CLI imports a command's module only when that command runs (issue 13: start-up).

`import clearance.cli` and `clearance --help` must not load the web stack, Dask, pyarrow or
the store; `--help` still lists every command with its own one-line help.
"""

from __future__ import annotations

import json
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from clearance.cli import COMMANDS, cli
from clearance.cli.group import LazyGroup

HEAVY = (
    "fastapi",
    "uvicorn",
    "starlette",
    "clearance.api",
    "clearance.web",
    "dask",
    "distributed",
    "pyarrow",
    "pandas",
    "numpy",
    "alembic",
    "argon2",
    "sqlalchemy",
)


def _loaded_after(code: str) -> list[str]:
    """The HEAVY modules a fresh interpreter holds after running `code`."""
    probe = f"{code}\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    modules = json.loads(out.strip().splitlines()[-1])
    return sorted(h for h in HEAVY if any(m == h or m.startswith(f"{h}.") for m in modules))


def test_importing_the_cli_loads_nothing_heavy() -> None:
    assert _loaded_after("import clearance.cli") == []


def test_help_loads_nothing_heavy() -> None:
    code = (
        "import sys\nfrom clearance.cli import cli\n"
        "try:\n    cli.main(['--help'], prog_name='clearance')\nexcept SystemExit:\n    pass"
    )
    assert _loaded_after(code) == []


def test_a_command_loads_only_what_it_needs() -> None:
    """`compare --help` loads its own module, not the HTTP door or the password hasher."""
    code = (
        "from clearance.cli import cli\n"
        "try:\n    cli.main(['compare', '--help'], prog_name='clearance')\n"
        "except SystemExit:\n    pass"
    )
    loaded = _loaded_after(code)
    assert "fastapi" not in loaded and "uvicorn" not in loaded and "argon2" not in loaded


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_recorded_help_is_the_commands_own(name: str) -> None:
    command = COMMANDS[name].load()
    assert command.name == name
    for limit in (40, 60, 1000):
        stand_in = click.Command(name, help=COMMANDS[name].short_help)
        assert stand_in.get_short_help_str(limit) == command.get_short_help_str(limit)


def test_help_lists_every_command_as_loaded_commands_would() -> None:
    # A new group: `cli` itself may have loaded commands for other tests of this process.
    lazy = LazyGroup(cli.name, help=cli.help, params=list(cli.params), lazy_commands=COMMANDS)
    lazy_help = CliRunner().invoke(lazy, ["--help"], terminal_width=80).output
    assert lazy.commands == {}  # listed without importing any
    eager = click.Group(cli.name, help=cli.help, params=list(cli.params))
    for name in COMMANDS:
        eager.add_command(COMMANDS[name].load(), name)
    eager_help = CliRunner().invoke(eager, ["--help"], terminal_width=80).output
    assert lazy_help == eager_help
    for name in COMMANDS:
        assert f"  {name} " in lazy_help


def test_an_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["no-such-command"])
    assert result.exit_code == 2
    assert "No such command 'no-such-command'" in result.output


# What `screen NAME` and `monitor run` need is the store, the settings and the screening
# engine; none of these (web stack, Parquet, migrations, password hashing, remote files).
NOT_FOR_SCREENING = (
    "fastapi",
    "uvicorn",
    "clearance.api",
    "clearance.web",
    "dask",
    "pyarrow",
    "pandas",
    "alembic",
    "argon2",
    "fsspec",
    "rich.progress",
)


@pytest.mark.parametrize(
    "modules",
    [
        ("clearance.cli.screen", "clearance.service.screening"),
        ("clearance.cli.monitor", "clearance.service.monitoring"),
    ],
    ids=["screen", "monitor"],
)
def test_screening_commands_load_nothing_they_do_not_use(modules: tuple[str, ...]) -> None:
    code = "\n".join(f"import {m}" for m in modules)
    probe = f"{code}\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    loaded = json.loads(out.strip().splitlines()[-1])
    assert "numpy" in loaded  # the probe is real: screening does load its engine
    found = [h for h in NOT_FOR_SCREENING if any(m == h or m.startswith(f"{h}.") for m in loaded)]
    assert found == []
