"""Lists, versions, diffs and entries (`GET /lists...`), and importing and fetching lists
(`POST /lists/import`, `POST /lists/fetch`, admins): the wire schema's JSON."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from clearance.access import Permission
from clearance.api.deps import KEYED, AsOf, Caller, Reader, caller, errors
from clearance.api.wire_models import (
    DiffOut,
    EntryViewOut,
    HistoryStepOut,
    ImportedOut,
    ListSummaryOut,
    ListVersionOut,
    documented,
    returns,
)
from clearance.lists.fetch import FetchError
from clearance.model import ListSource, version_to_dict
from clearance.service import lists as use
from clearance.service.list_uploads import (
    UPLOAD_NAME,
    discard_upload,
    import_upload,
    new_list_upload,
)

router = APIRouter(tags=["Lists"])

ListName = Annotated[str, Path(max_length=200, description="A list name, e.g. `ofac-sdn`")]
EntryId = Annotated[str, Path(max_length=200, description="The entry's id in its list")]


AllowDrop = Annotated[
    bool,
    Query(
        description="Import a version with more than `import_max_drop` fewer entries than the "
        "one before it (refused as likely truncated otherwise); the audit record says so"
    ),
]


@router.get("/lists", responses=errors(*KEYED), **returns(list[ListSummaryOut]))
def lists(who: Reader, as_of: AsOf = None) -> list[dict[str, Any]]:
    """Every list the store holds: its number of versions and the version in force."""
    return [summary.to_dict() for summary in use.lists_overview(who.app, as_of)]


@router.get(
    "/lists/{list_name}/versions",
    responses=errors(*KEYED, 404),
    **returns(list[ListVersionOut]),
)
def versions(list_name: ListName, who: Reader) -> list[dict[str, Any]]:
    """Every stored version of a list, oldest first."""
    return [version_to_dict(v) for v in use.stored_versions(who.app, list_name)]


@router.get("/lists/{list_name}/diff", responses=errors(*KEYED, 404), **returns(DiffOut))
def diff(
    list_name: ListName,
    who: Reader,
    from_: Annotated[date, Query(alias="from", description="The first date")],
    to: Annotated[date, Query(description="The second date")],
) -> dict[str, Any]:
    """Entries added, removed and changed between the versions in force on two dates."""
    return use.diff(who.app, list_name, from_, to).to_dict()


@router.get(
    "/lists/{list_name}/entries/{entry_id}",
    responses=errors(*KEYED, 404),
    **returns(EntryViewOut),
)
def entry(list_name: ListName, entry_id: EntryId, who: Reader, as_of: AsOf = None) -> Any:
    """One entry as the version in force on `as_of` (default today) had it."""
    return use.entry_on(who.app, list_name, entry_id, as_of or date.today()).to_dict()


@router.get(
    "/lists/{list_name}/entries/{entry_id}/history",
    responses=errors(*KEYED, 404),
    **returns(list[HistoryStepOut]),
)
def history(list_name: ListName, entry_id: EntryId, who: Reader) -> list[dict[str, Any]]:
    """The entry's state in every stored version of its list."""
    return use.history_to_dict(use.history(who.app, list_name, entry_id))


# --- importing and fetching (admins) ---------------------------------------------------------

IMPORT_PATH = "/lists/import"
Admin = Annotated[Caller, Depends(caller(Permission.IMPORT_LISTS))]
_IMPORTED = documented(
    list[ImportedOut], 200, "Identical content was stored already: nothing changed"
) | documented(list[ImportedOut], 201, "Imported: the new version(s), with `created: true`")


@router.post(
    IMPORT_PATH,
    status_code=201,
    response_model=None,
    responses=errors(*KEYED, 413) | _IMPORTED,
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The list file itself (UN/OFAC XML, UK/EU CSV, FtM JSON, ...), or "
            "a zip or tar archive of a folder (an OFAC CSV set: `sdn.csv`, `add.csv`, "
            "`alt.csv`, `sdn_comments.csv`), as `clearance lists import` reads it",
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
                "application/zip": {"schema": {"type": "string", "format": "binary"}},
                "application/xml": {"schema": {"type": "string"}},
                "text/csv": {"schema": {"type": "string"}},
            },
        }
    },
)
async def import_list(
    request: Request,
    who: Admin,
    source: Annotated[
        ListSource | None, Query(description="The list kind (default: told from the file)")
    ] = None,
    published: Annotated[
        date | None, Query(description="Publication date, for files without one (OFAC CSV)")
    ] = None,
    filename: Annotated[
        str | None,
        Query(
            max_length=200,
            description="The file's name (`sdn.csv`, `x.ftm.json`): helps "
            "tell the kind of a raw upload",
        ),
    ] = None,
    allow_drop: AllowDrop = False,
) -> Any:
    """Import one list file or an archive of a list folder (admins), streamed to disk under
    `api_max_upload_bytes`; the same use case as `clearance lists import`, audited with the
    key's name as actor. 201 with the new version(s); 200 when identical content was stored
    already (`created: false`, nothing changed); a bad file is 400 with the parser's message
    and leaves the version in force as it was."""
    folder = new_list_upload(who.app)
    try:
        size = 0
        with (folder / UPLOAD_NAME).open("wb") as out:
            async for chunk in request.stream():
                out.write(chunk)
                size += len(chunk)
        if size == 0:
            raise HTTPException(status_code=422, detail="empty upload: send the file as the body")
        imported = await run_in_threadpool(
            partial(
                import_upload,
                who.app,
                folder,
                filename=filename,
                source=source,
                published=published,
                allow_drop=allow_drop,
            )
        )
    finally:
        discard_upload(folder)
    created = any(result.created for result in imported)
    return JSONResponse(
        status_code=201 if created else 200, content=[result.to_dict() for result in imported]
    )


class FetchIn(BaseModel):
    """Which lists to download (default: OFAC SDN and consolidated, UN, UK)."""

    model_config = ConfigDict(extra="forbid")

    sources: list[ListSource] = Field(default_factory=list, max_length=len(ListSource))
    allow_drop: bool = Field(
        default=False,
        description="Import a version with more than `import_max_drop` fewer entries than the "
        "one before it (audited)",
    )


@router.post(
    "/lists/fetch",
    responses=errors(*KEYED, 413)
    | {502: {"description": "A download failed (earlier sources stay imported)"}},
    **returns(list[ImportedOut]),
)
def fetch(who: Admin, body: FetchIn | None = None) -> Any:
    """Download each source from its official URL or the `fetch_base_url` mirror, verify and
    import it (admins), as `clearance lists fetch`; audited with the key's name as actor. One
    row per source, `created: false` where the content was stored already."""
    body = body or FetchIn()
    try:
        fetched = [
            imported.to_dict()
            for _, imported in use.fetch_lists(
                who.app, sources=body.sources, allow_drop=body.allow_drop
            )
        ]
    except FetchError as exc:
        raise HTTPException(status_code=502, detail=str(exc)) from exc
    return fetched
