"""The unit of work: one database transaction per use case, its audit record inside it.

    with unit_of_work(app.engine) as uow:
        usage = ledger.lock_caps(uow.conn, keys)      # work of the use case, on uow.conn
        ...
        uow.record(DECISION, payload, app)             # the audit record, same transaction

Everything written on `uow.conn` — cap drawdowns, alerts, a list version, the audit record and
the chain head — commits together or not at all: a crash at any point leaves either all of it
or none of it (tests/service/test_crash.py kills the process between the drawdown and the
record to show it).

Locks are taken in one order so that use cases never wait on each other in a cycle: the write
transaction itself (SQLite's database lock), then caps (PostgreSQL row locks, in key order),
then the chain head, which `record` locks on first use.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine

from clearance.audit.chain import AuditRecord, ChainWriter, audit_key, open_writer
from clearance.audit.records import event_payload
from clearance.store.db import begin_write

if TYPE_CHECKING:
    from clearance.service.handle import Clearance


@dataclass
class UnitOfWork:
    conn: Connection
    _writer: ChainWriter | None = None

    @property
    def writer(self) -> ChainWriter:
        """The audit chain, locked on first use (after any cap locks the use case took)."""
        if self._writer is None:
            self._writer = open_writer(self.conn)
        return self._writer

    def record(self, kind: str, payload: Mapping[str, Any], app: Clearance) -> AuditRecord:
        """Append the use case's audit record, with the settings and their sources (MAC'd with
        the audit key, when the settings name one)."""
        return self.writer.append(
            kind,
            event_payload(payload, app.loaded),
            actor=app.actor,
            key=audit_key(app.settings),
        )

    def record_all(
        self, kind: str, payloads: Sequence[Mapping[str, Any]], app: Clearance
    ) -> list[AuditRecord]:
        """`record` for each payload in turn, written with one statement (a batch of
        screenings: one record each)."""
        # The settings as recorded, described once for the batch (each record holds them).
        described = app.loaded.described()
        return self.writer.append_all(
            kind,
            [{"settings": described, **p} for p in payloads],
            actor=app.actor,
            key=audit_key(app.settings),
        )


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[UnitOfWork]:
    """A write transaction; commits when the block ends normally, else rolls back."""
    with engine.connect() as conn, conn.begin():
        begin_write(conn)
        uow = UnitOfWork(conn)
        yield uow
        if uow._writer is not None:
            uow._writer.save_head()
