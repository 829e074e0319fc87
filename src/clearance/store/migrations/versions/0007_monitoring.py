"""The party book and ongoing monitoring (clearance.monitoring.tables mirrors it).

Revision ID: 0007_monitoring
Revises: 0001_lists
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_monitoring"
down_revision = "0001_lists"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "book_party",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("country", sa.String(2), nullable=True),
        sa.Column("dob", sa.String(10), nullable=True),
        sa.Column("identifiers", sa.Text, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("created_revision", sa.Integer, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_book_party_revision", "book_party", ["revision"])
    book_state = op.create_table(
        "book_state",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("revision", sa.Integer, nullable=False),
    )
    op.bulk_insert(book_state, [{"id": 1, "revision": 0}])
    op.create_table(
        "monitor_run",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("previous_run", sa.Integer, nullable=True),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("book_revision", sa.Integer, nullable=False),
        sa.Column("algorithm", sa.String(100), nullable=False),
        sa.Column("review_threshold", sa.Float, nullable=False),
        sa.Column("list_versions", sa.Text, nullable=False),
        sa.Column("parties", sa.Integer, nullable=False),
        sa.Column("screened", sa.Integer, nullable=False),
        sa.Column("new_alerts", sa.Integer, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("audit_seq", sa.Integer, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
    )
    op.create_table(
        "monitor_party",
        sa.Column("party_id", sa.String(200), primary_key=True),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("tokens", sa.Text, nullable=False),
        sa.Column("legal_words", sa.Text, nullable=False),
        sa.Column("exact_key", sa.String(64), nullable=False),
    )
    op.create_index("ix_monitor_party_exact_key", "monitor_party", ["exact_key"])
    op.create_table(
        "monitor_posting",
        sa.Column("token", sa.Text, nullable=False),
        sa.Column("party_id", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("token", "party_id", name="pk_monitor_posting"),
    )
    op.create_index("ix_monitor_posting_party", "monitor_posting", ["party_id"])
    op.create_table(
        "monitor_token",
        sa.Column("token", sa.Text, primary_key=True),
        sa.Column("phonetic", sa.String(100), nullable=True),
        sa.Column("symbols", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("monitor_token")
    op.drop_index("ix_monitor_posting_party", table_name="monitor_posting")
    op.drop_table("monitor_posting")
    op.drop_index("ix_monitor_party_exact_key", table_name="monitor_party")
    op.drop_table("monitor_party")
    op.drop_table("monitor_run")
    op.drop_table("book_state")
    op.drop_index("ix_book_party_revision", table_name="book_party")
    op.drop_table("book_party")
