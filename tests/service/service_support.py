"""Helpers of the application-layer tests."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import Engine

from clearance.decisions import Transaction
from clearance.lists import parse_list
from clearance.model import ListVersion
from clearance.store.versions import import_list


def import_version(engine: Engine, path: Path, published: date | None = None) -> ListVersion:
    """Import one real list file through the real parser and store."""
    return import_list(engine, parse_list(path), published=published).version


def fee_to_fsb(txn_id: str, day: str, amount: str = "1200") -> Transaction:
    """An FSB import-notification fee for laser printers, as GL 1 describes it, exported under
    a BIS license (from 8 Apr 2022 NLR no longer suffices to Russia, 87 FR 22130)."""
    return Transaction.from_dict(
        {
            "id": txn_id,
            "date": day,
            "parties": [{"name": "Federal Security Service", "country": "RU", "role": "payee"}],
            "purpose": "import-authorization-fee",
            "goods": [
                {
                    "description": "laser printers",
                    "eccn": "5A992.c",
                    "export_authorization": "D123456",
                }
            ],
            "regions": ["RU"],
            "amount": {"value": amount, "currency": "USD"},
            "cap_holder": "ACME Corp",
        }
    )
