"""The errors that mean "the request or its input is wrong", for every door to show as such.

The CLI prints them as one line and exits 2; the HTTP API answers 4xx with the message. Any
other exception is a fault of clearance (exit 1, HTTP 500) and is a bug to fix.
"""

from __future__ import annotations

# Re-exported: a door tells "not found / not in force" apart from other request errors.
from clearance.store.versions import StoreError

__all__ = ["StoreError", "user_errors"]


def user_errors() -> tuple[type[Exception], ...]:
    """Evaluated when an exception is caught (`except user_errors() as exc`), so the decision
    engine is only imported by a door that already raised from it."""
    from clearance.audit.chain import AuditError
    from clearance.decisions import LedgerError, OwnershipError, RuleError, TransactionError
    from clearance.lists.errors import ListFormatError
    from clearance.lists.fetch import FetchError
    from clearance.monitoring import BookError, MonitorError
    from clearance.schema import PartyError
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
        BookError,
        MonitorError,
    )
