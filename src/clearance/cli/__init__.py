"""The `clearance` command line: a thin door onto the library core.

Each area has its own module defining a click group or command; `main` wires them up here.
"""

from __future__ import annotations

import click

from clearance.cli.audit import audit_group, review_group
from clearance.cli.common import ClearanceGroup, run_main
from clearance.cli.decide import decide_command, ledger_group, licenses_group, ownership_group
from clearance.cli.keys import keys_group
from clearance.cli.lists import lists_group
from clearance.cli.monitor import monitor_group, parties_group
from clearance.cli.screen import compare_command, screen_command
from clearance.cli.serve import serve_command
from clearance.cli.users import users_group


@click.group(
    cls=ClearanceGroup,
    help="clearance — sanctions lists, screening, licensing decisions and audit trail.",
)
@click.version_option(package_name="clearance")
def cli() -> None:
    pass


cli.add_command(lists_group)
# --- commands of the other areas are registered below (one line each) ---
cli.add_command(audit_group)
cli.add_command(review_group)
cli.add_command(screen_command)
cli.add_command(compare_command)
cli.add_command(decide_command)
cli.add_command(licenses_group)
cli.add_command(ledger_group)
cli.add_command(ownership_group)
cli.add_command(keys_group)
cli.add_command(serve_command)
cli.add_command(parties_group)
cli.add_command(monitor_group)
cli.add_command(users_group)


def main() -> None:
    run_main(cli)
