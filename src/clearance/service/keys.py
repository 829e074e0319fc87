"""Use cases of API keys: create, list, revoke, authenticate.

Creating and revoking a key are audited: the `api_key` row and its audit record commit in one
unit of work, so there is never a key without its record. The key itself is returned once by
`create_key` and stored only as a hash (see `clearance.access.tokens` for why SHA-256
suffices). The actor is the handle's: the admin's key name over HTTP, `$USER` on the CLI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from clearance.access.roles import Role
from clearance.access.store import (
    KeyInfo,
    Principal,
    active_key_row,
    insert_key,
    key_by_prefix,
    key_rows,
    mark_revoked,
)
from clearance.access.tokens import AccessError, hash_matches, key_prefix, new_key
from clearance.service.handle import Clearance
from clearance.service.uow import unit_of_work

__all__ = [
    "KEY_CREATED",
    "KEY_REVOKED",
    "CreatedKey",
    "KeyInfo",
    "Principal",
    "authenticate",
    "create_key",
    "list_keys",
    "revoke_key",
]

KEY_CREATED = "api_key_created"
KEY_REVOKED = "api_key_revoked"

_NAME = re.compile(r"^[^\x00-\x1f\x7f]{1,100}$")


@dataclass(frozen=True, slots=True)
class CreatedKey:
    key: str  # shown once
    info: KeyInfo
    audit_seq: int

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "name": self.info.name, "role": self.info.role.value}


def _checked_name(name: str) -> str:
    clean = name.strip()
    if not _NAME.match(clean):
        raise AccessError("a key name is 1 to 100 characters, without control characters")
    return clean


def create_key(app: Clearance, *, name: str, role: Role) -> CreatedKey:
    """A new key for `role`; refused when an active key already has `name`."""
    name = _checked_name(name)
    material = new_key()
    now = datetime.now(UTC)
    try:
        with unit_of_work(app.engine) as uow:
            if active_key_row(uow.conn, name) is not None:
                raise AccessError(f"an active key is already named {name!r}")
            insert_key(uow.conn, name, role, material, now, app.actor)
            payload = {"name": name, "role": role.value, "prefix": material.prefix}
            record = uow.record(KEY_CREATED, payload, app)
    except IntegrityError as exc:  # a concurrent create of the same name
        raise AccessError(f"an active key is already named {name!r}") from exc
    info = KeyInfo(name, role, material.prefix, now, app.actor)
    return CreatedKey(material.key, info, record.seq)


def list_keys(app: Clearance, *, include_revoked: bool = True) -> tuple[KeyInfo, ...]:
    return key_rows(app.engine, include_revoked=include_revoked)


def revoke_key(app: Clearance, name: str) -> KeyInfo:
    """Revoke the active key named `name`; it stops authenticating at once."""
    with unit_of_work(app.engine) as uow:
        row = active_key_row(uow.conn, name)
        if row is None:
            raise AccessError(f"no active key named {name!r}")
        info = mark_revoked(uow.conn, row, datetime.now(UTC), app.actor)
        payload = {"name": name, "role": info.role.value, "prefix": info.prefix}
        uow.record(KEY_REVOKED, payload, app)
    return info


def authenticate(app: Clearance, key: str) -> Principal | None:
    """The caller behind `key`, or None for a malformed, unknown or revoked key."""
    prefix = key_prefix(key)
    if prefix is None:
        return None
    stored = key_by_prefix(app.engine, prefix)
    if stored is None or stored.revoked or not hash_matches(key, stored.sha256):
        return None
    return Principal(stored.name, stored.role)
