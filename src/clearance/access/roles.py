"""Roles and what each may do, as a table of data rather than as `if` statements.

Each role includes everything of the one before it; the table spells every permission out
anyway, so that reading one row answers "may an analyst do X?" without following a chain.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class Permission(StrEnum):
    READ = "read"  # list versions, entries (`GET /entities/{id}`), health
    MATCH = "match"  # screen parties (`POST /match/{dataset}`); the screening is audited
    DECIDE = "decide"  # decide a transaction without recording it in the cap ledger
    RECORD = "record"  # decide and record (ledger drawdowns)
    REVIEW = "review"  # first review of alerts
    APPROVE = "approve"  # the second review under four-eyes
    MANAGE_KEYS = "manage_keys"
    IMPORT_LISTS = "import_lists"


class Role(StrEnum):
    VIEWER = "viewer"
    ANALYST = "analyst"
    APPROVER = "approver"
    ADMIN = "admin"


_VIEWER = frozenset({Permission.READ, Permission.MATCH, Permission.DECIDE})
_ANALYST = _VIEWER | {Permission.RECORD, Permission.REVIEW}
_APPROVER = _ANALYST | {Permission.APPROVE}
_ADMIN = _APPROVER | {Permission.MANAGE_KEYS, Permission.IMPORT_LISTS}

ROLE_PERMISSIONS: Mapping[Role, frozenset[Permission]] = {
    Role.VIEWER: _VIEWER,
    Role.ANALYST: _ANALYST,
    Role.APPROVER: _APPROVER,
    Role.ADMIN: _ADMIN,
}


def permissions_of(role: Role) -> frozenset[Permission]:
    return ROLE_PERMISSIONS[role]
