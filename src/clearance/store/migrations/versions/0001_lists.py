"""Versioned list store.

Revision ID: 0001_lists
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_lists"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "list_version",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("list_name", sa.String(100), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("published", sa.Date, nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("entry_count", sa.Integer, nullable=False),
        sa.Column("counts", sa.Text, nullable=False),
        sa.Column("origin", sa.Text, nullable=False),
        sa.UniqueConstraint("list_name", "sha256", name="uq_list_version_content"),
    )
    op.create_index("ix_list_version_list_published", "list_version", ["list_name", "published"])
    op.create_table(
        "entry_blob",
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("source_id", sa.String(100), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_table(
        "version_entry",
        sa.Column("version_id", sa.Integer, sa.ForeignKey("list_version.id"), primary_key=True),
        sa.Column("source_id", sa.String(100), primary_key=True),
        sa.Column("hash", sa.String(64), sa.ForeignKey("entry_blob.hash"), nullable=False),
    )
    op.create_index("ix_version_entry_source_id", "version_entry", ["source_id"])


def downgrade() -> None:
    op.drop_table("version_entry")
    op.drop_table("entry_blob")
    op.drop_table("list_version")
