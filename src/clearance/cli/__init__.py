"""The `clearance` command line: a thin door onto the library core.

Each area has its own module defining a click group or command; `main` wires them up here.
"""

from __future__ import annotations

import click

from clearance.cli.common import ClearanceGroup, run_main
from clearance.cli.lists import lists_group


@click.group(
    cls=ClearanceGroup,
    help="clearance — sanctions lists, screening, licensing decisions and audit trail.",
)
@click.version_option(package_name="clearance")
def cli() -> None:
    pass


cli.add_command(lists_group)
# --- commands of the other areas are registered below (one line each) ---


def main() -> None:
    run_main(cli)
