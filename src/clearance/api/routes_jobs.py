"""Batch screening jobs (`/jobs...`): upload a file of parties, follow it, fetch the hits.

The upload is streamed to disk as it arrives (never held in memory), under its own limit
(`api_max_upload_bytes`); the answer comes at once (202) and the job runs on a worker thread
of the server, so it goes on when the client disconnects. Its state is in the store.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse

from clearance.access import Permission
from clearance.api import wire_models as wire
from clearance.api.deps import KEYED, AsOf, Caller, CoreDep, caller, errors
from clearance.api.routes_screening import Lists
from clearance.service.jobs import delete_job, job_result, job_status, new_upload, submit_job
from clearance.service.screening import ScreenRequest

router = APIRouter(tags=["Batch jobs"])

UPLOAD_PATH = "/jobs"
MEDIA = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet"}
JobId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="The job's id")]
Matcher = Annotated[Caller, Depends(caller(Permission.MATCH))]

_JOB = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "state": {"type": "string", "enum": ["queued", "running", "done", "failed", "expired"]},
        "rows_total": {"type": ["integer", "null"]},
        "rows_done": {"type": "integer"},
    },
    "required": ["id", "state", "rows_total", "rows_done"],
}


@router.post(
    UPLOAD_PATH,
    status_code=202,
    response_model=None,
    responses=errors(*KEYED, 413) | wire.documented(wire.JobOut, 202, "The job, queued"),
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "A CSV (columns `id`, `name`, optional `type`, `dob`, `country`) "
            "or Parquet file of parties, as `clearance screen --input` reads it",
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/vnd.apache.parquet": {
                    "schema": {"type": "string", "format": "binary"}
                },
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
async def submit(
    request: Request,
    who: Matcher,
    core: CoreDep,
    as_of: AsOf = None,
    lists: Lists = None,
    threshold: Annotated[
        float | None, Query(ge=0, le=1, description="Lowest score reported (default: review)")
    ] = None,
    top: Annotated[int, Query(ge=1, le=500, description="At most this many hits per row")] = 10,
    file_format: Annotated[
        Literal["csv", "parquet"] | None,
        Query(alias="format", description="Default: from the Content-Type (else csv)"),
    ] = None,
) -> Any:
    """Upload a file of parties to screen in the background; answers 202 with the job at
    once. Audited like `clearance screen --input` (one `screening_batch` record, the key as
    actor) when it finishes."""
    content_type = request.headers.get("content-type", "")
    chosen = file_format or ("parquet" if "parquet" in content_type else "csv")
    upload = new_upload(who.app)
    submitted = False
    try:
        size = 0
        with upload.open("wb") as out:
            async for chunk in request.stream():
                out.write(chunk)
                size += len(chunk)
        if size == 0:
            raise HTTPException(status_code=422, detail="empty upload: send the file as the body")
        screen_request = ScreenRequest(as_of=as_of, lists=lists, threshold=threshold, top=top)
        job = await run_in_threadpool(
            submit_job, who.app, upload, chosen, screen_request, core.runner
        )
        submitted = True
    finally:
        if not submitted:
            upload.unlink(missing_ok=True)
    core.run_in_background(job.id, who.principal.name)
    return JSONResponse(
        status_code=202, content=job.to_dict(), headers={"Location": f"/jobs/{job.id}"}
    )


@router.get("/jobs/{job_id}", responses=errors(*KEYED, 404), **wire.returns(wire.JobOut))
def status(job_id: JobId, who: Matcher) -> dict[str, Any]:
    """The job's state (`queued`, `running`, `done`, `failed`, `expired`: its files deleted
    after `job_retention_days` or on request), rows done of the total, and
    when done its counts and audit record. Only the key that submitted it sees it."""
    return job_status(who.app, job_id).to_dict()


@router.get(
    "/jobs/{job_id}/result",
    response_class=FileResponse,  # a file, never JSON
    responses=errors(*KEYED, 404, 409)
    | {
        200: {
            "description": "The hits file: one row per hit, as `screen --output` writes it",
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/vnd.apache.parquet": {
                    "schema": {"type": "string", "format": "binary"}
                },
            },
        }
    },
)
def result(job_id: JobId, who: Matcher) -> FileResponse:
    """The hits file of a finished job (409 while it runs, or when it failed)."""
    job, path = job_result(who.app, job_id)
    kind = "parquet" if path.suffix == ".parquet" else "csv"
    return FileResponse(path, media_type=MEDIA[kind], filename=f"hits-{job.id}.{kind}")


@router.delete("/jobs/{job_id}", responses=errors(*KEYED, 404, 409), **wire.returns(wire.JobOut))
def delete(job_id: JobId, who: Matcher) -> dict[str, Any]:
    """Delete a finished job's files (the upload and the hits) now; the job stays listed as
    `expired` and its audit record stays. 409 while it runs."""
    return delete_job(who.app, job_id).to_dict()
