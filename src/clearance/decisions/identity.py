"""Who a name denotes, read as the screening layer reads names (`clearance.names`).

A cap holder, a specific license's holder and an unlisted entity in ownership data are
written by people: `ACME Printers`, `Acme Printers LLC`, `ACME PRINTERS, L.L.C.` and `ООО
«Акме Принтерс»` are one company. `canonical_holder` folds script, case, spacing and
punctuation and drops legal forms (rigour's org-type table, generic mode: OOO = LLC = GmbH),
keeping the words in their order; it is the holder the ledger keys caps by and shows.
`entity_key` is the same words in sorted order, for matching names whose order differs.
"""

from __future__ import annotations

from functools import lru_cache

from clearance.model import EntryType
from clearance.names import analyze_name, fold


@lru_cache(maxsize=4096)
def canonical_holder(name: str) -> str:
    """`Tverskaya Cipher Services, OOO` -> `tverskaya cipher services`."""
    form = analyze_name(name, EntryType.ORGANIZATION)
    if form.tokens:
        return " ".join(form.tokens)
    return fold(name) or " ".join(name.casefold().split())


def entity_key(name: str) -> str:
    """The canonical words in sorted order: `Cipher Services Tverskaya OOO` matches too."""
    return " ".join(sorted(canonical_holder(name).split()))
