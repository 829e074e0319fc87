"""Batch screening jobs of the HTTP API: state, progress, files, owner.

Revision ID: 0005_jobs
Revises: 0001_lists
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_jobs"
down_revision = "0001_lists"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "batch_job",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows_total", sa.Integer, nullable=True),
        sa.Column("rows_done", sa.Integer, nullable=False, server_default="0"),
        sa.Column("output_rows", sa.Integer, nullable=True),
        sa.Column("matches", sa.Integer, nullable=True),
        sa.Column("input_path", sa.Text, nullable=False),
        sa.Column("output_path", sa.Text, nullable=False),
        sa.Column("input_bytes", sa.BigInteger, nullable=False),
        sa.Column("request", sa.Text, nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("audit_seq", sa.Integer, nullable=True),
        sa.Column("server", sa.String(64), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
    )
    op.create_index("ix_batch_job_state", "batch_job", ["state"])


def downgrade() -> None:
    op.drop_index("ix_batch_job_state", table_name="batch_job")
    op.drop_table("batch_job")
