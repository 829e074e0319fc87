"""API keys: create, list, revoke, authenticate.

Creating and revoking a key are audited: the `api_key` row and its audit record commit in one
transaction under the chain lock (`locked_chain`), so there is never a key without its record.
The key itself is returned once by `create_key` and stored only as a hash (see
`clearance.access.tokens` for why SHA-256 suffices).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Row, and_, insert, select, update
from sqlalchemy.exc import IntegrityError

from clearance.access.roles import Permission, Role, permissions_of
from clearance.access.tables import api_key
from clearance.access.tokens import AccessError, hash_matches, key_prefix, new_key
from clearance.audit.chain import locked_chain
from clearance.audit.records import record_event_in
from clearance.settings import LoadedSettings

KEY_CREATED = "api_key_created"
KEY_REVOKED = "api_key_revoked"

_NAME = re.compile(r"^[^\x00-\x1f\x7f]{1,100}$")


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
class CreatedKey:
    key: str  # shown once
    info: KeyInfo
    audit_seq: int

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "name": self.info.name, "role": self.info.role.value}


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


def _info(row: Row[Any]) -> KeyInfo:
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


def _checked_name(name: str) -> str:
    clean = name.strip()
    if not _NAME.match(clean):
        raise AccessError("a key name is 1 to 100 characters, without control characters")
    return clean


def create_key(
    engine: Engine, *, name: str, role: Role, loaded: LoadedSettings, actor: str | None = None
) -> CreatedKey:
    """A new key for `role`; refused when an active key already has `name`."""
    name = _checked_name(name)
    by = actor or loaded.settings.actor
    material = new_key()
    now = datetime.now(UTC)
    try:
        with locked_chain(engine) as writer:
            taken = writer.conn.scalar(
                select(api_key.c.id).where(
                    and_(api_key.c.name == name, api_key.c.revoked_at.is_(None))
                )
            )
            if taken is not None:
                raise AccessError(f"an active key is already named {name!r}")
            writer.conn.execute(
                insert(api_key).values(
                    name=name,
                    role=role.value,
                    prefix=material.prefix,
                    sha256=material.sha256,
                    created_at=now,
                    created_by=by,
                )
            )
            payload = {"name": name, "role": role.value, "prefix": material.prefix}
            record = record_event_in(writer, KEY_CREATED, payload, settings=loaded, actor=by)
    except IntegrityError as exc:  # a concurrent create of the same name
        raise AccessError(f"an active key is already named {name!r}") from exc
    info = KeyInfo(name, role, material.prefix, now, by)
    return CreatedKey(material.key, info, record.seq)


def list_keys(engine: Engine, *, include_revoked: bool = True) -> tuple[KeyInfo, ...]:
    query = select(api_key).order_by(api_key.c.created_at, api_key.c.id)
    if not include_revoked:
        query = query.where(api_key.c.revoked_at.is_(None))
    with engine.connect() as conn:
        return tuple(_info(row) for row in conn.execute(query))


def revoke_key(
    engine: Engine, name: str, *, loaded: LoadedSettings, actor: str | None = None
) -> KeyInfo:
    """Revoke the active key named `name`; it stops authenticating at once."""
    by = actor or loaded.settings.actor
    now = datetime.now(UTC)
    with locked_chain(engine) as writer:
        row = writer.conn.execute(
            select(api_key).where(and_(api_key.c.name == name, api_key.c.revoked_at.is_(None)))
        ).first()
        if row is None:
            raise AccessError(f"no active key named {name!r}")
        writer.conn.execute(
            update(api_key)
            .where(api_key.c.id == row._mapping["id"])
            .values(revoked_at=now, revoked_by=by)
        )
        payload = {"name": name, "role": row._mapping["role"], "prefix": row._mapping["prefix"]}
        record_event_in(writer, KEY_REVOKED, payload, settings=loaded, actor=by)
    info = _info(row)
    return KeyInfo(info.name, info.role, info.prefix, info.created_at, info.created_by, now, by)


def authenticate(engine: Engine, key: str) -> Principal | None:
    """The caller behind `key`, or None for a malformed, unknown or revoked key."""
    prefix = key_prefix(key)
    if prefix is None:
        return None
    with engine.connect() as conn:
        row = conn.execute(
            select(api_key.c.name, api_key.c.role, api_key.c.sha256, api_key.c.revoked_at).where(
                api_key.c.prefix == prefix
            )
        ).first()
    if row is None or row.revoked_at is not None or not hash_matches(key, row.sha256):
        return None
    return Principal(row.name, Role(row.role))
