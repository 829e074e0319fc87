"""clearance: sanctions lists, screening, licensing decisions and audit trail.

`clearance.screen(...)` and `clearance.compare(...)` are imported on first use, so that
`import clearance` stays cheap.
"""

from __future__ import annotations

from typing import Any

__all__ = ["compare", "screen"]


def __getattr__(name: str) -> Any:
    if name in ("screen", "compare"):
        from clearance import screening

        return getattr(screening, name)
    raise AttributeError(f"module 'clearance' has no attribute {name!r}")
