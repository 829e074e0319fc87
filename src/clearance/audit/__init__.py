"""The audit trail: an append-only, hash-chained record of every screening, decision and
review, with verification, export, retention-bound purge, human review of hits and replay.

See docs/audit.md for the design (chain, purge anchor, triggers, review workflow).
"""

from clearance.audit.chain import (
    AuditError,
    AuditRecord,
    VerifyResult,
    locked_chain,
    verify_chain,
)
from clearance.audit.records import (
    DECISION,
    REVIEW,
    SCREENING,
    SCREENING_BATCH,
    export_records,
    get_record,
    iter_records,
    purge,
    record_event,
)

__all__ = [
    "DECISION",
    "REVIEW",
    "SCREENING",
    "SCREENING_BATCH",
    "AuditError",
    "AuditRecord",
    "VerifyResult",
    "export_records",
    "get_record",
    "iter_records",
    "locked_chain",
    "purge",
    "record_event",
    "verify_chain",
]
