"""SQLAlchemy Core tables of the audit trail and the review workflow.

The migration `0003_audit` is the source of truth for the schema (it also installs the
triggers that make `audit_record` append-only); these definitions mirror it for queries.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from clearance.store.tables import metadata

# The chain: one row per event, in `seq` order. `hash` covers `prev_hash` and the row's own
# content (see chain.record_hash), so altering, removing or reordering rows breaks the chain.
audit_record = Table(
    "audit_record",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("id", String(36), nullable=False, unique=True),
    Column("kind", String(40), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("payload", Text, nullable=False),  # canonical JSON (model.canonical_json)
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    # `KEYID:hmac_sha256(key, hash)` when written with an audit key (migration 0008_audit_mac).
    Column("mac", String(100), nullable=True),
)
Index("ix_audit_record_created_at", audit_record.c.created_at)
Index("ix_audit_record_kind", audit_record.c.kind)

# One row (id 1): the newest record's seq and hash. Appenders lock it, so two writers cannot
# fork the chain, and `verify` compares it with the last record to notice a truncated tail.
audit_chain_head = Table(
    "audit_chain_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
)

# Full rules content, stored the first time a rules version is used, so that a decision can
# be replayed after the rule files have changed. `hash` is RuleSet.version.
rules_snapshot = Table(
    "rules_snapshot",
    metadata,
    Column("hash", String(64), primary_key=True),
    Column("body", Text, nullable=False),  # canonical JSON of RuleSet.snapshot()
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Hits that need a person. The row holds the current state; every change of it is also an
# audit record (kind "review"), which is the history.
alert = Table(
    "alert",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("state", String(20), nullable=False),  # open, true_match, false_positive, escalated
    # A true match under four-eyes is final only once a second reviewer confirmed it.
    Column("final", Boolean, nullable=False),
    Column("fingerprint", String(64), nullable=False),  # review.party_fingerprint
    Column("name_key", String(64), nullable=False),  # review.name_key: the name part alone
    Column("party", Text, nullable=False),  # JSON of the screened party
    Column("list_name", String(100), nullable=False),
    Column("entry_id", String(100), nullable=False),
    Column("entry_hash", String(64), nullable=False),  # Entry.content_hash() when raised
    Column("entry_name", Text, nullable=False),
    Column("list_version_id", Integer, nullable=False),
    Column("score", Float, nullable=False),
    Column("hit", Text, nullable=False),  # JSON: matched name, features, explanation
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_seq", Integer, nullable=False),  # audit record of the screening
    # The earlier reviewed alert this one reopens (entry or party data changed since).
    Column("reopens", Integer, ForeignKey("alert.id"), nullable=True),
    Column("reviewer", String(200), nullable=True),
    Column("reviewed_at", DateTime(timezone=True), nullable=True),
    Column("note", Text, nullable=True),
    Column("review_seq", Integer, nullable=True),  # audit record of the last state change
    Column("confirmations", Text, nullable=False),  # JSON list: four-eyes confirmations
)
Index("ix_alert_key", alert.c.fingerprint, alert.c.list_name, alert.c.entry_id)
Index("ix_alert_name_key", alert.c.name_key, alert.c.list_name, alert.c.entry_id)
Index("ix_alert_state", alert.c.state)
