"""clearance: sanctions lists, screening, licensing decisions and audit trail.

The library API is the application layer (`clearance.service`), so a program using clearance
goes through the same use cases, and the same audit trail, as the CLI and the HTTP API:

    import clearance
    app = clearance.open(db="sqlite:///clearance.sqlite")
    screening = clearance.screen(app, clearance.Party("Federal Security Service"))
    screening.record                     # the audit record: written by default
    clearance.screen(app, party, audit=False)   # an explicit dry run: no alert, no record

Heavy modules load on first use, so `import clearance` stays cheap.
"""

from __future__ import annotations

from typing import Any

from clearance.model import EntryType, Identifier, Party

__all__ = ["EntryType", "Identifier", "Party", "compare", "decide", "open", "screen"]


def __getattr__(name: str) -> Any:
    if name == "open":
        from clearance.service import Clearance

        return Clearance.open
    if name == "screen":
        from clearance.service.screening import screen_party

        return screen_party
    if name == "decide":
        from clearance.service.decisions import decide

        return decide
    if name == "compare":
        from clearance.screening import compare

        return compare
    raise AttributeError(f"module 'clearance' has no attribute {name!r}")
