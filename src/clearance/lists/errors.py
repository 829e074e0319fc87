"""The one error type every list parser raises for bad input."""

from __future__ import annotations


class ListFormatError(Exception):
    """A list file is truncated, malformed or wrongly encoded.

    Always names the file and, where it can, the line (1-based) or record, so an operator can
    open the file at the right place. Parsers raise only this for bad input; anything else
    escaping a parser is a bug.
    """

    def __init__(self, path: str, message: str, line: int | None = None, record: str | None = None):
        self.path = path
        self.line = line
        self.record = record
        self.message = message
        where = path
        if line is not None:
            where += f":{line}"
        if record is not None:
            where += f" (record {record})"
        super().__init__(f"{where}: {message}")
