"""SQLAlchemy Core tables of the monitoring area (mirrors migration 0007_monitoring).

The party book:

* `book_party`: one row per customer record, keyed by the customer's own id. `revision` is the
  book revision of its last change, `created_revision` of its first import; a monitor run
  screens again only parties whose revision is newer than the book revision it last saw.
* `book_state`: one row, the book's revision counter; every import or removal that changes
  something takes the next number (under the row's lock).

The monitor:

* `monitor_run`: one row per run: the list versions and book revision it covered, counts, the
  audit record that holds its alerts.
* `monitor_party`, `monitor_posting`, `monitor_token`: the book's names as the runs analysed
  them (the reverse index): per party its analysed tokens and exact key, per token the parties
  holding it, per distinct token its sound key and symbols. A derived cache, keyed by the
  party's revision: rows of a party that changed since are ignored until a run rewrites them.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from clearance.store.tables import metadata

book_party = Table(
    "book_party",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("name", Text, nullable=False),
    Column("type", String(20), nullable=False),
    Column("country", String(2), nullable=True),
    Column("dob", String(10), nullable=True),
    Column("identifiers", Text, nullable=False),  # canonical JSON list of {kind, value, country}
    Column("content_hash", String(64), nullable=False),  # of model.party_to_dict
    Column("created_revision", Integer, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
Index("ix_book_party_revision", book_party.c.revision)

book_state = Table(
    "book_state",
    metadata,
    Column("id", Integer, primary_key=True),  # always 1
    Column("revision", Integer, nullable=False),
)

monitor_run = Table(
    "monitor_run",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(10), nullable=False),  # first, delta, full
    Column("previous_run", Integer, nullable=True),
    Column("as_of", Date, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=False),
    Column("book_revision", Integer, nullable=False),
    Column("algorithm", String(100), nullable=False),
    Column("review_threshold", Float, nullable=False),
    Column("list_versions", Text, nullable=False),  # JSON [{"id", "list"}]
    Column("parties", Integer, nullable=False),
    Column("screened", Integer, nullable=False),
    Column("new_alerts", Integer, nullable=False),
    Column("summary", Text, nullable=False),  # JSON: what was screened how, alert ids
    Column("audit_seq", Integer, nullable=False),
    Column("actor", String(200), nullable=False),
)

monitor_party = Table(
    "monitor_party",
    metadata,
    Column("party_id", String(200), primary_key=True),
    Column("revision", Integer, nullable=False),  # book_party.revision that was analysed
    Column("tokens", Text, nullable=False),  # the analysed name's tokens, space-separated
    Column("legal_words", Text, nullable=False),
    Column("exact_key", String(64), nullable=False),  # SHA-256 of the order-free exact form
)
Index("ix_monitor_party_exact_key", monitor_party.c.exact_key)

monitor_posting = Table(
    "monitor_posting",
    metadata,
    Column("token", Text, nullable=False),
    Column("party_id", String(200), nullable=False),
    PrimaryKeyConstraint("token", "party_id", name="pk_monitor_posting"),
)
Index("ix_monitor_posting_party", monitor_posting.c.party_id)

monitor_token = Table(
    "monitor_token",
    metadata,
    Column("token", Text, primary_key=True),
    Column("phonetic", String(100), nullable=True),
    Column("symbols", Text, nullable=False),  # space-separated
)
