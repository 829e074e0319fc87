"""Helpers of the application-layer tests."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import Engine

from clearance.lists import parse_list
from clearance.model import ListVersion
from clearance.store.versions import import_list


def import_version(engine: Engine, path: Path, published: date | None = None) -> ListVersion:
    """Import one real list file through the real parser and store."""
    return import_list(engine, parse_list(path), published=published).version
