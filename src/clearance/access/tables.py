"""The `api_key` table (the migration `0004_api_keys` is the source of truth).

Keys are never deleted: revoking sets `revoked_at`, so the audit trail's actors keep naming a
row. A name is unique among active keys (a partial unique index); a revoked name may be reused.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, String, Table, text

from clearance.store.tables import metadata

ACTIVE = text("revoked_at IS NULL")

api_key = Table(
    "api_key",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False),
    Column("role", String(20), nullable=False),
    Column("prefix", String(16), nullable=False, unique=True),
    Column("sha256", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Column("revoked_by", String(200), nullable=True),
)
Index(
    "uq_api_key_active_name",
    api_key.c.name,
    unique=True,
    sqlite_where=ACTIVE,
    postgresql_where=ACTIVE,
)
