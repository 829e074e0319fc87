"""`clearance decide`, `licenses`, `ledger`, `ownership`: thin doors onto clearance.decisions.

A decision is data, not an error: the exit code is 0 whatever the decision. Bad input (a
malformed transaction, rule file, license file or ownership file) exits 2 with a message
naming the file and the record or line.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from clearance.cli.common import (
    ClearanceError,
    db_option,
    emit_json,
    emit_table,
    format_option,
    open_app,
    parse_date,
)
from clearance.service.errors import user_errors as request_errors
from clearance.service.handle import Clearance

# clearance.decisions (and through it screening) is imported inside the commands, so that the
# rest of the CLI starts without loading it.


def rules_option(func: Any) -> Any:
    return click.option(
        "--rules",
        "rules_dir",
        type=click.Path(path_type=Path, file_okay=False),
        default=None,
        help="Rules folder (default: the rules_dir setting, else the packaged rules).",
    )(func)


@contextmanager
def user_errors() -> Iterator[None]:
    try:
        yield
    except request_errors() as exc:
        raise ClearanceError(str(exc)) from exc


def _app(db: str | None, rules_dir: Path | None) -> Clearance:
    """The store handle, with the rules loaded now so a bad rule file fails before any work."""
    app = open_app(db=db, rules_dir=rules_dir)
    with user_errors():
        app.rules()
    return app


# --- decide ----------------------------------------------------------------------------------


def _stdin_bytes() -> bytes:
    """Standard input as bytes: read_transactions decodes it, line by line if need be."""
    return sys.stdin.buffer.read()


@click.command("decide")
@click.argument("source", metavar="FILE.json|-")
@click.option("--record", is_flag=True, help="Draw authorized amounts down in the cap ledger.")
@click.option(
    "--cap-holder",
    default=None,
    help="Whose caps to draw on (default: the transaction's cap_holder, else `default`).",
)
@format_option("json", "text", default="json")
@db_option
@rules_option
def decide_command(
    source: str,
    record: bool,
    cap_holder: str | None,
    output_format: str,
    db: str | None,
    rules_dir: Path | None,
) -> None:
    """Decide whether transactions may go ahead: CLEAR, AUTHORIZED, PROHIBITED or REVIEW.

    Input is a JSON transaction, a JSON array, or JSON lines (one transaction a line; the
    answer is then JSON lines too). See docs/decisions.md for the fields.
    """
    from clearance.decisions import Transaction
    from clearance.decisions.report import render_text
    from clearance.decisions.transaction import read_transactions
    from clearance.service.decisions import decide

    name = "<stdin>" if source == "-" else source
    try:
        data = _stdin_bytes() if source == "-" else Path(source).read_bytes()
    except OSError as exc:
        raise ClearanceError(f"{name}: {exc.strerror or exc}") from exc
    with user_errors():
        batch = read_transactions(data, name)
    records, many = batch.records, batch.many
    app = _app(db, rules_dir)
    failed = 0
    for rec in records:
        try:
            with user_errors():
                if rec.error is not None:
                    raise rec.error  # a line that is not JSON: reported in its place
                txn = Transaction.from_dict(rec.data, rec.where)
                result = decide(app, txn, record=record, cap_holder=cap_holder)
        except ClearanceError as exc:
            if not many:
                raise
            failed += 1
            click.echo(json.dumps({"error": exc.message, "record": rec.where}), err=False)
            continue
        if output_format == "text":
            click.echo(
                render_text(result.decision) + "\n" + result.footer() + ("\n" if many else "")
            )
        elif many:
            click.echo(json.dumps(result.to_dict(), ensure_ascii=False))
        else:
            emit_json(result.to_dict())
    if failed:
        raise ClearanceError(f"{failed} of {len(records)} transactions could not be decided")


# --- licenses --------------------------------------------------------------------------------


@click.group("licenses", help="General licenses (rule files) and registered specific licenses.")
def licenses_group() -> None:
    pass


@licenses_group.command("list")
@click.option("--as-of", "as_of", default=None, help="Only those in force on YYYY-MM-DD.")
@format_option("table", "json")
@db_option
@rules_option
def licenses_list(
    as_of: str | None, output_format: str, db: str | None, rules_dir: Path | None
) -> None:
    """General license versions and specific licenses (in force on a date, or all)."""
    from clearance.service.decisions import license_rows

    app = _app(db, rules_dir)
    rows = license_rows(app, parse_date(as_of, "--as-of"))
    rules = app.rules()
    if output_format == "json":
        emit_json(rows)
        return
    emit_table(
        f"licenses{f' in force on {as_of}' if as_of else ''} (rules {rules.version[:12]})",
        ["id", "kind", "family", "valid from", "valid until", "authorities", "holder"],
        [
            (
                r["id"],
                r["kind"],
                r["family"],
                r["valid_from"],
                r["valid_until"] or "open",
                ", ".join(r["authorities"]),
                r["holder"] or "",
            )
            for r in rows
        ],
    )


@licenses_group.command("show")
@click.argument("license_id", metavar="ID")
@format_option("text", "json", default="text")
@db_option
@rules_option
def licenses_show(
    license_id: str, output_format: str, db: str | None, rules_dir: Path | None
) -> None:
    """One license: its terms, validity and the source of every value."""
    from clearance.service.decisions import license_detail

    with user_errors():
        body = license_detail(_app(db, rules_dir), license_id)
    if output_format == "json":
        emit_json(body)
        return
    _print_mapping(body, 0)


def _print_mapping(value: Any, depth: int, key: str | None = None) -> None:
    pad = "  " * depth
    label = f"{pad}{key}: " if key is not None else pad
    if isinstance(value, dict):
        if key is not None:
            click.echo(f"{pad}{key}:")
        for k, v in value.items():
            if v is None or v == [] or v == {}:
                continue
            _print_mapping(v, depth + (1 if key is not None else 0), str(k))
    elif isinstance(value, list):
        click.echo(f"{pad}{key}:" if key is not None else pad)
        for item in value:
            if isinstance(item, dict):
                parts = [f"{k}={v}" for k, v in item.items() if v not in (None, [], {})]
                click.echo(f"{pad}  - " + "; ".join(parts))
            else:
                click.echo(f"{pad}  - {item}")
    else:
        click.echo(f"{label}{value}")


@licenses_group.command("add-specific")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False), metavar="FILE.yaml")
@format_option("text", "json", default="text")
@db_option
@rules_option
def licenses_add_specific(
    path: Path, output_format: str, db: str | None, rules_dir: Path | None
) -> None:
    """Register a specific license issued to you (validated against the rules)."""
    from clearance.service.decisions import register_specific_license

    with user_errors():
        result = register_specific_license(_app(db, rules_dir), path)
    lic = result.license
    if output_format == "json":
        emit_json(
            {
                "number": lic.number,
                "holder": lic.holder,
                "created": result.created,
                "registered_at": result.registered_at.isoformat(),
            }
        )
        return
    verb = "registered" if result.created else "already registered (identical), nothing changed:"
    click.echo(
        f"{verb} specific license {lic.number} for {lic.holder}, valid {lic.valid_from} to "
        f"{lic.valid_until or 'open'}, limit {lic.value_limit.currency} "
        f"{lic.value_limit.amount:,.2f} (+{lic.overrun_percent}% overrun)"
    )


# --- ledger ----------------------------------------------------------------------------------


@click.group("ledger", help="The cap ledger: drawdowns per license family, holder and period.")
def ledger_group() -> None:
    pass


@ledger_group.command("show")
@click.option("--holder", default=None, help="Only this cap holder.")
@click.option("--year", type=int, default=None, help="Only periods touching this year.")
@format_option("table", "json")
@db_option
@rules_option
def ledger_show(
    holder: str | None,
    year: int | None,
    output_format: str,
    db: str | None,
    rules_dir: Path | None,
) -> None:
    """Used and remaining amount per cap, with every drawdown and reversal (json)."""
    from clearance.service.decisions import ledger_view

    view = ledger_view(_app(db, rules_dir), holder, year)
    totals = view["caps"]
    if output_format == "json":
        emit_json(view)
        return
    emit_table(
        "cap ledger",
        ["family", "holder", "period", "used", "limit", "remaining", "entries"],
        [
            (
                t["family"],
                t["holder"],
                t["period"],
                f"{t['currency']} {t['used']}",
                t["limit"] or "?",
                t["remaining"] or "?",
                t["entries"],
            )
            for t in totals
        ],
    )


@ledger_group.command("reverse")
@click.argument("transaction_id")
@click.option("--note", required=True, help="Why (recorded with the reversal).")
@format_option("text", "json", default="text")
@db_option
def ledger_reverse(transaction_id: str, note: str, output_format: str, db: str | None) -> None:
    """Undo a transaction's drawdowns with new negative rows (drawdowns are never edited)."""
    from clearance.service.decisions import reverse_drawdown

    with user_errors():
        reversed_rows = reverse_drawdown(open_app(db=db), transaction_id, note)
    if output_format == "json":
        emit_json([r.to_dict() for r in reversed_rows])
        return
    for r in reversed_rows:
        click.echo(
            f"reversed ledger entry {r.reverses_id}: {r.currency} {r.amount:,.2f} on "
            f"{r.key.family} / {r.key.holder} / {r.key.period}"
        )


# --- ownership -------------------------------------------------------------------------------


@click.group("ownership", help="Ownership data for the 50 Percent Rule.")
def ownership_group() -> None:
    pass


@ownership_group.command("import")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False), metavar="FILE.csv")
@format_option("text", "json", default="text")
@db_option
def ownership_import(path: Path, output_format: str, db: str | None) -> None:
    """Import CSV rows owner,owned,percentage[,valid_from,valid_until]; owner and owned are
    list entry references (ofac-sdn:21344) or names of unlisted entities. The import replaces
    the previous data set for new decisions."""
    from clearance.service.decisions import import_ownership_file

    with user_errors():
        result = import_ownership_file(open_app(db=db), path)
    if output_format == "json":
        emit_json(result.to_dict())
        return
    previous = result.replaces
    replaces = f"; it replaces import {previous} for new decisions" if previous else ""
    click.echo(
        f"imported {result.imported.rows} ownership links from {path} "
        f"as import {result.imported.id}{replaces}"
    )
