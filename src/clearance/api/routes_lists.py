"""Lists, versions, diffs and entries (`GET /lists...`): the wire schema's JSON."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from clearance.api.deps import KEYED, AsOf, Reader, errors
from clearance.model import version_to_dict
from clearance.service import lists as use

router = APIRouter(tags=["Lists"])

ListName = Annotated[str, Path(max_length=200, description="A list name, e.g. `ofac-sdn`")]
EntryId = Annotated[str, Path(max_length=200, description="The entry's id in its list")]


@router.get("/lists", responses=errors(*KEYED))
def lists(who: Reader, as_of: AsOf = None) -> list[dict[str, Any]]:
    """Every list the store holds: its number of versions and the version in force."""
    return [summary.to_dict() for summary in use.lists_overview(who.app, as_of)]


@router.get("/lists/{list_name}/versions", responses=errors(*KEYED, 404))
def versions(list_name: ListName, who: Reader) -> list[dict[str, Any]]:
    """Every stored version of a list, oldest first."""
    return [version_to_dict(v) for v in use.stored_versions(who.app, list_name)]


@router.get("/lists/{list_name}/diff", responses=errors(*KEYED, 404))
def diff(
    list_name: ListName,
    who: Reader,
    from_: Annotated[date, Query(alias="from", description="The first date")],
    to: Annotated[date, Query(description="The second date")],
) -> dict[str, Any]:
    """Entries added, removed and changed between the versions in force on two dates."""
    return use.diff(who.app, list_name, from_, to).to_dict()


@router.get("/lists/{list_name}/entries/{entry_id}", responses=errors(*KEYED, 404))
def entry(list_name: ListName, entry_id: EntryId, who: Reader, as_of: AsOf = None) -> Any:
    """One entry as the version in force on `as_of` (default today) had it."""
    return use.entry_on(who.app, list_name, entry_id, as_of or date.today()).to_dict()


@router.get("/lists/{list_name}/entries/{entry_id}/history", responses=errors(*KEYED, 404))
def history(list_name: ListName, entry_id: EntryId, who: Reader) -> list[dict[str, Any]]:
    """The entry's state in every stored version of its list."""
    return use.history_to_dict(use.history(who.app, list_name, entry_id))
