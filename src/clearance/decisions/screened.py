"""The screening input of a decision: each party with the hits screening found, and how."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from clearance.model import Hit, ListVersion, Party


@dataclass(frozen=True, slots=True)
class ScreenedParty:
    """One party with the hits screening found for it, and how they were found."""

    party: Party
    hits: tuple[Hit, ...]
    list_versions: tuple[ListVersion, ...]
    algorithm: str
    match_threshold: float
    review_threshold: float
    # Lists the store holds but with no version in force on the date: not screened against.
    unavailable: tuple[str, ...] = ()

    @classmethod
    def from_result(cls, result: Any) -> ScreenedParty:
        """From a `clearance.screening.ScreeningResult`."""
        return cls(
            party=result.party,
            hits=tuple(result.hits),
            list_versions=tuple(result.list_versions),
            algorithm=result.algorithm,
            match_threshold=float(result.match_threshold),
            review_threshold=float(result.review_threshold),
        )


def version_ref(version: ListVersion) -> dict[str, Any]:
    return {
        "id": version.id,
        "list": version.list_name,
        "published": version.published.isoformat(),
        "sha256": version.sha256,
    }


def distinct_versions(screened: Sequence[ScreenedParty]) -> tuple[Mapping[str, Any], ...]:
    seen: dict[int, Mapping[str, Any]] = {}
    for party in screened:
        for version in party.list_versions:
            seen.setdefault(version.id, version_ref(version))
    return tuple(seen[k] for k in sorted(seen))
