"""What each list import contained, and the warnings a screening or decision owes its reader
about the list versions it rests on.

`list_content` holds one row per part a format publishes separately (OFAC CSV: `add.csv`,
`alt.csv`, `sdn_comments.csv`) per imported version: whether it was there and how many rows it
had. The importer fills it from the parser's `ParsedList.parts` in the import's transaction;
migration 0009 fills it for versions imported before, from the file names in `origin`.

Warnings (`list_warnings`), each naming the list and the version:

* `list-incomplete` - the version lacks a part its format has. An SDN set without `alt.csv`
  has no aliases: the FSB's Russian name (an alias) is not found on that version's dates.
* `list-stale` - the version in force is older than `max_age_days` on the date judged; or the
  store holds a later version of the list, but none in between although they are more than
  `max_age_days` apart, so the versions published meanwhile were not imported and the list
  as it stood on the date may differ from the one used.

Warnings depend only on the store and the date judged, never on the clock: the same request
against the same store warns the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Engine,
    ForeignKey,
    Integer,
    String,
    Table,
    and_,
    insert,
    select,
)

from clearance.model import ListPart, ListVersion
from clearance.store.tables import list_version, metadata

list_content = Table(
    "list_content",
    metadata,
    Column("version_id", Integer, ForeignKey("list_version.id"), primary_key=True),
    Column("part", String(40), primary_key=True),
    Column("file", String(200), nullable=False),
    Column("present", Boolean, nullable=False),
    Column("rows", Integer, nullable=True),
)

LIST_INCOMPLETE = "list-incomplete"
LIST_STALE = "list-stale"


def record_contents(conn: Connection, version_id: int, parts: Sequence[ListPart]) -> None:
    """Store what an import contained (inside the import's transaction)."""
    if parts:
        conn.execute(
            insert(list_content),
            [
                {
                    "version_id": version_id,
                    "part": p.name,
                    "file": p.file,
                    "present": p.present,
                    "rows": p.rows,
                }
                for p in parts
            ],
        )


def contents(bind: Engine | Connection, version_ids: Iterable[int]) -> dict[int, list[ListPart]]:
    ids = sorted(set(version_ids))
    if not ids:
        return {}
    query = (
        select(list_content)
        .where(list_content.c.version_id.in_(ids))
        .order_by(list_content.c.version_id, list_content.c.part)
    )
    out: dict[int, list[ListPart]] = {}
    if isinstance(bind, Connection):
        rows = bind.execute(query).all()
    else:
        with bind.connect() as conn:
            rows = conn.execute(query).all()
    for r in rows:
        out.setdefault(r.version_id, []).append(ListPart(r.part, r.file, r.present, r.rows))
    return out


@dataclass(frozen=True, slots=True)
class ListWarning:
    code: str  # list-incomplete | list-stale
    list: str
    version: int
    published: date
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "list": self.list,
            "version": self.version,
            "published": self.published.isoformat(),
            "text": self.text,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ListWarning:
        return cls(
            data["code"],
            data["list"],
            int(data["version"]),
            date.fromisoformat(data["published"]),
            data["text"],
        )

    def line(self) -> str:
        """The visible line for people: `WARNING list-stale: ...`."""
        return f"WARNING {self.code}: {self.text}"


def _name(version: ListVersion) -> str:
    return f"{version.list_name} version {version.id} of {version.published}"


def _incomplete(version: ListVersion, parts: Sequence[ListPart]) -> ListWarning | None:
    lacking = [p for p in parts if not p.present]
    if not lacking:
        return None
    what = ", ".join(f"{p.name} ({p.file})" for p in lacking)
    effect = (
        " Names published only as aliases are not screened against it."
        if any(p.name == "aliases" for p in lacking)
        else ""
    )
    return ListWarning(
        LIST_INCOMPLETE,
        version.list_name,
        version.id,
        version.published,
        f"{_name(version)} was imported without {what}, which its format publishes.{effect}",
    )


def _newer(conn: Connection, version: ListVersion) -> date | None:
    """The publication date of the next stored version of the list after `version`."""
    found: date | None = conn.scalar(
        select(list_version.c.published)
        .where(
            and_(
                list_version.c.list_name == version.list_name,
                list_version.c.published > version.published,
            )
        )
        .order_by(list_version.c.published)
        .limit(1)
    )
    return found


def _stale(
    conn: Connection, version: ListVersion, on: date, max_age_days: int
) -> ListWarning | None:
    age = (on - version.published).days
    if age > max_age_days:
        return ListWarning(
            LIST_STALE,
            version.list_name,
            version.id,
            version.published,
            f"{_name(version)} is the newest version in force on {on}, {age} days before it "
            f"(more than {max_age_days}): import the versions published since.",
        )
    following = _newer(conn, version)
    if following is not None and following > on:
        gap = (following - version.published).days
        if gap > max_age_days:
            return ListWarning(
                LIST_STALE,
                version.list_name,
                version.id,
                version.published,
                f"{_name(version)} is in force on {on} in this store, but the next stored "
                f"version is of {following}, {gap} days later: the versions published in "
                f"between were not imported, so the list as it stood on {on} may differ.",
            )
    return None


def list_warnings(
    bind: Engine | Connection, versions: Sequence[ListVersion], on: date, max_age_days: int
) -> list[ListWarning]:
    """The warnings owed on `versions` when judging `on` (see the module docstring)."""
    if not versions:
        return []
    parts = contents(bind, [v.id for v in versions])
    out: list[ListWarning] = []

    def scan(conn: Connection) -> None:
        for version in sorted(versions, key=lambda v: (v.list_name, v.id)):
            incomplete = _incomplete(version, parts.get(version.id, ()))
            if incomplete is not None:
                out.append(incomplete)
            stale = _stale(conn, version, on, max_age_days)
            if stale is not None:
                out.append(stale)

    if isinstance(bind, Connection):
        scan(bind)
    else:
        with bind.connect() as conn:
            scan(conn)
    return out
