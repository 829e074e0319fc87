"""The `api_key` table: rows in, rows out. Use cases (and their audit records) are in
`clearance.service.keys`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Row, and_, insert, select, update

from clearance.access.roles import Permission, Role, permissions_of
from clearance.access.tables import api_key
from clearance.access.tokens import KeyMaterial


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """A key as listed: everything but the key."""

    name: str
    role: Role
    prefix: str
    created_at: datetime
    created_by: str
    revoked_at: datetime | None = None
    revoked_by: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role.value,
            "prefix": self.prefix,
            "active": self.active,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "revoked_by": self.revoked_by,
        }


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: an active key's name and role."""

    name: str
    role: Role

    @property
    def permissions(self) -> frozenset[Permission]:
        return permissions_of(self.role)

    def may(self, permission: Permission) -> bool:
        return permission in self.permissions


def _utc(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:  # SQLite drops the zone; we store UTC
        return value.replace(tzinfo=UTC)
    return value


def key_info(row: Row[Any]) -> KeyInfo:
    m = row._mapping
    created = _utc(m["created_at"])
    assert created is not None
    return KeyInfo(
        name=m["name"],
        role=Role(m["role"]),
        prefix=m["prefix"],
        created_at=created,
        created_by=m["created_by"],
        revoked_at=_utc(m["revoked_at"]),
        revoked_by=m["revoked_by"],
    )


def active_key_row(conn: Connection, name: str) -> Row[Any] | None:
    return conn.execute(
        select(api_key).where(and_(api_key.c.name == name, api_key.c.revoked_at.is_(None)))
    ).first()


def insert_key(
    conn: Connection, name: str, role: Role, material: KeyMaterial, at: datetime, by: str
) -> None:
    conn.execute(
        insert(api_key).values(
            name=name,
            role=role.value,
            prefix=material.prefix,
            sha256=material.sha256,
            created_at=at,
            created_by=by,
        )
    )


def mark_revoked(conn: Connection, row: Row[Any], at: datetime, by: str) -> KeyInfo:
    conn.execute(
        update(api_key)
        .where(api_key.c.id == row._mapping["id"])
        .values(revoked_at=at, revoked_by=by)
    )
    info = key_info(row)
    return KeyInfo(info.name, info.role, info.prefix, info.created_at, info.created_by, at, by)


def key_rows(engine: Engine, *, include_revoked: bool) -> tuple[KeyInfo, ...]:
    query = select(api_key).order_by(api_key.c.created_at, api_key.c.id)
    if not include_revoked:
        query = query.where(api_key.c.revoked_at.is_(None))
    with engine.connect() as conn:
        return tuple(key_info(row) for row in conn.execute(query))


@dataclass(frozen=True, slots=True)
class StoredKey:
    name: str
    role: Role
    sha256: str
    revoked: bool


def key_by_prefix(engine: Engine, prefix: str) -> StoredKey | None:
    with engine.connect() as conn:
        row = conn.execute(
            select(api_key.c.name, api_key.c.role, api_key.c.sha256, api_key.c.revoked_at).where(
                api_key.c.prefix == prefix
            )
        ).first()
    if row is None:
        return None
    return StoredKey(row.name, Role(row.role), row.sha256, row.revoked_at is not None)
