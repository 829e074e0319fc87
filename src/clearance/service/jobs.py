"""Use cases of batch screening jobs: a file of parties screened in the background.

    upload = new_upload(app)                        # the door streams the file here
    job = submit_job(app, upload, "csv", request, runner)
    run_job(app.as_actor(job.owner), job.id)        # on a worker thread of the server
    job_status(app, job.id); job_result(app, job.id)

A job is `screen_parties_file` (the same use case as `clearance screen --input`, the same
`screening_batch` audit record, the caller as actor) with its state and progress kept in the
store (`batch_job`), so any worker of the server can answer for it and a restart can tell
which jobs died with the process that ran them (`fail_interrupted_jobs`).
"""

from __future__ import annotations

import os
import shutil
import threading
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from clearance.jobs.store import (
    Job,
    JobState,
    Runner,
    finished_before,
    get_job,
    insert_job,
    mark_done,
    mark_expired,
    mark_failed,
    mark_progress,
    mark_running,
    unfinished_jobs,
)
from clearance.screening.batch import BatchInputError, check_screen_input, count_rows
from clearance.service.errors import Conflict, NotFound, user_errors
from clearance.service.handle import Clearance
from clearance.service.screening import ScreenRequest, screen_parties_file
from clearance.service.uow import unit_of_work

__all__ = [
    "Job",
    "JobNotFound",
    "JobNotReady",
    "JobState",
    "Runner",
    "delete_job",
    "expire_jobs",
    "fail_interrupted_jobs",
    "job_result",
    "job_status",
    "new_upload",
    "run_job",
    "submit_job",
]

FileFormat = Literal["csv", "parquet"]
INTERRUPTED = "interrupted: the server stopped before the job finished; submit it again"
# Progress is written at most this often (seconds); the batch reports every few thousand rows.
_PROGRESS_EVERY = 0.5


class JobNotFound(NotFound):
    pass


class JobNotReady(Conflict):
    pass


def jobs_dir(app: Clearance) -> Path:
    return app.settings.data_dir / "jobs"


def new_upload(app: Clearance) -> Path:
    """A fresh file for a door to stream an upload into (removed by `submit_job`)."""
    folder = jobs_dir(app) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{uuid.uuid4().hex}.part"


def this_runner(server: str) -> Runner:
    return Runner(server=server, host=os.uname().nodename[:255], pid=os.getpid())


def submit_job(
    app: Clearance,
    upload: Path,
    file_format: FileFormat,
    request: ScreenRequest,
    runner: Runner,
) -> Job:
    """A queued job for the uploaded file, owned by the handle's actor; a file without the
    `id` and `name` columns is refused at once (`BatchInputError`, the upload removed)."""
    named = upload.with_suffix(f".{file_format}")
    upload.rename(named)
    try:
        check_screen_input(named)
    except BatchInputError as exc:
        named.unlink(missing_ok=True)
        raise BatchInputError(str(exc).replace(str(named), "upload")) from None
    upload = named
    job_id = uuid.uuid4().hex
    folder = jobs_dir(app) / job_id
    folder.mkdir(parents=True)
    input_path = folder / f"parties.{file_format}"
    output_path = folder / f"hits.{file_format}"
    size = upload.stat().st_size
    shutil.move(upload, input_path)
    with unit_of_work(app.engine) as uow:
        insert_job(
            uow.conn,
            job_id,
            owner=app.actor,
            input_path=str(input_path),
            output_path=str(output_path),
            input_bytes=size,
            request=request.to_dict(),
            runner=runner,
        )
    job = get_job(app.engine, job_id)
    assert job is not None
    expire_jobs(app)
    return job


def _request_of(job: Job) -> ScreenRequest:
    from datetime import date

    data = job.request
    return ScreenRequest(
        as_of=date.fromisoformat(data["as_of"]) if data.get("as_of") else None,
        lists=data.get("lists"),
        threshold=data.get("threshold"),
        top=int(data.get("top") or 10),
    )


def _public(message: str, job: Job) -> str:
    """An error message without the server's paths."""
    return message.replace(job.input_path, "upload").replace(job.output_path, "result")


def run_job(app: Clearance, job_id: str) -> Job:
    """Screen a queued job's file (its owner is the actor); mark it done or failed.

    Input errors (a bad row, no list in force) fail the job with their message; any other
    exception fails it too, and is raised for the caller to log.
    """
    job = get_job(app.engine, job_id)
    if job is None:
        raise JobNotFound(f"no job {job_id}")
    if job.state is not JobState.QUEUED:
        return job
    app = app.as_actor(job.owner)
    try:
        total = count_rows(Path(job.input_path))
    except BatchInputError as exc:
        mark_failed(app.engine, job_id, _public(str(exc), job))
        return _reloaded(app, job_id)
    if not mark_running(app.engine, job_id, total):
        return _reloaded(app, job_id)
    done = 0
    last = time.monotonic()
    lock = threading.Lock()

    def progress(rows: int) -> None:
        nonlocal done, last
        with lock:
            done += rows
            if time.monotonic() - last >= _PROGRESS_EVERY:
                last = time.monotonic()
                mark_progress(app.engine, job_id, done)

    try:
        # One process: jobs run on a thread of the server, and forking a threaded process
        # copies locks other threads may hold (a worker could hang on one); the server's
        # other requests need the cores anyway. `clearance screen --input` uses them all.
        result = screen_parties_file(
            app,
            Path(job.input_path),
            Path(job.output_path),
            _request_of(job),
            progress=progress,
            processes=1,
        )
    except user_errors() as exc:
        mark_failed(app.engine, job_id, _public(str(exc), job))
        return _reloaded(app, job_id)
    except BaseException:
        mark_failed(app.engine, job_id, "internal error (see the server log)")
        raise
    summary = result.summary
    mark_done(
        app.engine,
        job_id,
        rows=summary.rows,
        output_rows=summary.output_rows,
        matches=summary.matches,
        audit_seq=result.record.seq,
    )
    return _reloaded(app, job_id)


def _reloaded(app: Clearance, job_id: str) -> Job:
    job = get_job(app.engine, job_id)
    assert job is not None
    return job


def job_status(app: Clearance, job_id: str) -> Job:
    """A job of the handle's actor (another actor's job is not found: ids are not shared)."""
    job = get_job(app.engine, job_id)
    if job is None or job.owner != app.actor:
        raise JobNotFound(f"no job {job_id}")
    return job


def job_result(app: Clearance, job_id: str) -> tuple[Job, Path]:
    """The hits file of a finished job; `JobNotReady` while it runs or when it failed."""
    job = job_status(app, job_id)
    if job.state is not JobState.DONE:
        detail = f": {job.error}" if job.error else ""
        raise JobNotReady(f"job {job_id} is {job.state.value}{detail}")
    return job, Path(job.output_path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def fail_interrupted_jobs(app: Clearance, runner: Runner) -> Sequence[str]:
    """Mark failed the unfinished jobs whose server is gone: those of an earlier server start,
    and those of this start whose worker process died. Returns their ids."""
    failed = []
    for job in unfinished_jobs(app.engine):
        ours = job.runner.server == runner.server
        if ours and (job.runner.host != runner.host or _alive(job.runner.pid)):
            continue
        if mark_failed(app.engine, job.id, INTERRUPTED):
            failed.append(job.id)
    return failed


def _delete_files(app: Clearance, job: Job) -> None:
    """Remove a job's folder (its upload and hits) — only one `submit_job` made."""
    folder = Path(job.input_path).parent
    if folder.name == job.id and folder.parent == jobs_dir(app):
        shutil.rmtree(folder, ignore_errors=True)


def expire_jobs(app: Clearance, now: datetime | None = None) -> list[str]:
    """Delete the files of jobs finished more than `job_retention_days` ago; their rows stay
    (state `expired`), and so do their audit records. Returns the ids expired.

    Files go first: a crash between the two leaves a job still `done`, and the next call
    deletes (nothing more) and marks it.
    """
    days = app.settings.job_retention_days
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    expired = []
    for job in finished_before(app.engine, cutoff):
        _delete_files(app, job)
        if mark_expired(app.engine, job.id, f"its files were deleted after {days} days"):
            expired.append(job.id)
    return expired


def delete_job(app: Clearance, job_id: str) -> Job:
    """Delete a finished job's files now, at its owner's request (409 while it runs)."""
    job = job_status(app, job_id)
    if job.state is JobState.EXPIRED:
        return job
    if job.state not in (JobState.DONE, JobState.FAILED):
        raise JobNotReady(f"job {job_id} is {job.state.value}: it can be deleted once finished")
    _delete_files(app, job)
    mark_expired(app.engine, job_id, f"its files were deleted at {app.actor}'s request")
    return _reloaded(app, job_id)
