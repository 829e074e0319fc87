"""Helpers for the decision tests: screened parties over real entries, FSB fee transactions.

A `ScreenedParty` built here wraps a hit over a REAL entry parsed from the shared SDN files:
it is the evaluator's input as screening would produce it, not a stand-in for screening.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path

from clearance.decisions.screened import ScreenedParty
from clearance.decisions.transaction import Transaction
from clearance.lists.ofac_csv import parse
from clearance.model import Entry, Hit, ListSource, ListVersion, Party

# The SDN snapshots in shared data and the dates they are taken as published.
PUBLISHED = {
    "2018-12": date(2018, 12, 31),
    "2021-07": date(2021, 7, 1),
    "2022-02-17": date(2022, 2, 17),
    "2022-06-17": date(2022, 6, 17),
    "2022-06-28": date(2022, 6, 28),
    "2023-12-28": date(2023, 12, 28),
    "2024-04-26": date(2024, 4, 26),
    "2024-05-03": date(2024, 5, 3),
}
FSB = "21344"
AUTO = "auto"
RUSSIA_CCL_RULE = date(2022, 4, 8)  # 87 FR 22130: every CCL item to Russia needs a license


@cache
def load_snapshot(folder: Path) -> tuple[ListVersion, dict[str, Entry]]:
    parsed = parse(folder)
    entries = {e.source_id: e for e in parsed.entries}
    version = ListVersion(
        id=sorted(PUBLISHED).index(folder.name) + 1,
        list_name="ofac-sdn",
        source=ListSource.OFAC_SDN,
        published=PUBLISHED[folder.name],
        imported_at=datetime(2024, 6, 1, tzinfo=UTC),
        sha256=parsed.sha256,
        entry_count=len(entries),
        origin=str(folder),
    )
    return version, entries


Snapshot = Callable[[str], tuple[ListVersion, dict[str, Entry]]]


def screened(
    name: str,
    version: ListVersion,
    entry: Entry | None = None,
    *,
    score: float = 0.97,
    match: bool = True,
) -> ScreenedParty:
    hits: tuple[Hit, ...] = ()
    if entry is not None:
        hits = (
            Hit(
                list_name=version.list_name,
                list_version_id=version.id,
                entry=entry,
                score=score,
                match=match,
                query_name=name,
                matched_name=entry.names[0],
                algorithm="clearance-v1",
            ),
        )
    return ScreenedParty(Party(name), hits, (version,), "clearance-v1", 0.85, 0.70)


def fee(
    txn_id: str,
    day: str,
    *,
    party: str = "Federal Security Service",
    amount: str = "1200",
    currency: str = "USD",
    purpose: str = "import-authorization-fee",
    authorization: str | None = AUTO,
    regions: tuple[str, ...] = ("RU",),
    holder: str | None = "ACME Corp",
    with_goods: bool = True,
) -> Transaction:
    """An FSB notification fee for laser printers (ECCN 5A992.c), the DOMAIN's case.

    By default the printers were exported NLR before 8 Apr 2022 and under a BIS license
    from then on, when every CCL item to Russia needs one (87 FR 22130)."""
    goods: dict[str, object] = {"description": "laser printers", "eccn": "5A992.c"}
    if authorization == AUTO:
        authorization = "NLR" if date.fromisoformat(day) < RUSSIA_CCL_RULE else "D123456"
    if authorization is not None:
        goods["export_authorization"] = authorization
    data: dict[str, object] = {
        "id": txn_id,
        "date": day,
        "parties": [{"name": party, "country": "RU", "role": "payee"}],
        "purpose": purpose,
        "goods": [goods] if with_goods else [],
        "regions": list(regions),
        "amount": {"value": amount, "currency": currency},
    }
    if holder is not None:
        data["cap_holder"] = holder
    return Transaction.from_dict(data)


def race_worker(url: str, txn_id: str, party: ScreenedParty, start_at: float) -> tuple[str, str]:
    """One process of the ledger race: record a USD 1,200 FSB fee on 2019-03-01."""
    import time

    from clearance.decisions.flow import decide_screened
    from clearance.decisions.rules import load_rules
    from clearance.store.db import make_engine

    engine = make_engine(url)
    rules = load_rules()
    time.sleep(max(0.0, start_at - time.time()))  # start together
    decision = decide_screened(
        engine,
        fee(txn_id, "2019-03-01"),
        [party],
        rules=rules,
        cap_holder="ACME Corp",
        record=True,
    )
    engine.dispose()
    return txn_id, decision.decision.value


def build_store(path: Path, lists_dir: Path, snapshots: list[str]) -> Path:
    """A migrated SQLite store at `path` with the given SDN snapshots imported under their
    publication dates (WAL checkpointed, so the single file can be copied)."""
    from sqlalchemy import text

    from clearance.lists import parse_list
    from clearance.store.db import make_engine, migrate
    from clearance.store.versions import import_list

    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    for name in sorted(snapshots, key=PUBLISHED.__getitem__):
        folder = lists_dir / "ofac" / "sdn_csv" / name
        import_list(engine, parse_list(folder, ListSource.OFAC_SDN), published=PUBLISHED[name])
    with engine.connect() as conn:
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    engine.dispose()
    return path
