"""The application layer: one function per use case, the floor every door stands on.

    from clearance.service import Clearance, screen_party, decide
    app = Clearance.open()
    screening = screen_party(app, Party("Federal Security Service"))
    result = decide(app, Transaction.from_dict(...), record=True)

Each use case takes the store handle (`Clearance`) and typed inputs, does its work in one unit
of work (service/uow.py) that also writes its audit record, and returns typed results with a
`to_dict()` in the wire schema (docs/wire.md). Doors — the CLI, the HTTP API, the web UI, Dask
batches — parse, call one of these, and render; they hold no logic of their own.

Modules are imported on first use (screening loads ICU, numpy and pyarrow).
"""

from __future__ import annotations

import importlib
from typing import Any

from clearance.service.handle import Clearance

_USE_CASES = {
    # lists
    "import_list_file": "lists",
    "fetch_lists": "lists",
    "versions": "lists",
    "version_on": "lists",
    "diff": "lists",
    "entry_on": "lists",
    "history": "lists",
    # screening
    "ScreenRequest": "screening",
    "screen_party": "screening",
    "screen_parties_file": "screening",
    "compare_pairs_file": "screening",
    # decisions
    "decide": "decisions",
    "license_rows": "decisions",
    "license_detail": "decisions",
    "register_specific_license": "decisions",
    "ledger_view": "decisions",
    "reverse_drawdown": "decisions",
    "import_ownership_file": "decisions",
    # review
    "alerts": "review",
    "show_alert": "review",
    "review_alert": "review",
    # audit trail
    "show_record": "audit_trail",
    "verify": "audit_trail",
    "verify_export": "audit_trail",
    "export": "audit_trail",
    "purge_before": "audit_trail",
    "replay_record": "replay",
    # ongoing monitoring
    "import_parties": "monitoring",
    "remove_parties": "monitoring",
    "parties": "monitoring",
    "show_party": "monitoring",
    "run_monitor": "monitoring",
    "monitor_runs": "monitoring",
}

__all__ = ["Clearance", *_USE_CASES]


def __getattr__(name: str) -> Any:
    module = _USE_CASES.get(name)
    if module is None:
        raise AttributeError(f"module 'clearance.service' has no attribute {name!r}")
    return getattr(importlib.import_module(f"clearance.service.{module}"), name)
