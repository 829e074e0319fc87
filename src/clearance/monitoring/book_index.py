"""The book's names as monitor runs analysed them: the reverse index, kept in the store.

When a run screens a party forward it keeps the party's analysed name (`PartyForm`): its
tokens, legal-form words and order-free exact key (`monitor_party`), a posting per token
(`monitor_posting`), and for every token not seen before its sound key and symbols
(`monitor_token`). A later run reads these instead of the whole book: from the tokens of new
or changed list entries to the book tokens that resemble them (reverse.py), to the parties that
hold those tokens. Rows are keyed by the party's revision; a party changed since is screened
forward again, which rewrites them.

Nothing here depends on the list versions or the scorer's numbers: the keys kept are the raw
facts (metaphone key, rigour symbols) that retrieval's doors are made of.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, delete, insert, or_, select

from clearance.model import Party
from clearance.monitoring.book import IN_CHUNK, row_party
from clearance.monitoring.tables import book_party, monitor_party, monitor_posting, monitor_token
from clearance.names import NameForm, phonetic_key, token_info
from clearance.text import BIDI_CONTROLS

__all__ = [
    "IndexedParty",
    "PartyForm",
    "Vocabulary",
    "exact_key",
    "indexed_parties",
    "load_vocabulary",
    "parties_holding",
    "parties_with_keys",
    "write_forms",
]


def exact_key(key: str) -> str:
    """The stored form of a `NameForm.key` (hashed: names may be long)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class PartyForm:
    """A party's name as a run analysed it, for the reverse index."""

    party_id: str
    revision: int
    tokens: tuple[str, ...]
    legal_words: tuple[str, ...]
    key: str

    @classmethod
    def of(cls, party_id: str, revision: int, form: NameForm) -> PartyForm:
        return cls(party_id, revision, form.tokens, form.legal_words, form.key)


def _token_row(token: str) -> dict[str, Any]:
    return {
        "token": token,
        "phonetic": phonetic_key(token),
        "symbols": " ".join(sorted(token_info(token).symbols)),
    }


def _new_tokens(conn: Connection, tokens: set[str]) -> list[str]:
    wanted = sorted(tokens)
    known: set[str] = set()
    for start in range(0, len(wanted), IN_CHUNK):
        known.update(
            conn.scalars(
                select(monitor_token.c.token).where(
                    monitor_token.c.token.in_(wanted[start : start + IN_CHUNK])
                )
            )
        )
    return [t for t in wanted if t not in known]


def write_forms(conn: Connection, forms: Sequence[PartyForm]) -> None:
    """Replace what the index holds for these parties with their new forms."""
    ids = [f.party_id for f in forms]
    for start in range(0, len(ids), IN_CHUNK):
        chunk = ids[start : start + IN_CHUNK]
        conn.execute(delete(monitor_posting).where(monitor_posting.c.party_id.in_(chunk)))
        conn.execute(delete(monitor_party).where(monitor_party.c.party_id.in_(chunk)))
    if not forms:
        return
    conn.execute(
        insert(monitor_party),
        [
            {
                "party_id": f.party_id,
                "revision": f.revision,
                "tokens": " ".join(f.tokens),
                "legal_words": " ".join(f.legal_words),
                "exact_key": exact_key(f.key),
            }
            for f in forms
        ],
    )
    postings = [{"token": t, "party_id": f.party_id} for f in forms for t in set(f.tokens)]
    if postings:
        conn.execute(insert(monitor_posting), postings)
    fresh = _new_tokens(conn, {t for f in forms for t in f.tokens})
    if fresh:
        conn.execute(insert(monitor_token), [_token_row(t) for t in fresh])


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Every distinct token of the book's analysed names, with the keys retrieval uses."""

    tokens: tuple[str, ...]
    by_sound: dict[str, list[str]]
    by_symbol: dict[str, list[str]]
    symbols: dict[str, frozenset[str]]  # every token's rigour symbols (most have none)


def load_vocabulary(conn: Connection) -> Vocabulary:
    tokens: list[str] = []
    by_sound: dict[str, list[str]] = defaultdict(list)
    by_symbol: dict[str, list[str]] = defaultdict(list)
    symbols_of: dict[str, frozenset[str]] = {}
    none: frozenset[str] = frozenset()
    rows = conn.execute(
        select(monitor_token.c.token, monitor_token.c.phonetic, monitor_token.c.symbols)
    )
    for token, sound, symbols in rows:
        tokens.append(token)
        if sound:
            by_sound[sound].append(token)
        split = symbols.split()
        symbols_of[token] = frozenset(split) if split else none
        for symbol in split:
            by_symbol[symbol].append(token)
    return Vocabulary(tuple(tokens), dict(by_sound), dict(by_symbol), symbols_of)


def parties_holding(conn: Connection, tokens: Iterable[str]) -> set[str]:
    """Ids of the parties whose analysed name holds one of `tokens`."""
    wanted = sorted(set(tokens))
    found: set[str] = set()
    for start in range(0, len(wanted), IN_CHUNK):
        found.update(
            conn.scalars(
                select(monitor_posting.c.party_id)
                .where(monitor_posting.c.token.in_(wanted[start : start + IN_CHUNK]))
                .distinct()
            )
        )
    return found


def parties_with_keys(conn: Connection, keys: Iterable[str]) -> set[str]:
    """Ids of the parties whose exact key is one of `keys` (`NameForm.key` values)."""
    wanted = sorted({exact_key(k) for k in keys})
    found: set[str] = set()
    for start in range(0, len(wanted), IN_CHUNK):
        found.update(
            conn.scalars(
                select(monitor_party.c.party_id).where(
                    monitor_party.c.exact_key.in_(wanted[start : start + IN_CHUNK])
                )
            )
        )
    return found


def parties_with_bidi_controls(conn: Connection) -> set[str]:
    """Ids of the parties whose name holds a bidi control: a version that screens such a name
    as displayed too reaches them by a reading the reverse index does not hold."""
    holds = or_(*(book_party.c.name.contains(c) for c in sorted(BIDI_CONTROLS)))
    return set(conn.scalars(select(book_party.c.id).where(holds)))


@dataclass(frozen=True, slots=True)
class IndexedParty:
    """A party of the book with its analysed name as the index holds it."""

    party_id: str
    party: Party
    tokens: tuple[str, ...]
    legal_words: tuple[str, ...]


def indexed_parties(
    conn: Connection, ids: Iterable[str], *, max_revision: int
) -> Iterator[IndexedParty]:
    """The parties among `ids` unchanged since book revision `max_revision` whose index rows
    are of their current revision (a party changed since is not the reverse index's), read
    a few hundred at a time."""
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), IN_CHUNK):
        rows = conn.execute(
            select(
                book_party.c.id,
                book_party.c.name,
                book_party.c.type,
                book_party.c.country,
                book_party.c.dob,
                book_party.c.identifiers,
                monitor_party.c.tokens,
                monitor_party.c.legal_words,
            )
            .join(
                monitor_party,
                and_(
                    monitor_party.c.party_id == book_party.c.id,
                    monitor_party.c.revision == book_party.c.revision,
                ),
            )
            .where(
                and_(
                    book_party.c.id.in_(wanted[start : start + IN_CHUNK]),
                    book_party.c.revision <= max_revision,
                )
            )
            .order_by(book_party.c.id)
        )
        for row in rows.all():
            m = row._mapping
            yield IndexedParty(
                m["id"],
                row_party(m),
                tuple(m["tokens"].split()),
                tuple(m["legal_words"].split()),
            )
