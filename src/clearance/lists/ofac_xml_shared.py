"""What OFAC's two XML formats share (`sdnList` in ofac_xml, advanced in ofac_advanced_xml).

Kept apart so that neither parser module imports the other's internals: `ofac_xml` dispatches
to `ofac_advanced_xml`, and both read these helpers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from clearance.lists.errors import ListFormatError
from clearance.lists.ofac_remarks import RemarkFacts, mine_remarks, strip_sentence_period
from clearance.model import Identifier, ListSource, Name, Relation

ADVANCED_NAMESPACES = (
    "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ADVANCED_XML",
    "http://www.un.org/sanctions/1.0",
)

# vesselInfo children -> the property keys `ofac_csv` gives the same sdn.csv columns.
VESSEL_PROPERTIES = {
    "callSign": "call_sign",
    "vesselType": "vessel_type",
    "vesselFlag": "vessel_flag",
    "vesselOwner": "vessel_owner",
    "tonnage": "tonnage",
    "grossRegisteredTonnage": "gross_tonnage",
}

# Stands in for `;` inside one published value while it is mined as a single clause.
_SEMICOLON = "\ue000"
_LINKED_TO = re.compile(r"\(\s*Linked To\s*:", re.IGNORECASE)


def source_for(path: Path) -> ListSource:
    """OFAC publishes both lists in the same formats; only the file name tells them apart."""
    return ListSource.OFAC_CONS if "cons" in path.name.lower() else ListSource.OFAC_SDN


def person_name(last: str | None, first: str | None) -> str:
    """The SDN CSV's form of a person's name: `LAST, First`."""
    if last and first:
        return f"{last}, {first}"
    return last or first or ""


def mine_clause(clause: str) -> RemarkFacts:
    """`mine_remarks` on one clause whose `;`s belong to the value, not between clauses."""
    facts = mine_remarks(clause.replace(";", _SEMICOLON))

    def restore(text: str) -> str:
        return text.replace(_SEMICOLON, ";")

    def restore_optional(text: str | None) -> str | None:
        return restore(text) if text is not None else None

    return RemarkFacts(
        birth_dates=facts.birth_dates,
        birth_places=tuple(restore(p) for p in facts.birth_places),
        nationalities=facts.nationalities,
        citizenships=facts.citizenships,
        identifiers=tuple(
            Identifier(
                restore(i.kind),
                restore(i.value),
                restore_optional(i.country),
                restore_optional(i.remarks),
            )
            for i in facts.identifiers
        ),
        relations=tuple(
            Relation(r.kind, restore(r.target_name), r.target_id) for r in facts.relations
        ),
        weak_names=tuple(
            Name(restore(n.name), n.kind, n.script, n.first, n.last) for n in facts.weak_names
        ),
        properties={k: tuple(restore(v) for v in vs) for k, vs in facts.properties.items()},
    )


def birth_dates(text: str, path: Path, line: int | None) -> tuple[str, ...]:
    """An OFAC date of birth as ISO prefixes, by the same rules as in the CSV remarks."""
    dates = mine_clause(f"DOB {text}").birth_dates
    if not dates:
        raise ListFormatError(str(path), f"not a date of birth: {text!r}", line=line)
    return dates


class Facts:
    """Entry fields gathered from several places (id items, features, remarks)."""

    def __init__(self) -> None:
        self.names: list[Name] = []
        self.countries: list[str] = []
        self.birth_dates: list[str] = []
        self.birth_places: list[str] = []
        self.identifiers: list[Identifier] = []
        self.relations: list[Relation] = []
        self.properties: dict[str, list[str]] = {}

    def keep(self, key: str, value: str | None) -> None:
        if value:
            values = self.properties.setdefault(key, [])
            if value not in values:
                values.append(value)

    def add(self, facts: RemarkFacts) -> None:
        self.names.extend(facts.weak_names)
        self.countries.extend(facts.countries)
        self.birth_dates.extend(facts.birth_dates)
        self.birth_places.extend(facts.birth_places)
        self.identifiers.extend(facts.identifiers)
        self.relations.extend(facts.relations)
        for key, values in facts.properties.items():
            for value in values:
                self.keep(key, value)

    def property_map(self) -> dict[str, tuple[str, ...]]:
        return {key: tuple(values) for key, values in self.properties.items()}


def unwrap_links(remarks: str) -> str:
    """`(Linked To: X (LONDON) LTD)` -> `Linked To: X (LONDON) LTD`: the XML wraps links in
    parentheses (which may nest), the CSV remarks the miner reads do not."""
    while (match := _LINKED_TO.search(remarks)) is not None:
        depth = 0
        for end in range(match.start(), len(remarks)):
            depth += {"(": 1, ")": -1}.get(remarks[end], 0)
            if depth == 0:
                break
        else:
            return remarks  # never closed: leave the text as published
        inner = remarks[match.start() + 1 : end].strip()
        remarks = remarks[: match.start()] + inner + remarks[end + 1 :]
    return remarks


def id_clause(
    label: str, value: str, country: str | None, issued: str | None, expires: str | None
) -> str:
    """An id item as OFAC writes it in the CSV remarks: `Passport X (Iran) issued 1 Jan 2010`."""
    parts = [label, value, f"({country})" if country else None]
    parts += [f"issued {issued}" if issued else None, f"expires {expires}" if expires else None]
    return " ".join(p for p in parts if p)


def name_key(text: str) -> str:
    return " ".join(text.split()).casefold()


class NameIndex:
    """Entry ids by primary name and by alias, to resolve `Linked To:` targets (as ofac_csv)."""

    def __init__(self) -> None:
        self.primary: dict[str, set[str]] = {}
        self.alias: dict[str, set[str]] = {}

    def add(self, name: str, source_id: str, *, primary: bool) -> None:
        table = self.primary if primary else self.alias
        table.setdefault(name_key(name), set()).add(source_id)

    def resolve(self, relation: Relation) -> Relation:
        """The relation with the target's id and exact spelling, when exactly one entry has it.

        The remarks miner cannot always tell a sentence-final period from one that ends the
        name (`... CO.`), so both spellings are tried.
        """
        target = relation.target_name
        spellings = [target, f"{target}.", strip_sentence_period(target)]
        if target.endswith("."):
            spellings.append(target[:-1])
        for table in (self.primary, self.alias):
            for spelling in spellings:
                ids = table.get(name_key(spelling))
                if ids is not None:
                    if len(ids) != 1:
                        return relation
                    return Relation(relation.kind, " ".join(spelling.split()), next(iter(ids)))
        return relation


def unique_names(names: Iterable[Name]) -> list[Name]:
    """Names without exact repeats, in order (as ofac_csv: the same text under another kind,
    such as a vessel's f.k.a. equal to its current name, is kept)."""
    return [name for name in dict.fromkeys(names) if name.name]
