"""The errors that mean "the request or its input is wrong", for every door to show as such.

The CLI prints them as one line and exits 2; the HTTP API answers 4xx with the message
(`kind_of` says which: not found, conflict, forbidden or invalid). Any other exception is a
fault of clearance (exit 1, HTTP 500) and is a bug to fix.
"""

from __future__ import annotations

from typing import Literal

# Re-exported: a door tells "not found / not in force" apart from other request errors.
from clearance.store.versions import StoreError

__all__ = [
    "Conflict",
    "ErrorKind",
    "NotFound",
    "ServiceError",
    "StoreError",
    "kind_of",
    "user_errors",
]

ErrorKind = Literal["not_found", "conflict", "forbidden", "invalid"]


class ServiceError(Exception):
    """A request error of the application layer itself (a door answers 400)."""


class NotFound(ServiceError):
    """No such thing (`EntryNotFound`, `JobNotFound`, ...): a door answers 404."""


class Conflict(ServiceError):
    """The request contradicts the state of what it names (a job not finished yet): 409."""


def user_errors() -> tuple[type[Exception], ...]:
    """Evaluated when an exception is caught (`except user_errors() as exc`), so the decision
    engine is only imported by a door that already raised from it."""
    from clearance.access.tokens import AccessError
    from clearance.audit.chain import AuditError
    from clearance.decisions import LedgerError, OwnershipError, RuleError, TransactionError
    from clearance.lists.errors import ListFormatError
    from clearance.lists.fetch import FetchError
    from clearance.schema import PartyError
    from clearance.screening.batch import BatchInputError
    from clearance.settings import SettingsError

    return (
        ListFormatError,
        StoreError,
        SettingsError,
        PartyError,
        FetchError,
        AuditError,
        RuleError,
        TransactionError,
        LedgerError,
        OwnershipError,
        AccessError,
        BatchInputError,
        ServiceError,
    )


def kind_of(exc: BaseException) -> ErrorKind:
    """What a request error means, for a door that answers with a status (HTTP 404/409/403/4xx).

    Call it only on one of `user_errors()`.
    """
    from clearance.audit.chain import AuditNotFound
    from clearance.audit.review import ReviewConflict, ReviewForbidden
    from clearance.decisions.ledger import LedgerConflict, LedgerNotFound
    from clearance.store.versions import VersionNotFound

    if isinstance(exc, NotFound | AuditNotFound | LedgerNotFound | VersionNotFound):
        return "not_found"
    if isinstance(exc, Conflict | ReviewConflict | LedgerConflict):
        return "conflict"
    if isinstance(exc, ReviewForbidden):
        return "forbidden"
    return "invalid"
