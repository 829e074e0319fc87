"""`clearance users ...`: people who sign in to the web UI. Thin: parse, call
`clearance.service.users`, render."""

from __future__ import annotations

import sys

import click

from clearance.access import Role
from clearance.cli.common import (
    ClearanceError,
    ClearanceGroup,
    db_option,
    emit_json,
    emit_table,
    format_option,
    open_app,
)
from clearance.service.users import create_user, disable_user, list_users


@click.group("users", cls=ClearanceGroup, help="People who sign in to the web UI, and their roles.")
def users_group() -> None:
    pass


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        # The first line, without its line end: `printf '%s\n' "$PW" | clearance users create`.
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise ClearanceError("give the password with --password-stdin, or run in a terminal")
    password: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@users_group.command("create")
@click.argument("name")
@click.option(
    "--role",
    required=True,
    type=click.Choice([r.value for r in Role]),
    help="viewer: read, screen, decide; analyst: + record, review; approver: + second "
    "review; admin: + keys, list imports (the API's roles).",
)
@click.option(
    "--password-stdin",
    "password_stdin",
    is_flag=True,
    help="Read the password from the first line of standard input (else: prompt).",
)
@db_option
@format_option("text", "json", default="text")
def create_command(
    name: str, role: str, password_stdin: bool, db: str | None, output_format: str
) -> None:
    """Create a user NAME who signs in with a password (hashed with argon2id)."""
    password = _read_password(password_stdin)
    info = create_user(open_app(db=db), name=name, role=Role(role), password=password)
    if output_format == "json":
        emit_json(info.to_dict())
        return
    click.echo(f"user {info.name!r} ({info.role.value}) created")


@users_group.command("list")
@db_option
@format_option("table", "json")
def list_command(db: str | None, output_format: str) -> None:
    """Every user's name, role and state (never the password hash)."""
    users = list_users(open_app(db=db))
    if output_format == "json":
        emit_json([u.to_dict() for u in users])
        return
    emit_table(
        "web users",
        ["name", "role", "created", "by", "disabled"],
        [
            (
                u.name,
                u.role.value,
                u.created_at.isoformat(timespec="seconds"),
                u.created_by,
                u.disabled_at.isoformat(timespec="seconds") if u.disabled_at else "",
            )
            for u in users
        ],
    )


@users_group.command("disable")
@click.argument("name")
@db_option
@format_option("text", "json", default="text")
def disable_command(name: str, db: str | None, output_format: str) -> None:
    """Disable user NAME: their sessions end at once; the name is never reused."""
    info = disable_user(open_app(db=db), name)
    if output_format == "json":
        emit_json(info.to_dict())
        return
    click.echo(f"user {info.name!r} ({info.role.value}) disabled")
