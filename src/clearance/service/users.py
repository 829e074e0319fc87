"""Use cases of people who use the web UI: create, list, disable, sign in, sign out.

Creating and disabling a user, signing in and signing out are audited: each row change and its
audit record commit in one unit of work. A failed sign-in writes nothing (anyone can send one,
so it must not grow the chain); it is logged. The signed-in user's name is the actor of every
record written through the web UI (`app.as_actor(user.name)`).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError

from clearance.access.roles import Role
from clearance.access.tokens import AccessError
from clearance.access.users import (
    SessionUser,
    UserInfo,
    delete_expired_sessions,
    delete_session,
    hash_password,
    insert_session,
    insert_user,
    mark_disabled,
    needs_rehash,
    new_token,
    password_matches,
    same_token,
    session_user,
    set_password_hash,
    user_info,
    user_row,
    user_rows,
)
from clearance.audit.records import USER_CREATED, USER_DISABLED, USER_SIGNED_IN, USER_SIGNED_OUT
from clearance.service.handle import Clearance
from clearance.service.uow import unit_of_work

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "NewSession",
    "SessionUser",
    "UserInfo",
    "check_csrf",
    "create_user",
    "current_user",
    "disable_user",
    "list_users",
    "same_token",
    "sign_in",
    "sign_out",
]

log = logging.getLogger(__name__)

# NIST SP 800-63B asks for at least 8; people screening sanctioned parties get 12.
MIN_PASSWORD_LENGTH = 12
# Longer input would only cost hashing time: no one types a 1,000-character password.
MAX_PASSWORD_LENGTH = 1024
_NAME = re.compile(r"^[^\s\x00-\x1f\x7f]{1,100}$")


def _checked_name(name: str) -> str:
    clean = name.strip()
    if not _NAME.match(clean):
        raise AccessError(
            "a user name is 1 to 100 characters, without spaces or control characters"
        )
    return clean


def _checked_password(name: str, password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccessError(f"a password has at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccessError(f"a password has at most {MAX_PASSWORD_LENGTH} characters")
    if password.strip().casefold() == name.casefold():
        raise AccessError("the password must not be the user name")
    return password


def create_user(app: Clearance, *, name: str, role: Role, password: str) -> UserInfo:
    """A new user with `role`; refused when the name was ever used."""
    name = _checked_name(name)
    password_hash = hash_password(_checked_password(name, password))
    now = datetime.now(UTC)
    try:
        with unit_of_work(app.engine) as uow:
            if user_row(uow.conn, name) is not None:
                raise AccessError(f"a user named {name!r} exists already")
            insert_user(uow.conn, name, role, password_hash, now, app.actor)
            uow.record(USER_CREATED, {"name": name, "role": role.value}, app)
    except IntegrityError as exc:  # a concurrent create of the same name
        raise AccessError(f"a user named {name!r} exists already") from exc
    return UserInfo(name, role, now, app.actor)


def list_users(app: Clearance) -> tuple[UserInfo, ...]:
    return user_rows(app.engine)


def disable_user(app: Clearance, name: str) -> UserInfo:
    """Disable a user: their sessions end at once and they can no longer sign in."""
    with unit_of_work(app.engine) as uow:
        row = user_row(uow.conn, name)
        if row is None or row._mapping["disabled_at"] is not None:
            raise AccessError(f"no active user named {name!r}")
        info = mark_disabled(uow.conn, row, datetime.now(UTC), app.actor)
        uow.record(USER_DISABLED, {"name": name, "role": info.role.value}, app)
    return info


@dataclass(frozen=True, slots=True)
class NewSession:
    """A session just opened: the token goes into the cookie, and is stored only as a hash."""

    token: str
    user: SessionUser


def sign_in(app: Clearance, name: str, password: str) -> NewSession | None:
    """Open a session for `name` if the password is right and the user is active, else None.

    The work is the same for an unknown name, a disabled user and a wrong password, and the
    answer does not say which it was.
    """
    name = name.strip()
    row = None
    if _NAME.match(name) and len(password) <= MAX_PASSWORD_LENGTH:
        with app.engine.connect() as conn:
            row = user_row(conn, name)
    stored = row._mapping["password_hash"] if row is not None else None
    if not password_matches(stored, password[:MAX_PASSWORD_LENGTH]) or row is None:
        log.warning("web sign-in refused for %r", name[:100])
        return None
    if row._mapping["disabled_at"] is not None:
        log.warning("web sign-in refused for disabled user %r", name)
        return None
    user = user_info(row)
    now = datetime.now(UTC)
    expires = now + timedelta(hours=app.settings.web_session_hours)
    token, csrf = new_token(), new_token()
    with unit_of_work(app.engine) as uow:
        delete_expired_sessions(uow.conn, now)
        if needs_rehash(stored or ""):
            set_password_hash(uow.conn, row._mapping["id"], hash_password(password))
        insert_session(uow.conn, token, row._mapping["id"], csrf, now, expires)
        payload = {"name": user.name, "role": user.role.value, "expires_at": expires.isoformat()}
        uow.record(USER_SIGNED_IN, payload, app.as_actor(user.name))
    return NewSession(token, SessionUser(user.name, user.role, csrf, expires))


def current_user(app: Clearance, token: str | None) -> SessionUser | None:
    """The active user behind a session token, or None (no, unknown or expired session)."""
    if not token or len(token) > 200:
        return None
    return session_user(app.engine, token, datetime.now(UTC))


def check_csrf(user: SessionUser, given: str | None) -> bool:
    """Whether a form carries the CSRF token of the session that posts it."""
    return bool(given) and same_token(given or "", user.csrf)


def sign_out(app: Clearance, token: str) -> bool:
    """End a session; False when there was none."""
    with unit_of_work(app.engine) as uow:
        user = delete_session(uow.conn, token)
        if user is not None:
            uow.record(USER_SIGNED_OUT, {"name": user.name}, app.as_actor(user.name))
    return user is not None
