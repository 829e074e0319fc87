"""Licensing decisions: specific licenses, ownership data, cap ledger.

`ledger_entry` is append-only: on PostgreSQL and SQLite a trigger refuses UPDATE and DELETE,
so a drawdown can only be undone by a new negative row (a reversal).

Revision ID: 0002_decisions
Revises: 0001_lists
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_decisions"
down_revision = "0001_lists"
branch_labels = None
depends_on = None

_SQLITE_TRIGGERS = (
    """
    CREATE TRIGGER ledger_entry_no_update BEFORE UPDATE ON ledger_entry
    BEGIN
        SELECT RAISE(ABORT, 'ledger_entry is append-only: UPDATE refused');
    END
    """,
    """
    CREATE TRIGGER ledger_entry_no_delete BEFORE DELETE ON ledger_entry
    BEGIN
        SELECT RAISE(ABORT, 'ledger_entry is append-only: DELETE refused');
    END
    """,
)

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION ledger_entry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger_entry is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql
"""
_PG_TRIGGER = """
CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE OR DELETE ON ledger_entry
FOR EACH ROW EXECUTE FUNCTION ledger_entry_append_only()
"""


def upgrade() -> None:
    op.create_table(
        "specific_license",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("number", sa.String(100), nullable=False, unique=True),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("origin", sa.Text, nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "ownership_import",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("origin", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("row_count", sa.Integer, nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "ownership_link",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("ownership_import.id"), nullable=False),
        sa.Column("line", sa.Integer, nullable=False),
        sa.Column("owner", sa.String(500), nullable=False),
        sa.Column("owned", sa.String(500), nullable=False),
        sa.Column("owner_key", sa.String(500), nullable=False),
        sa.Column("owned_key", sa.String(500), nullable=False),
        sa.Column("percentage", sa.String(20), nullable=False),
        sa.Column("valid_from", sa.Date, nullable=True),
        sa.Column("valid_until", sa.Date, nullable=True),
    )
    op.create_index("ix_ownership_link_import", "ownership_link", ["import_id"])
    op.create_table(
        "cap_counter",
        sa.Column("family", sa.String(100), nullable=False),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("period", sa.String(50), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("family", "holder", "period", name="pk_cap_counter"),
    )
    op.create_table(
        "recorded_decision",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("transaction_id", sa.String(200), nullable=False, unique=True),
        sa.Column("transaction_sha256", sa.String(64), nullable=False),
        sa.Column("decision", sa.String(12), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "ledger_entry",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("family", sa.String(100), nullable=False),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("period", sa.String(50), nullable=False),
        sa.Column("license", sa.String(100), nullable=False),
        sa.Column("transaction_id", sa.String(200), nullable=False),
        sa.Column("idempotency_key", sa.String(250), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.Column("reverses_id", sa.Integer, sa.ForeignKey("ledger_entry.id"), nullable=True),
        sa.Column("decision_id", sa.Integer, sa.ForeignKey("recorded_decision.id"), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint(
            "idempotency_key", "family", "holder", "period", name="uq_ledger_entry_idempotency"
        ),
    )
    op.create_index("ix_ledger_entry_cap", "ledger_entry", ["family", "holder", "period"])
    op.create_index("ix_ledger_entry_transaction", "ledger_entry", ["transaction_id"])

    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(_PG_TRIGGER)
    else:
        for statement in _SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS ledger_entry_append_only ON ledger_entry")
        op.execute("DROP FUNCTION IF EXISTS ledger_entry_append_only()")
    op.drop_table("ledger_entry")
    op.drop_table("recorded_decision")
    op.drop_table("cap_counter")
    op.drop_index("ix_ownership_link_import", table_name="ownership_link")
    op.drop_table("ownership_link")
    op.drop_table("ownership_import")
    op.drop_table("specific_license")
