"""Ongoing monitoring: a stored party book, re-screened on every list change, delta only.

- `book.py`, `book_file.py`: the party book (customer records by their own id, with a revision
  per change) and the CSV/Parquet files it is imported from;
- `forward.py`: a party against the whole list index (the first run, and changed parties);
- `reverse.py`, `book_index.py`: new or changed entries against an index of the book's names
  kept in the store, so that a run after a list update never screens the whole book again;
- `changes.py`: which entries are new or changed since the last run (the store's version diff);
- `runs.py`: the runs, and how the next one is chosen.

The use cases (import, remove, run, one unit of work each with its audit record) are in
`clearance.service.monitoring`; docs/monitoring.md tells the whole story.
"""

from clearance.monitoring.book import BookError, BookParty
from clearance.monitoring.runs import MonitorError, MonitorRun, RunKind

__all__ = ["BookError", "BookParty", "MonitorError", "MonitorRun", "RunKind"]
