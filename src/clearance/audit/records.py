"""Writing, reading, exporting and purging audit records.

`record_event` is the one door every screening, decision and review goes through. Purge is
the only path that deletes: it runs under the chain lock, refuses cut-off dates younger than
the retention period, verifies the chain first, appends a `purge_marker` (MAC'd when there is
an audit key) naming the range, the cut-off and the anchor, and then deletes the range — which
the database's delete trigger only lets through because that marker covers it.
"""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal, TextIO

from sqlalchemy import Connection, Engine, and_, delete, func, insert, select

from clearance.audit.chain import (
    PURGE_MARKER,
    AuditError,
    AuditNotFound,
    AuditRecord,
    ChainWriter,
    append_record,
    as_utc,
    audit_key,
    locked_chain,
    row_to_record,
    today_utc,
    utc_iso,
    verify_connection,
    years_before,
)
from clearance.audit.tables import audit_record, rules_snapshot
from clearance.model import canonical_json
from clearance.settings import LoadedSettings

# Record kinds written by clearance itself.
SCREENING = "screening"
SCREENING_BATCH = "screening_batch"
DECISION = "decision"
REVIEW = "review"
LIST_IMPORT = "list_import"
LICENSE = "license"
LEDGER = "ledger"
OWNERSHIP = "ownership"
# Ongoing monitoring (clearance.service.monitoring).
PARTY_IMPORT = "party_import"
PARTY_REMOVE = "party_remove"
MONITOR_RUN = "monitor_run"
# People of the web UI (clearance.service.users).
USER_CREATED = "user_created"
USER_DISABLED = "user_disabled"
USER_SIGNED_IN = "user_signed_in"
USER_SIGNED_OUT = "user_signed_out"

EXPORT_COLUMNS = (
    "seq",
    "id",
    "kind",
    "created_at",
    "actor",
    "prev_hash",
    "hash",
    "payload",
    "mac",
)
# Exports written before the chain was keyed have no `mac` column; they still read.
_UNKEYED_EXPORT_COLUMNS = EXPORT_COLUMNS[:-1]


def event_payload(payload: Mapping[str, Any], settings: LoadedSettings) -> dict[str, Any]:
    """The payload as recorded: the caller's content plus every setting and its source."""
    body = dict(payload)
    body.setdefault("settings", settings.described())
    return body


def record_event(
    engine: Engine, kind: str, payload: Mapping[str, Any], *, settings: LoadedSettings, actor: str
) -> AuditRecord:
    """Append one record (its own transaction) and return it as stored."""
    return append_record(
        engine,
        kind,
        event_payload(payload, settings),
        actor=actor,
        key=audit_key(settings.settings),
    )


def record_event_in(
    writer: ChainWriter,
    kind: str,
    payload: Mapping[str, Any],
    *,
    settings: LoadedSettings,
    actor: str,
) -> AuditRecord:
    """Append inside an open `locked_chain`, so other writes commit with the record."""
    return writer.append(
        kind, event_payload(payload, settings), actor=actor, key=audit_key(settings.settings)
    )


def get_record(engine: Engine, ref: str | int) -> AuditRecord:
    """A record by its seq number or its id (a uuid, or an unambiguous prefix of at least 8)."""
    key = str(ref).strip().lower()
    row = None
    with engine.connect() as conn:
        if key.isdigit():
            row = conn.execute(select(audit_record).where(audit_record.c.seq == int(key))).first()
        # An id prefix may be all digits too: fall back to it when no record has that number.
        if row is None and len(key) >= 8:
            rows = conn.execute(
                select(audit_record)
                .where(audit_record.c.id.startswith(key, autoescape=True))
                .limit(2)
            ).all()
            if len(rows) > 1:
                raise AuditError(f"audit record id prefix {key!r} is ambiguous")
            row = rows[0] if rows else None
        elif row is None and not key.isdigit():
            raise AuditError(f"{key!r} is neither a record number nor a record id")
    if row is None:
        raise AuditNotFound(f"no audit record {key}")
    return row_to_record(row)


def _bounds(start: date | None, end: date | None) -> list[Any]:
    conditions: list[Any] = []
    if start is not None:
        conditions.append(audit_record.c.created_at >= datetime.combine(start, time(), UTC))
    if end is not None and end < date.max:  # --to is inclusive: the whole day
        conditions.append(
            audit_record.c.created_at < datetime.combine(end, time(), UTC) + timedelta(days=1)
        )
    return conditions


def iter_records(
    engine: Engine,
    *,
    start: date | None = None,
    end: date | None = None,
    kinds: Sequence[str] | None = None,
    after: int | None = None,
    limit: int | None = None,
) -> Iterator[AuditRecord]:
    """Records created on or after `start` and on or before `end` (UTC days), in seq order;
    `after` and `limit` page through them (records numbered above `after`, at most `limit`)."""
    conditions = _bounds(start, end)
    if kinds:
        conditions.append(audit_record.c.kind.in_(list(kinds)))
    if after is not None:
        conditions.append(audit_record.c.seq > after)
    query = select(audit_record).order_by(audit_record.c.seq)
    if limit is not None:
        query = query.limit(limit)
    if conditions:
        query = query.where(and_(*conditions))
    with engine.connect() as conn:
        rows = conn.execute(query.execution_options(stream_results=True, yield_per=2000))
        for row in rows:
            yield row_to_record(row)


ExportFormat = Literal["jsonl", "csv"]


def export_records(
    engine: Engine,
    out: TextIO,
    export_format: ExportFormat,
    *,
    start: date | None = None,
    end: date | None = None,
) -> int:
    """Write records to `out`; returns how many. Both formats keep prev_hash and hash, so an
    export of a whole chain segment can be verified on its own (`audit verify --file`)."""
    count = 0
    if export_format == "jsonl":
        for record in iter_records(engine, start=start, end=end):
            out.write(json.dumps(record.to_dict(), ensure_ascii=False, sort_keys=True) + "\n")
            count += 1
        return count
    if export_format != "csv":
        raise AuditError(f"unknown export format {export_format!r}")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for record in iter_records(engine, start=start, end=end):
        writer.writerow(
            (
                record.seq,
                record.id,
                record.kind,
                utc_iso(record.created_at),
                record.actor,
                record.prev_hash,
                record.hash,
                record.payload_text,
                record.mac or "",
            )
        )
        count += 1
    return count


def _export_lines(source: TextIO) -> Iterator[str]:
    """The export's lines; a file that is not UTF-8 is an AuditError, not a traceback."""
    number = 0
    try:
        for line in source:
            number += 1
            yield line
    except UnicodeDecodeError as exc:
        # Text files decode a block ahead, so the bad byte is on this line or a later one.
        raise AuditError(
            f"export line {number + 1} or later: not UTF-8 text ({exc.reason})"
        ) from exc


def read_export(source: TextIO) -> Iterator[AuditRecord]:
    """Records back from a jsonl or csv export (told apart by the first line)."""
    lines = _export_lines(source)
    first = next(lines, "")
    if not first:
        return
    if first.startswith("{"):
        for number, line in enumerate(itertools.chain([first], lines), start=1):
            if not line.strip():
                continue
            try:
                # TypeError: a JSON line that is not an object (`[1]`, `"x"`).
                yield AuditRecord.from_dict(json.loads(line))
            except (ValueError, KeyError, TypeError) as exc:
                raise AuditError(f"export line {number}: not an audit record ({exc})") from exc
        return
    header = tuple(next(csv.reader([first])))
    if header not in (EXPORT_COLUMNS, _UNKEYED_EXPORT_COLUMNS):
        raise AuditError(f"export line 1: expected the header {','.join(EXPORT_COLUMNS)}")
    for number, row in enumerate(csv.reader(lines), start=2):
        try:
            data = dict(zip(header, row, strict=True))
            yield AuditRecord.from_dict(data | {"payload": json.loads(data["payload"])})
        except (ValueError, KeyError, TypeError) as exc:
            raise AuditError(f"export row {number}: not an audit record ({exc})") from exc


# --- purge -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PurgeResult:
    before: date
    purged: int
    from_seq: int | None
    to_seq: int | None
    marker: AuditRecord | None  # None when nothing was old enough

    def to_dict(self) -> dict[str, Any]:
        return {
            "before": self.before.isoformat(),
            "purged": self.purged,
            "from_seq": self.from_seq,
            "to_seq": self.to_seq,
            "marker": self.marker.to_dict() if self.marker else None,
        }


def retention_limit(settings: LoadedSettings, today: date | None = None) -> date:
    """The youngest cut-off a purge may use: today minus the retention period."""
    return years_before(today or today_utc(), settings.settings.retention_years)


def purge(
    engine: Engine,
    before: date,
    *,
    settings: LoadedSettings,
    actor: str,
) -> PurgeResult:
    """Delete the records created before `before` (UTC), if it is past the retention period.

    Only a prefix of the chain is ever removed: records from the first one created on or after
    the cut-off onwards stay, even if a later one has an older clock reading. The marker is
    written first: the database's delete trigger lets a row go only under a marker covering it.
    """
    limit = retention_limit(settings)
    years = settings.settings.retention_years
    if before > limit:
        raise AuditError(
            f"refusing to purge records from before {before}: records must be kept "
            f"{years} years (retention_years), so the latest allowed cut-off is {limit}"
        )
    key = audit_key(settings.settings)
    cutoff = datetime.combine(before, time(), UTC)
    with locked_chain(engine) as writer:
        conn = writer.conn
        check = verify_connection(conn, key=key)
        if not check.ok:
            raise AuditError(
                f"refusing to purge: the audit chain does not verify ({check.problems[0]}); "
                "a purge would destroy the evidence"
            )
        lowest = conn.scalar(select(func.min(audit_record.c.seq)))
        first_kept = conn.scalar(
            select(func.min(audit_record.c.seq)).where(audit_record.c.created_at >= cutoff)
        )
        up_to = (int(first_kept) - 1) if first_kept is not None else writer.head_seq
        if lowest is None or up_to < int(lowest):
            return PurgeResult(before, 0, None, None, None)
        span = conn.execute(
            select(
                func.count(),
                func.min(audit_record.c.created_at),
                func.max(audit_record.c.created_at),
            ).where(audit_record.c.seq <= up_to)
        ).one()
        anchor = row_to_record(
            conn.execute(select(audit_record).where(audit_record.c.seq == up_to)).one()
        )
        marker = writer.append(
            PURGE_MARKER,
            event_payload(
                {
                    "before": before.isoformat(),
                    "retention_years": years,
                    "purged": {
                        "count": int(span[0]),
                        "from_seq": int(lowest),
                        "to_seq": up_to,
                        "first_created_at": utc_iso(as_utc(span[1])),
                        "last_created_at": utc_iso(as_utc(span[2])),
                    },
                    # The chain re-anchors here: the record after the purged prefix carries
                    # this hash as its prev_hash.
                    "anchor": {"seq": up_to, "hash": anchor.hash},
                },
                settings,
            ),
            actor=actor,
            key=key,
        )
        deleted = conn.execute(delete(audit_record).where(audit_record.c.seq <= up_to)).rowcount
        if deleted != int(span[0]):  # the trigger lets all through or refuses: a defect
            raise AuditError(f"purge deleted {deleted} records, expected {span[0]}")
    return PurgeResult(before, int(deleted), int(lowest), up_to, marker)


# --- rules snapshots -------------------------------------------------------------------------


def store_rules_snapshot(conn: Connection, version: str, body: Mapping[str, Any]) -> bool:
    """Keep a rules version's full content under its hash, once; True if stored now.

    Decisions cite rules by version hash; the snapshot lets them replay after the rule files
    changed.
    """
    exists = conn.scalar(select(rules_snapshot.c.hash).where(rules_snapshot.c.hash == version))
    if exists is not None:
        return False
    conn.execute(
        insert(rules_snapshot).values(
            hash=version, body=canonical_json(dict(body)), created_at=datetime.now(UTC)
        )
    )
    return True


def load_rules_snapshot(engine: Engine, version: str) -> dict[str, Any]:
    with engine.connect() as conn:
        body = conn.scalar(select(rules_snapshot.c.body).where(rules_snapshot.c.hash == version))
    if body is None:
        raise AuditError(f"no rules snapshot {version}: the rules this decision used are lost")
    data: dict[str, Any] = json.loads(body)
    return data
