"""The `clearance` command line: a thin door onto the library core.

Each area has its own module defining a click group or command. The modules are imported
only when their command runs (`LazyGroup`): a command pays for its own imports (uvicorn for
`serve`, pyarrow and numpy for `screen`, argon2 for `users`) and no other's, and `--help`
imports none of them.
"""

from __future__ import annotations

import click

from clearance.cli.group import LazyCommand, LazyGroup

# name -> where the command is defined and its one-line help (shown by `clearance --help`
# without importing the module; tests/cli/test_lazy_cli.py checks it against the command's).
COMMANDS: dict[str, LazyCommand] = {
    "lists": LazyCommand(
        "clearance.cli.lists",
        "lists_group",
        "Import official sanctions lists and inspect their versions.",
    ),
    "audit": LazyCommand(
        "clearance.cli.audit", "audit_group", "The append-only, hash-chained audit trail."
    ),
    "review": LazyCommand(
        "clearance.cli.audit", "review_group", "Human review of hits: alerts and their decisions."
    ),
    "screen": LazyCommand(
        "clearance.cli.screen",
        "screen_command",
        "Screen a name (or a CSV/Parquet file of names) against the lists.",
    ),
    "compare": LazyCommand(
        "clearance.cli.screen",
        "compare_command",
        "Score name pairs from a CSV/Parquet file (pair_id,left,right).",
    ),
    "decide": LazyCommand(
        "clearance.cli.decide",
        "decide_command",
        "Decide whether transactions may go ahead: CLEAR, AUTHORIZED, PROHIBITED or REVIEW.",
    ),
    "licenses": LazyCommand(
        "clearance.cli.decide",
        "licenses_group",
        "General licenses (rule files) and registered specific licenses.",
    ),
    "ledger": LazyCommand(
        "clearance.cli.decide",
        "ledger_group",
        "The cap ledger: drawdowns per license family, holder and period.",
    ),
    "ownership": LazyCommand(
        "clearance.cli.decide", "ownership_group", "Ownership data for the 50 Percent Rule."
    ),
    "keys": LazyCommand(
        "clearance.cli.keys", "keys_group", "API keys and their roles (for `clearance serve`)."
    ),
    "serve": LazyCommand(
        "clearance.cli.serve",
        "serve_command",
        "Serve the HTTP API (yente-compatible /match, /entities, /healthz, /docs).",
    ),
    "parties": LazyCommand(
        "clearance.cli.monitor",
        "parties_group",
        "The party book that `clearance monitor run` screens.",
    ),
    "monitor": LazyCommand(
        "clearance.cli.monitor",
        "monitor_group",
        "Screen the party book on every list change, delta only.",
    ),
    "users": LazyCommand(
        "clearance.cli.users", "users_group", "People who sign in to the web UI, and their roles."
    ),
}


@click.group(
    cls=LazyGroup,
    lazy_commands=COMMANDS,
    help="clearance — sanctions lists, screening, licensing decisions and audit trail.",
)
@click.version_option(package_name="clearance")
def cli() -> None:
    pass


def main() -> None:
    cli.main(prog_name="clearance")
