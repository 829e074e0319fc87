"""Audit trail, rules snapshots and review alerts.

`audit_record` is append-only in the database itself: UPDATE is always refused, DELETE only
passes inside a purge (see clearance.audit.records.purge), which on PostgreSQL sets the
transaction-local setting `clearance.purge_up_to` and on SQLite inserts a row into
`audit_purge_permit` in its own transaction. TRUNCATE is refused on PostgreSQL too.
`rules_snapshot` refuses UPDATE and DELETE outright.

Revision ID: 0003_audit
Revises: 0001_lists
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_audit"
down_revision = "0001_lists"
branch_labels = None
depends_on = None

GENESIS = "0" * 64

_SQLITE_TRIGGERS = (
    """
    CREATE TRIGGER audit_record_no_update BEFORE UPDATE ON audit_record
    BEGIN
        SELECT RAISE(ABORT, 'audit_record is append-only: UPDATE refused');
    END
    """,
    """
    CREATE TRIGGER audit_record_no_delete BEFORE DELETE ON audit_record
    WHEN OLD.seq > coalesce((SELECT max(up_to_seq) FROM audit_purge_permit), 0)
    BEGIN
        SELECT RAISE(ABORT, 'audit_record is append-only: DELETE refused outside a purge');
    END
    """,
    """
    CREATE TRIGGER rules_snapshot_no_update BEFORE UPDATE ON rules_snapshot
    BEGIN
        SELECT RAISE(ABORT, 'rules_snapshot is append-only: UPDATE refused');
    END
    """,
    """
    CREATE TRIGGER rules_snapshot_no_delete BEFORE DELETE ON rules_snapshot
    BEGIN
        SELECT RAISE(ABORT, 'rules_snapshot is append-only: DELETE refused');
    END
    """,
)

_POSTGRES_TRIGGERS = (
    """
    CREATE FUNCTION audit_record_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        allowed bigint;
    BEGIN
        IF TG_OP = 'DELETE' THEN
            allowed := coalesce(
                nullif(current_setting('clearance.purge_up_to', true), '')::bigint, 0);
            IF OLD.seq <= allowed THEN
                RETURN OLD;
            END IF;
        END IF;
        RAISE EXCEPTION 'audit_record is append-only: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END
    $$
    """,
    """
    CREATE TRIGGER audit_record_append_only BEFORE UPDATE OR DELETE ON audit_record
    FOR EACH ROW EXECUTE FUNCTION audit_record_refuse_change()
    """,
    """
    CREATE TRIGGER audit_record_no_truncate BEFORE TRUNCATE ON audit_record
    FOR EACH STATEMENT EXECUTE FUNCTION audit_record_refuse_change()
    """,
    """
    CREATE FUNCTION rules_snapshot_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'rules_snapshot is append-only: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END
    $$
    """,
    """
    CREATE TRIGGER rules_snapshot_append_only BEFORE UPDATE OR DELETE ON rules_snapshot
    FOR EACH ROW EXECUTE FUNCTION rules_snapshot_refuse_change()
    """,
    """
    CREATE TRIGGER rules_snapshot_no_truncate BEFORE TRUNCATE ON rules_snapshot
    FOR EACH STATEMENT EXECUTE FUNCTION rules_snapshot_refuse_change()
    """,
)


def upgrade() -> None:
    op.create_table(
        "audit_record",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("id", sa.String(36), nullable=False, unique=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_record_created_at", "audit_record", ["created_at"])
    op.create_index("ix_audit_record_kind", "audit_record", ["kind"])
    head = op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": GENESIS}])
    op.create_table("audit_purge_permit", sa.Column("up_to_seq", sa.Integer, nullable=False))
    op.create_table(
        "rules_snapshot",
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "alert",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("final", sa.Boolean, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("name_key", sa.String(64), nullable=False),
        sa.Column("party", sa.Text, nullable=False),
        sa.Column("list_name", sa.String(100), nullable=False),
        sa.Column("entry_id", sa.String(100), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.Column("entry_name", sa.Text, nullable=False),
        sa.Column("list_version_id", sa.Integer, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("hit", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_seq", sa.Integer, nullable=False),
        sa.Column("reopens", sa.Integer, sa.ForeignKey("alert.id"), nullable=True),
        sa.Column("reviewer", sa.String(200), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("review_seq", sa.Integer, nullable=True),
        sa.Column("confirmations", sa.Text, nullable=False),
    )
    op.create_index("ix_alert_key", "alert", ["fingerprint", "list_name", "entry_id"])
    op.create_index("ix_alert_name_key", "alert", ["name_key", "list_name", "entry_id"])
    op.create_index("ix_alert_state", "alert", ["state"])

    dialect = op.get_bind().dialect.name
    statements: tuple[str, ...]
    if dialect == "sqlite":
        statements = _SQLITE_TRIGGERS
    elif dialect == "postgresql":
        statements = _POSTGRES_TRIGGERS
    else:  # the append-only guarantee is part of the schema: refuse a database without it
        raise NotImplementedError(
            f"audit triggers are written for sqlite and postgresql, not {dialect}"
        )
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TABLE rules_snapshot, audit_record CASCADE")
        op.execute("DROP FUNCTION audit_record_refuse_change()")
        op.execute("DROP FUNCTION rules_snapshot_refuse_change()")
    else:
        op.drop_table("rules_snapshot")
        op.drop_table("audit_record")
    op.drop_table("alert")
    op.drop_table("audit_purge_permit")
    op.drop_table("audit_chain_head")
