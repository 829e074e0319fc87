"""People who sign in to the web UI: the `app_user` and `web_session` tables, password hashes.

Passwords are hashed with argon2id (argon2-cffi's `PasswordHasher`, its default parameters:
the winner of the Password Hashing Competition and OWASP's first choice). Unlike API keys (see
`tokens.py`), a password is chosen by a person and can be guessed, so the hash must be slow
and salted. A session is a random 256-bit token kept in a cookie; only its SHA-256 is stored,
beside the session's CSRF token and its expiry. The use cases (and their audit records) are
in `clearance.service.users`.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    Row,
    String,
    Table,
    and_,
    delete,
    insert,
    select,
    update,
)

from clearance.access.roles import Permission, Role, permissions_of
from clearance.store.tables import metadata

app_user = Table(
    "app_user",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("role", String(20), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("disabled_at", DateTime(timezone=True), nullable=True),
    Column("disabled_by", String(200), nullable=True),
)

web_session = Table(
    "web_session",
    metadata,
    Column("token_sha256", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

_HASHER = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified when the user name is unknown, so that a wrong name takes as long as a wrong
    password. Made on first use, not at import: an argon2 hash costs about a quarter of a CPU
    second, which every command of the CLI paid at start-up when it was made at import."""
    return _HASHER.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def password_matches(stored_hash: str | None, password: str) -> bool:
    """Constant work whether or not the user exists (`stored_hash` None: verify a dummy)."""
    try:
        return _HASHER.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's defaults."""
    return _HASHER.check_needs_rehash(stored_hash)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same_token(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def new_token() -> str:
    return secrets.token_urlsafe(32)


def _utc(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:  # SQLite drops the zone; we store UTC
        return value.replace(tzinfo=UTC)
    return value


@dataclass(frozen=True, slots=True)
class UserInfo:
    """A user as listed: everything but the password hash."""

    name: str
    role: Role
    created_at: datetime
    created_by: str
    disabled_at: datetime | None = None
    disabled_by: str | None = None

    @property
    def active(self) -> bool:
        return self.disabled_at is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role.value,
            "active": self.active,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "disabled_at": self.disabled_at.isoformat() if self.disabled_at else None,
            "disabled_by": self.disabled_by,
        }


@dataclass(frozen=True, slots=True)
class SessionUser:
    """The person behind a valid session cookie."""

    name: str
    role: Role
    csrf: str
    expires_at: datetime

    @property
    def permissions(self) -> frozenset[Permission]:
        return permissions_of(self.role)

    def may(self, permission: Permission) -> bool:
        return permission in self.permissions


def user_info(row: Row[Any]) -> UserInfo:
    m = row._mapping
    created = _utc(m["created_at"])
    assert created is not None
    return UserInfo(
        name=m["name"],
        role=Role(m["role"]),
        created_at=created,
        created_by=m["created_by"],
        disabled_at=_utc(m["disabled_at"]),
        disabled_by=m["disabled_by"],
    )


def user_row(conn: Connection, name: str) -> Row[Any] | None:
    return conn.execute(select(app_user).where(app_user.c.name == name)).first()


def insert_user(
    conn: Connection, name: str, role: Role, password_hash: str, at: datetime, by: str
) -> None:
    conn.execute(
        insert(app_user).values(
            name=name, role=role.value, password_hash=password_hash, created_at=at, created_by=by
        )
    )


def set_password_hash(conn: Connection, user_id: int, password_hash: str) -> None:
    conn.execute(
        update(app_user).where(app_user.c.id == user_id).values(password_hash=password_hash)
    )


def mark_disabled(conn: Connection, row: Row[Any], at: datetime, by: str) -> UserInfo:
    """Disable the user and end every session of theirs at once."""
    user_id = row._mapping["id"]
    conn.execute(
        update(app_user).where(app_user.c.id == user_id).values(disabled_at=at, disabled_by=by)
    )
    conn.execute(delete(web_session).where(web_session.c.user_id == user_id))
    info = user_info(row)
    return UserInfo(info.name, info.role, info.created_at, info.created_by, at, by)


def user_rows(engine: Engine) -> tuple[UserInfo, ...]:
    with engine.connect() as conn:
        rows = conn.execute(select(app_user).order_by(app_user.c.created_at, app_user.c.id))
        return tuple(user_info(row) for row in rows)


def insert_session(
    conn: Connection, token: str, user_id: int, csrf: str, at: datetime, expires: datetime
) -> None:
    conn.execute(
        insert(web_session).values(
            token_sha256=token_hash(token),
            user_id=user_id,
            csrf=csrf,
            created_at=at,
            expires_at=expires,
        )
    )


def delete_expired_sessions(conn: Connection, now: datetime) -> None:
    conn.execute(delete(web_session).where(web_session.c.expires_at <= now))


def delete_session(conn: Connection, token: str) -> SessionUser | None:
    """End a session; returns whose it was (None: no such session)."""
    found = _session_query(conn, token, None)
    conn.execute(delete(web_session).where(web_session.c.token_sha256 == token_hash(token)))
    return found


def _session_query(conn: Connection, token: str, now: datetime | None) -> SessionUser | None:
    conditions = [web_session.c.token_sha256 == token_hash(token)]
    if now is not None:
        conditions += [web_session.c.expires_at > now, app_user.c.disabled_at.is_(None)]
    row = conn.execute(
        select(app_user.c.name, app_user.c.role, web_session.c.csrf, web_session.c.expires_at)
        .join(app_user, app_user.c.id == web_session.c.user_id)
        .where(and_(*conditions))
    ).first()
    if row is None:
        return None
    expires = _utc(row.expires_at)
    assert expires is not None
    return SessionUser(row.name, Role(row.role), row.csrf, expires)


def session_user(engine: Engine, token: str, now: datetime) -> SessionUser | None:
    """The active user of an unexpired session, or None."""
    with engine.connect() as conn:
        return _session_query(conn, token, now)
