"""Batch screening jobs (`POST /jobs`): their rows in the store, nothing else.

`tables.py` mirrors the `batch_job` table of the migration `0005_jobs`; `store.py` reads and
writes it. The use cases (submit, run, status, result, failing interrupted jobs) are in
`clearance.service.jobs`; the HTTP door runs them on a worker thread of the server process.
"""

from clearance.jobs.store import Job, JobState

__all__ = ["Job", "JobState"]
