"""`clearance keys ...`: API keys for `clearance serve`. Thin: parse, call
`clearance.service.keys`, render."""

from __future__ import annotations

import click

from clearance.access import Role
from clearance.cli.common import (
    ClearanceGroup,
    db_option,
    emit_json,
    emit_table,
    format_option,
    open_app,
)
from clearance.service.keys import create_key, list_keys, revoke_key


@click.group("keys", cls=ClearanceGroup, help="API keys and their roles (for `clearance serve`).")
def keys_group() -> None:
    pass


@keys_group.command("create")
@click.option("--name", required=True, help="Unique among active keys; the audit actor.")
@click.option(
    "--role",
    required=True,
    type=click.Choice([r.value for r in Role]),
    help="viewer: read, match, decide; analyst: + record, review; approver: + second "
    "review; admin: + keys, list imports.",
)
@db_option
@format_option("text", "json", default="text")
def create_command(name: str, role: str, db: str | None, output_format: str) -> None:
    """Create a key and print it once: only its hash is stored."""
    created = create_key(open_app(db=db), name=name, role=Role(role))
    if output_format == "json":
        emit_json(created.to_dict())
        return
    click.echo(created.key)
    click.echo(
        f"key {created.info.name!r} ({created.info.role.value}) created; "
        "it is shown only now: keep it somewhere safe",
        err=True,
    )


@keys_group.command("list")
@click.option("--active", "active_only", is_flag=True, help="Leave out revoked keys.")
@db_option
@format_option("table", "json")
def list_command(active_only: bool, db: str | None, output_format: str) -> None:
    """Every key's name, role, prefix and state (never the key)."""
    keys = list_keys(open_app(db=db), include_revoked=not active_only)
    if output_format == "json":
        emit_json([k.to_dict() for k in keys])
        return
    emit_table(
        "API keys",
        ["name", "role", "prefix", "created", "by", "revoked"],
        [
            (
                k.name,
                k.role.value,
                k.prefix,
                k.created_at.isoformat(timespec="seconds"),
                k.created_by,
                k.revoked_at.isoformat(timespec="seconds") if k.revoked_at else "",
            )
            for k in keys
        ],
    )


@keys_group.command("revoke")
@click.argument("name")
@db_option
@format_option("text", "json", default="text")
def revoke_command(name: str, db: str | None, output_format: str) -> None:
    """Revoke the active key named NAME; it stops working at once."""
    info = revoke_key(open_app(db=db), name)
    if output_format == "json":
        emit_json(info.to_dict())
        return
    click.echo(f"key {info.name!r} ({info.role.value}) revoked")
