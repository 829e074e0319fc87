"""The `batch_job` table (the migration `0005_jobs` is the source of truth)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, String, Table, Text

from clearance.store.tables import metadata

batch_job = Table(
    "batch_job",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("state", String(16), nullable=False),
    Column("owner", String(200), nullable=False),  # the API key's name: the audit actor
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("rows_total", Integer, nullable=True),
    Column("rows_done", Integer, nullable=False, server_default="0"),
    Column("output_rows", Integer, nullable=True),
    Column("matches", Integer, nullable=True),
    Column("input_path", Text, nullable=False),
    Column("output_path", Text, nullable=False),
    Column("input_bytes", BigInteger, nullable=False),
    Column("request", Text, nullable=False),  # the screening request, JSON
    Column("error", Text, nullable=True),
    Column("audit_seq", Integer, nullable=True),
    # Which server runs it: a server start marks the jobs other servers left running failed.
    Column("server", String(64), nullable=False),
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
)
Index("ix_batch_job_state", batch_job.c.state)
