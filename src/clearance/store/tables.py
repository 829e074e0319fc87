"""SQLAlchemy Core tables of the versioned list store.

Entries are stored once per distinct content (`entry_blob`, keyed by the SHA-256 of the
entry's canonical JSON) and referenced from each version that contains them
(`version_entry`). Consecutive versions of a list share most entries, so storage grows with
the changes, and a diff is a comparison of hashes.

Other parts of clearance (decisions, audit) add their tables to the same `metadata` in their
own modules; the Alembic migrations are the source of truth for the schema.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

list_version = Table(
    "list_version",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # The list this is a version of: the source kind, or for FtM data the dataset name.
    Column("list_name", String(100), nullable=False),
    Column("source", String(20), nullable=False),
    Column("published", Date, nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("entry_count", Integer, nullable=False),
    Column("counts", Text, nullable=False),  # JSON: entries per type
    Column("origin", Text, nullable=False),
    UniqueConstraint("list_name", "sha256", name="uq_list_version_content"),
)
Index("ix_list_version_list_published", list_version.c.list_name, list_version.c.published)

entry_blob = Table(
    "entry_blob",
    metadata,
    Column("hash", String(64), primary_key=True),
    Column("source", String(20), nullable=False),
    Column("source_id", String(100), nullable=False),
    Column("body", Text, nullable=False),  # canonical JSON of model.entry_to_dict
)

version_entry = Table(
    "version_entry",
    metadata,
    Column("version_id", Integer, ForeignKey("list_version.id"), primary_key=True),
    Column("source_id", String(100), primary_key=True),
    Column("hash", String(64), ForeignKey("entry_blob.hash"), nullable=False),
)
Index("ix_version_entry_source_id", version_entry.c.source_id)
