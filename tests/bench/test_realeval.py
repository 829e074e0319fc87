"""The extended evaluation set links other lists' entries to SDN entries without names."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import realeval

from clearance.model import Entry, EntryType, Identifier, ListSource, Name


def _entry(source_id: str, name: str, **facts: object) -> Entry:
    return Entry(
        source=ListSource.OFAC_SDN,
        source_id=source_id,
        type=EntryType.PERSON,
        names=(Name(name),),
        **facts,  # type: ignore[arg-type]
    )


def test_links_go_through_documents_or_birth_date_and_country_never_names() -> None:
    sdn = [
        _entry("1", "AL-HARZI, Tariq", identifiers=(Identifier("Passport", "Z-123456"),)),
        _entry("2", "SOMEONE, Else", birth_dates=("1970-01-02",), countries=("TN",)),
        _entry("3", "AL-HARZI, Tariq", birth_dates=("1970-01-02",), countries=("TN",)),
    ]
    others = [
        _entry(
            "u1", "Entirely Different", identifiers=(Identifier("Passport", "No: Z123456 (x)"),)
        ),
        _entry("u2", "AL-HARZI, Tariq"),  # same name, nothing else: no link
    ]
    links = realeval.link(others, sdn)
    assert {k: v[0].source_id for k, v in links.items()} == {"1": "u1"}
    # A birth date and country shared by two SDN entries link to neither.
    assert (
        realeval.link([_entry("u3", "x", birth_dates=("1970-01-02",), countries=("TN",))], sdn)
        == {}
    )
