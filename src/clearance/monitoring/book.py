"""The party book: customer records kept by their own id, with a revision per change.

Rows in, rows out; the use cases (one unit of work each, audited) are in
`clearance.service.monitoring`. Every import or removal that changes the book takes the next
book revision (`next_revision`, under the lock of the `book_state` row) and stamps it on the
parties it inserted or changed, so that a monitor run finds what changed since the revision it
last saw with one indexed query.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Row, delete, func, insert, select, update

from clearance.model import EntryType, Identifier, Party, content_hash, party_to_dict
from clearance.monitoring.tables import (
    book_party,
    book_state,
    monitor_party,
    monitor_posting,
)

__all__ = [
    "IN_CHUNK",
    "BookError",
    "BookParty",
    "Upserted",
    "book_party_of",
    "book_revision",
    "changed_since",
    "count_parties",
    "get_party",
    "ids_not_in",
    "iter_book",
    "list_parties",
    "lock_book",
    "missing_ids",
    "next_revision",
    "parties_by_id",
    "party_content_hash",
    "remove_parties",
    "row_party",
    "upsert_parties",
]

# Rows per IN (...) list: well under every backend's limit on bound parameters.
IN_CHUNK = 500


class BookError(ValueError):
    """Input the book cannot take (a bad file or row, an unknown party id)."""


@dataclass(frozen=True, slots=True)
class BookParty:
    """A party of the book, with the revisions that tell the monitor what is new."""

    id: str
    party: Party
    revision: int  # the book revision of its last change
    created_revision: int  # the book revision of its first import
    created_at: datetime
    updated_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "party": party_to_dict(self.party),
            "revision": self.revision,
            "created_revision": self.created_revision,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _identifiers_json(party: Party) -> str:
    return json.dumps(
        [{"kind": i.kind, "value": i.value, "country": i.country} for i in party.identifiers],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def row_party(m: Any) -> Party:
    """The `Party` of a `book_party` row mapping (its fields were validated at import)."""
    return Party(
        name=m["name"],
        type=EntryType(m["type"]),
        country=m["country"],
        dob=m["dob"],
        identifiers=tuple(Identifier(**i) for i in json.loads(m["identifiers"])),
    )


def book_party_of(row: Row[Any]) -> BookParty:
    m = row._mapping
    return BookParty(
        id=m["id"],
        party=row_party(m),
        revision=int(m["revision"]),
        created_revision=int(m["created_revision"]),
        created_at=_utc(m["created_at"]),
        updated_at=_utc(m["updated_at"]),
    )


def party_content_hash(party: Party) -> str:
    """What tells a re-imported party apart from the stored one: its whole wire form."""
    return content_hash(party_to_dict(party))


# --- revisions -------------------------------------------------------------------------------


def book_revision(bind: Engine | Connection) -> int:
    query = select(book_state.c.revision).where(book_state.c.id == 1)
    if isinstance(bind, Connection):
        return int(bind.scalar(query) or 0)
    with bind.connect() as conn:
        return int(conn.scalar(query) or 0)


def lock_book(conn: Connection) -> int:
    """Lock the book (the `book_state` row) for the transaction; its current revision."""
    current = conn.scalar(
        select(book_state.c.revision).where(book_state.c.id == 1).with_for_update()
    )
    return int(current or 0)


def next_revision(conn: Connection) -> int:
    """Lock the book (the `book_state` row) and take the next revision number."""
    revision = lock_book(conn) + 1
    conn.execute(update(book_state).where(book_state.c.id == 1).values(revision=revision))
    return revision


# --- writing ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Upserted:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def __add__(self, other: Upserted) -> Upserted:
        return Upserted(
            self.inserted + other.inserted,
            self.updated + other.updated,
            self.unchanged + other.unchanged,
        )


def _stored_hashes(conn: Connection, ids: Sequence[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for start in range(0, len(ids), IN_CHUNK):
        rows = conn.execute(
            select(book_party.c.id, book_party.c.content_hash).where(
                book_party.c.id.in_(ids[start : start + IN_CHUNK])
            )
        )
        found.update({r.id: r.content_hash for r in rows})
    return found


def upsert_parties(
    conn: Connection, parties: Sequence[tuple[str, Party]], revision: int, now: datetime
) -> Upserted:
    """Insert new ids, update those whose content differs; identical rows are left alone."""
    stored = _stored_hashes(conn, [party_id for party_id, _ in parties])
    new: list[dict[str, Any]] = []
    changed = 0
    unchanged = 0
    for party_id, party in parties:
        digest = party_content_hash(party)
        values = {
            "name": party.name,
            "type": party.type.value,
            "country": party.country,
            "dob": party.dob,
            "identifiers": _identifiers_json(party),
            "content_hash": digest,
            "revision": revision,
            "updated_at": now,
        }
        known = stored.get(party_id)
        if known is None:
            new.append(values | {"id": party_id, "created_revision": revision, "created_at": now})
        elif known == digest:
            unchanged += 1
        else:
            conn.execute(update(book_party).where(book_party.c.id == party_id).values(**values))
            changed += 1
    if new:
        conn.execute(insert(book_party), new)
    return Upserted(len(new), changed, unchanged)


def remove_parties(conn: Connection, ids: Sequence[str]) -> int:
    """Delete parties (and what the monitor keeps of their names); returns how many."""
    removed = 0
    for start in range(0, len(ids), IN_CHUNK):
        chunk = list(ids[start : start + IN_CHUNK])
        removed += conn.execute(delete(book_party).where(book_party.c.id.in_(chunk))).rowcount
        conn.execute(delete(monitor_posting).where(monitor_posting.c.party_id.in_(chunk)))
        conn.execute(delete(monitor_party).where(monitor_party.c.party_id.in_(chunk)))
    return int(removed)


def missing_ids(conn: Connection, ids: Sequence[str]) -> list[str]:
    """Those of `ids` that the book does not hold."""
    known: set[str] = set()
    for start in range(0, len(ids), IN_CHUNK):
        known.update(
            conn.scalars(
                select(book_party.c.id).where(book_party.c.id.in_(ids[start : start + IN_CHUNK]))
            )
        )
    return [i for i in ids if i not in known]


def ids_not_in(conn: Connection, keep: set[str]) -> list[str]:
    """Every stored id that `keep` lacks (what a sync import removes)."""
    rows = conn.execute(select(book_party.c.id).execution_options(yield_per=10_000))
    return [r.id for r in rows if r.id not in keep]


# --- reading ---------------------------------------------------------------------------------


def count_parties(bind: Engine | Connection) -> int:
    query = select(func.count()).select_from(book_party)
    if isinstance(bind, Connection):
        return int(bind.scalar(query) or 0)
    with bind.connect() as conn:
        return int(conn.scalar(query) or 0)


def get_party(engine: Engine, party_id: str) -> BookParty:
    with engine.connect() as conn:
        row = conn.execute(select(book_party).where(book_party.c.id == party_id)).first()
    if row is None:
        raise BookError(f"no party {party_id!r} in the book")
    return book_party_of(row)


def list_parties(engine: Engine, *, after: str | None = None, limit: int = 100) -> list[BookParty]:
    """Parties in id order, `limit` of them after the id `after` (a page)."""
    query = select(book_party).order_by(book_party.c.id).limit(limit)
    if after is not None:
        query = query.where(book_party.c.id > after)
    with engine.connect() as conn:
        return [book_party_of(r) for r in conn.execute(query)]


def iter_book(engine: Engine, chunk: int = 5000) -> Iterator[list[BookParty]]:
    """The whole book in id order, a page at a time (each page its own short read)."""
    after: str | None = None
    while True:
        page = list_parties(engine, after=after, limit=chunk)
        if not page:
            return
        yield page
        after = page[-1].id


def changed_since(engine: Engine, revision: int) -> list[BookParty]:
    """Parties inserted or changed after book revision `revision`, in id order."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(book_party).where(book_party.c.revision > revision).order_by(book_party.c.id)
        )
        return [book_party_of(r) for r in rows]


def parties_by_id(conn: Connection, ids: Iterable[str]) -> dict[str, BookParty]:
    wanted = list(ids)
    found: dict[str, BookParty] = {}
    for start in range(0, len(wanted), IN_CHUNK):
        rows = conn.execute(
            select(book_party).where(book_party.c.id.in_(wanted[start : start + IN_CHUNK]))
        )
        found.update({r.id: book_party_of(r) for r in rows})
    return found
