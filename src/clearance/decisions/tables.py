"""SQLAlchemy Core tables of the decisions area (mirrors migration 0002_decisions).

* `specific_license`: licenses registered by the user (the validated YAML as JSON).
* `ownership_import` / `ownership_link`: ownership data sets for the 50% rule; each import
  replaces the previous one for new decisions, older ones stay for the record.
* `cap_counter`: one row per (license family, cap holder, period), created on demand; the row
  that a recording decision locks before it reads the sum of drawdowns.
* `ledger_entry`: drawdowns, append-only. A reversal is a new negative row, never an edit.
  Amounts are integer cents so that sums are exact on every backend.
* `recorded_decision`: the decision that drew down, per transaction id (the idempotency key).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from clearance.store.tables import metadata

specific_license = Table(
    "specific_license",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("number", String(100), nullable=False, unique=True),
    Column("holder", String(200), nullable=False),
    Column("body", Text, nullable=False),  # canonical JSON of the validated YAML
    Column("sha256", String(64), nullable=False),
    Column("origin", Text, nullable=False),
    Column("registered_at", DateTime(timezone=True), nullable=False),
)

ownership_import = Table(
    "ownership_import",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("origin", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("row_count", Integer, nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
)

ownership_link = Table(
    "ownership_link",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("import_id", Integer, ForeignKey("ownership_import.id"), nullable=False),
    Column("line", Integer, nullable=False),
    Column("owner", String(500), nullable=False),
    Column("owned", String(500), nullable=False),
    Column("owner_key", String(500), nullable=False),
    Column("owned_key", String(500), nullable=False),
    Column("percentage", String(20), nullable=False),  # decimal text: exact
    Column("valid_from", Date, nullable=True),
    Column("valid_until", Date, nullable=True),
)
Index("ix_ownership_link_import", ownership_link.c.import_id)

cap_counter = Table(
    "cap_counter",
    metadata,
    Column("family", String(100), nullable=False),
    Column("holder", String(200), nullable=False),
    Column("period", String(50), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("family", "holder", "period", name="pk_cap_counter"),
)

recorded_decision = Table(
    "recorded_decision",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("transaction_id", String(200), nullable=False, unique=True),
    Column("transaction_sha256", String(64), nullable=False),
    Column("decision", String(12), nullable=False),
    Column("body", Text, nullable=False),  # Decision.to_dict() as JSON
    Column("decided_at", DateTime(timezone=True), nullable=False),
)

ledger_entry = Table(
    "ledger_entry",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("family", String(100), nullable=False),
    Column("holder", String(200), nullable=False),
    Column("period", String(50), nullable=False),
    Column("license", String(100), nullable=False),
    Column("transaction_id", String(200), nullable=False),
    # The transaction id for a drawdown, `reversal:<entry id>` for a reversal.
    Column("idempotency_key", String(250), nullable=False),
    Column("kind", String(10), nullable=False),  # drawdown | reversal
    Column("amount_cents", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("reverses_id", Integer, ForeignKey("ledger_entry.id"), nullable=True),
    Column("decision_id", Integer, ForeignKey("recorded_decision.id"), nullable=True),
    Column("note", Text, nullable=True),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint(
        "idempotency_key", "family", "holder", "period", name="uq_ledger_entry_idempotency"
    ),
)
Index("ix_ledger_entry_cap", ledger_entry.c.family, ledger_entry.c.holder, ledger_entry.c.period)
Index("ix_ledger_entry_transaction", ledger_entry.c.transaction_id)
