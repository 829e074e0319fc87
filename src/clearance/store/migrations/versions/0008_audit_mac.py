"""Keyed audit chain, and deletes only under a purge marker.

Adds `audit_record.mac` (`KEYID:hmac_sha256(key, hash)`, NULL for records written without an
audit key). Replaces the purge permit — a row in `audit_purge_permit` (SQLite) or the setting
`clearance.purge_up_to` (PostgreSQL), which any writer could set with plain DML — by a delete
trigger that lets a row go only when a `purge_marker` record later in the chain covers its
seq, the row was created before the marker's cut-off (`before`), and that cut-off is at least
ten years before the marker's own date. Plain DML can still insert a marker row, but without
the audit key it carries no valid MAC, so `audit verify` names it (docs/audit.md, threat
model). UPDATE and TRUNCATE stay refused.

Revision ID: 0008_audit_mac
Revises: 0003_audit
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_audit_mac"
down_revision = "0003_audit"
branch_labels = None
depends_on = None

_SQLITE_DELETE = """
CREATE TRIGGER audit_record_no_delete BEFORE DELETE ON audit_record
WHEN NOT EXISTS (
    SELECT 1 FROM audit_record AS m
    WHERE m.kind = 'purge_marker'
      AND m.seq > OLD.seq
      AND OLD.seq BETWEEN json_extract(m.payload, '$.purged.from_seq')
                      AND json_extract(m.payload, '$.purged.to_seq')
      AND date(OLD.created_at) < json_extract(m.payload, '$.before')
      AND json_extract(m.payload, '$.before') <= date(m.created_at, '-10 years')
)
BEGIN
    SELECT RAISE(ABORT, 'audit_record is append-only: DELETE refused outside a purge');
END
"""

_SQLITE_OLD_DELETE = """
CREATE TRIGGER audit_record_no_delete BEFORE DELETE ON audit_record
WHEN OLD.seq > coalesce((SELECT max(up_to_seq) FROM audit_purge_permit), 0)
BEGIN
    SELECT RAISE(ABORT, 'audit_record is append-only: DELETE refused outside a purge');
END
"""

_POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_record_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND EXISTS (
        SELECT 1 FROM audit_record AS m
        WHERE m.kind = 'purge_marker'
          AND m.seq > OLD.seq
          AND OLD.seq BETWEEN (m.payload::jsonb #>> '{purged,from_seq}')::bigint
                          AND (m.payload::jsonb #>> '{purged,to_seq}')::bigint
          AND (OLD.created_at AT TIME ZONE 'UTC')::date < (m.payload::jsonb ->> 'before')::date
          AND (m.payload::jsonb ->> 'before')::date
              <= ((m.created_at AT TIME ZONE 'UTC') - interval '10 years')::date
    ) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_record is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""

_POSTGRES_OLD_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_record_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
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
"""


def upgrade() -> None:
    # ALTER TABLE is not an UPDATE: the append-only triggers do not fire.
    op.add_column("audit_record", sa.Column("mac", sa.String(100), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_POSTGRES_FUNCTION)
    else:
        op.execute("DROP TRIGGER audit_record_no_delete")
        op.execute(_SQLITE_DELETE)
    op.drop_table("audit_purge_permit")


def downgrade() -> None:
    op.create_table("audit_purge_permit", sa.Column("up_to_seq", sa.Integer, nullable=False))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_POSTGRES_OLD_FUNCTION)
        op.drop_column("audit_record", "mac")
    else:
        # SQLite rebuilds the table to drop a column: lift the triggers around it.
        op.execute("DROP TRIGGER audit_record_no_delete")
        op.execute("DROP TRIGGER audit_record_no_update")
        with op.batch_alter_table("audit_record") as batch:
            batch.drop_column("mac")
        op.execute(
            "CREATE TRIGGER audit_record_no_update BEFORE UPDATE ON audit_record BEGIN "
            "SELECT RAISE(ABORT, 'audit_record is append-only: UPDATE refused'); END"
        )
        op.execute(_SQLITE_OLD_DELETE)
