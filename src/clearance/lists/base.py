"""Shared helpers for the format parsers: hashing files, decoding, dates."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from clearance.lists.errors import ListFormatError


def sha256_of_files(paths: Iterable[Path]) -> str:
    """One digest over the raw bytes of several files (in the given order)."""
    digest = hashlib.sha256()
    for path in paths:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def parse_iso_date(text: str, path: str, line: int | None = None) -> date:
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError as exc:
        raise ListFormatError(path, f"not a date: {text!r}", line=line) from exc


_DMY = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")


def parse_dmy(text: str, path: str, line: int | None = None) -> date:
    """`dd/mm/yyyy` (UK, EU)."""
    match = _DMY.match(text)
    if not match:
        raise ListFormatError(path, f"not a dd/mm/yyyy date: {text!r}", line=line)
    day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise ListFormatError(path, f"not a valid date: {text!r}", line=line) from exc


def parse_mdy(text: str, path: str, line: int | None = None) -> date:
    """`mm/dd/yyyy` (OFAC XML `Publish_Date`)."""
    match = _DMY.match(text)
    if not match:
        raise ListFormatError(path, f"not a mm/dd/yyyy date: {text!r}", line=line)
    month, day, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise ListFormatError(path, f"not a valid date: {text!r}", line=line) from exc
