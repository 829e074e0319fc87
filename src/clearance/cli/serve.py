"""`clearance serve`: the HTTP API on uvicorn."""

from __future__ import annotations

import json
import os
import uuid

import click

from clearance.cli.common import db_option, open_app


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
@db_option
def serve_command(host: str, port: int, workers: int, db: str | None) -> None:
    """Serve the HTTP API (yente-compatible /match, /entities, /healthz, /docs)."""
    import uvicorn

    from clearance.api.app import FLAGS_ENV, SERVER_ENV

    # Migrate once here, so that the workers never race each other creating tables.
    open_app(db=db).close()
    os.environ[FLAGS_ENV] = json.dumps({"db": db} if db else {})
    # One id for this start, shared by the workers: at start-up they mark failed the batch
    # jobs an earlier start left unfinished, never each other's.
    os.environ[SERVER_ENV] = uuid.uuid4().hex
    uvicorn.run(
        "clearance.api.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
    )
