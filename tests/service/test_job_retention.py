"""A batch job's files (an upload of personal data and its hits) are deleted after
`job_retention_days`, or at once at the owner's request; the job's row and its audit record
stay. Real store, real SDN list, a real job run through the use cases the HTTP door calls."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from service_support import import_version

from clearance.audit.records import iter_records
from clearance.service import Clearance
from clearance.service.jobs import (
    JobNotReady,
    JobState,
    delete_job,
    expire_jobs,
    job_result,
    job_status,
    new_upload,
    run_job,
    submit_job,
    this_runner,
)
from clearance.service.screening import ScreenRequest

SDN = date(2022, 6, 28)


def finished_job(app: Clearance) -> str:
    upload = new_upload(app)
    upload.write_text("id,name\np1,Federal Security Service\np2,Jane Example\n")
    job = submit_job(app, upload, "csv", ScreenRequest(as_of=SDN), this_runner("test"))
    assert run_job(app, job.id).state is JobState.DONE
    return job.id


@pytest.fixture
def listed(app: Clearance, lists_dir: Path) -> Clearance:
    import_version(app.engine, lists_dir / "ofac" / "sdn_csv" / "2022-06-28", SDN)
    return app


def test_files_of_jobs_past_retention_are_deleted_and_the_record_stays(listed: Clearance) -> None:
    app = listed
    old, recent = finished_job(app), finished_job(app)
    folder = Path(job_status(app, old).input_path).parent
    assert (folder / "hits.csv").is_file() and (folder / "parties.csv").is_file()

    # A day short of the retention nothing goes; a day past it, both jobs' files go.
    days = app.settings.job_retention_days
    assert expire_jobs(app, datetime.now(UTC) + timedelta(days=days - 1)) == []
    assert job_result(app, old)[1].is_file()
    assert sorted(expire_jobs(app, datetime.now(UTC) + timedelta(days=days + 1))) == sorted(
        [old, recent]
    )
    assert not folder.exists()
    job = job_status(app, old)
    assert job.state is JobState.EXPIRED and f"after {days} days" in (job.error or "")
    with pytest.raises(JobNotReady, match="deleted"):
        job_result(app, old)
    assert job.audit_seq in {r.seq for r in iter_records(app.engine, kinds=["screening_batch"])}
    assert expire_jobs(app, datetime.now(UTC) + timedelta(days=days + 1)) == []  # once


def test_an_owner_deletes_a_finished_job_but_not_a_queued_one(listed: Clearance) -> None:
    app = listed
    done = finished_job(app)
    assert delete_job(app, done).state is JobState.EXPIRED
    assert not Path(job_status(app, done).input_path).parent.exists()
    upload = new_upload(app)
    upload.write_text("id,name\np1,Federal Security Service\n")
    queued = submit_job(app, upload, "csv", ScreenRequest(as_of=SDN), this_runner("test"))
    with pytest.raises(JobNotReady, match="queued"):
        delete_job(app, queued.id)
    assert Path(queued.input_path).is_file()
