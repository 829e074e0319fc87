"""Regions a transaction involves through its parties' addresses (places.yaml).

A license that excludes a region (GL 1: the Crimea region of Ukraine) excludes it whether the
transaction lists it in `regions` or a party is there: a payee whose address or city is
Sevastopol or Simferopol involves Crimea. Place names and addresses are compared after the
screening layer's folding (`clearance.names.fold`: any script, case and punctuation), as whole
words.
"""

from __future__ import annotations

from dataclasses import dataclass

from clearance.decisions.rules_schema import PlacesFile
from clearance.model import Party
from clearance.names import fold


@dataclass(frozen=True, slots=True)
class PartyPlace:
    """A party's address or city that lies in a region the rules know."""

    party: str
    field: str  # address | city
    given: str  # as the party gave it
    place: str  # the place name that matched
    region: str  # ISO 3166-2 code
    reference: str | None
    verified: bool

    def text(self) -> str:
        return f"'{self.party}' gives {self.field} '{self.given}' ({self.place})"


def _padded(text: str) -> str:
    return f" {fold(text)} "


def party_places(parties: tuple[Party, ...], places: PlacesFile | None) -> list[PartyPlace]:
    """Every (party, field, region) whose address or city names a place of a region."""
    if places is None:
        return []
    found: list[PartyPlace] = []
    for party in parties:
        for field_name in ("address", "city"):
            given = getattr(party, field_name)
            if not given:
                continue
            folded = _padded(given)
            for region, entries in places.regions.items():
                hit = next(
                    (
                        (entry, name)
                        for entry in entries
                        for name in entry.names
                        if _padded(name).strip() and _padded(name) in folded
                    ),
                    None,
                )
                if hit is not None:
                    entry, name = hit
                    found.append(
                        PartyPlace(
                            party.name,
                            field_name,
                            given,
                            name,
                            region,
                            entry.reference,
                            entry.verified,
                        )
                    )
    return found
