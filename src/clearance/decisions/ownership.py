"""The 50 Percent Rule: entities owned 50% or more by blocked persons are blocked themselves.

OFAC's guidance of 13 Aug 2014 (Revised Guidance on Entities Owned by Persons Whose Property
and Interests in Property Are Blocked): an entity owned 50% or more, in the aggregate,
directly or indirectly, by one or more blocked persons is blocked, listed or not. It is about
ownership, not control.

How shares are counted here (`blocked_share`):

* Stakes held by blocked persons add up.
* A stake held by an entity that is itself blocked (listed, or by this rule) counts in full:
  OFAC's own example - X (blocked) owns 50% of A, A owns 50% of B - makes B blocked, which a
  pure multiplication (25%) would miss.
* A stake held by an entity that is not blocked counts in proportion to that entity's own
  blocked ownership: the chain multiplies (B holds 50% of C and is 40% owned by blocked
  persons: 20% of C counts). This reading of "indirectly" is conservative; the trace marks it
  `verified: false` whenever it decides the outcome.

Ownership data comes from the user (`clearance ownership import FILE`): CSV rows
`owner,owned,percentage[,valid_from,valid_until]`, where owner and owned are list entry
references (`ofac-sdn:21344`) or free names of unlisted entities. Free names are compared as
the screening layer reads them (`identity.entity_key`: script, case, punctuation, word order,
legal forms folded: OOO = LLC); a listed owner must be given by its reference to count as
blocked.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from clearance.decisions.identity import entity_key
from clearance.decisions.tables import ownership_import, ownership_link
from clearance.model import Entry
from clearance.store.db import within

GUIDANCE = (
    "OFAC, Revised Guidance on Entities Owned by Persons Whose Property and Interests in "
    "Property Are Blocked (13 Aug 2014)"
)
HUNDRED = Decimal(100)
FIFTY = Decimal(50)
_REF = re.compile(r"^(?P<list>[a-z0-9][a-z0-9_.-]*):(?P<id>\S+)$")


class OwnershipError(ValueError):
    """An ownership file is malformed: names the file and the line."""


def node_key(text: str, list_names: Collection[str]) -> str:
    """`ofac-sdn:21344` for a reference to a known list, else `name:<entity key>`: the name
    read as screening reads it, legal forms folded (`identity.entity_key`), so that
    `TVERSKAYA CIPHER SERVICES, OOO` and `Tverskaya Cipher Services LLC` are one entity."""
    stripped = text.strip()
    match = _REF.match(stripped)
    if match and match.group("list") in list_names:
        return f"{match.group('list')}:{match.group('id')}"
    return f"name:{entity_key(stripped)}"


def is_ref(key: str) -> bool:
    return not key.startswith("name:")


@dataclass(frozen=True, slots=True)
class Link:
    owner: str  # node key
    owned: str
    owner_label: str  # as the user wrote it
    owned_label: str
    percentage: Decimal  # 0 < p <= 100
    line: int
    valid_from: date | None = None
    valid_until: date | None = None

    def in_force(self, on: date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_until is None or on <= self.valid_until
        )


@dataclass(frozen=True, slots=True)
class ListedOwner:
    """An owner reference that is on a blocking list in the version in force."""

    ref: str
    list_version: Mapping[str, Any]
    entry: Entry


@dataclass(frozen=True, slots=True)
class OwnershipView:
    links: tuple[Link, ...]  # in force on the transaction date
    listed: Mapping[str, ListedOwner]
    import_id: int | None = None
    origin: str | None = None


@dataclass(frozen=True, slots=True)
class Stake:
    owner: str
    owner_label: str
    percentage: Decimal  # the direct stake
    counted: Decimal  # what it adds to the blocked share
    how: str  # listed | blocked | partly-blocked
    owner_share: Decimal  # the owner's own blocked share (100 when listed)
    line: int


@dataclass(frozen=True, slots=True)
class OwnershipFinding:
    target: str
    label: str
    share: Decimal  # aggregate blocked ownership, in percent
    stakes: tuple[Stake, ...]
    owners: tuple[ListedOwner, ...]  # listed owners whose stakes count, directly or not
    multiplied: bool  # an unblocked intermediary's stake counted proportionally
    lines: tuple[str, ...]  # the explanation, one step a line

    @property
    def blocked(self) -> bool:
        return self.share >= FIFTY


class _Graph:
    def __init__(self, view: OwnershipView) -> None:
        self.view = view
        self.into: dict[str, list[Link]] = {}
        self.labels: dict[str, str] = {}
        for link in view.links:
            self.into.setdefault(link.owned, []).append(link)
            self.labels.setdefault(link.owner, link.owner_label)
            self.labels.setdefault(link.owned, link.owned_label)
        self.memo: dict[str, tuple[Decimal, tuple[Stake, ...]]] = {}

    def share(self, node: str, visiting: frozenset[str]) -> tuple[Decimal, tuple[Stake, ...]]:
        if node in self.memo:
            return self.memo[node]
        stakes: list[Stake] = []
        total = Decimal(0)
        for link in self.into.get(node, ()):
            if link.owner in visiting:  # a cycle adds nothing further
                continue
            if link.owner in self.view.listed:
                counted, how, owner_share = link.percentage, "listed", HUNDRED
            else:
                owner_share, _ = self.share(link.owner, visiting | {node})
                if owner_share >= FIFTY:
                    counted, how = link.percentage, "blocked"
                else:
                    counted, how = link.percentage * owner_share / HUNDRED, "partly-blocked"
            if counted > 0:
                total += counted
                stakes.append(
                    Stake(
                        link.owner,
                        link.owner_label,
                        link.percentage,
                        counted,
                        how,
                        owner_share,
                        link.line,
                    )
                )
        result = (min(total, HUNDRED), tuple(stakes))
        if not visiting:
            self.memo[node] = result
        return result

    def explain(
        self, node: str, depth: int, seen: frozenset[str]
    ) -> tuple[list[str], list[ListedOwner], bool]:
        _, stakes = self.share(node, frozenset())
        lines: list[str] = []
        owners: list[ListedOwner] = []
        multiplied = False
        indent = "  " * depth
        for stake in stakes:
            label = self.labels.get(stake.owner, stake.owner)
            if stake.how == "listed":
                listed = self.view.listed[stake.owner]
                owners.append(listed)
                version = listed.list_version
                lines.append(
                    f"{indent}{label} ({listed.entry.primary_name}, {stake.owner}, listed in "
                    f"{version.get('list')} version {version.get('id')} of "
                    f"{version.get('published')}) holds {_pct(stake.percentage)}"
                )
                continue
            if stake.how == "blocked":
                lines.append(
                    f"{indent}{label} holds {_pct(stake.percentage)} and is itself blocked, "
                    f"being owned {_pct(stake.owner_share)} by blocked persons (line "
                    f"{stake.line}):"
                )
            else:
                multiplied = True
                lines.append(
                    f"{indent}{label} holds {_pct(stake.percentage)} and is owned "
                    f"{_pct(stake.owner_share)} by blocked persons, so "
                    f"{_pct(stake.counted)} counts ({_pct(stake.percentage)} x "
                    f"{_pct(stake.owner_share)}):"
                )
            if stake.owner in seen or depth > 8:
                continue
            sub_lines, sub_owners, sub_multiplied = self.explain(
                stake.owner, depth + 1, seen | {stake.owner}
            )
            lines += sub_lines
            owners += sub_owners
            multiplied = multiplied or sub_multiplied
        return lines, owners, multiplied


def _pct(value: Decimal) -> str:
    text = f"{value.quantize(Decimal('0.01')):f}".rstrip("0").rstrip(".")
    return f"{text}%"


def blocked_share(
    targets: Collection[str], view: OwnershipView, label: str
) -> OwnershipFinding | None:
    """The largest blocked ownership share of any of `targets` (node keys of one party), or
    None when no ownership data mentions them."""
    graph = _Graph(view)
    best: OwnershipFinding | None = None
    for target in targets:
        if target not in graph.into:
            continue
        share, stakes = graph.share(target, frozenset())
        lines, owners, multiplied = graph.explain(target, 1, frozenset({target}))
        unique = {o.ref: o for o in owners}
        finding = OwnershipFinding(
            target=target,
            label=label,
            share=share,
            stakes=stakes,
            owners=tuple(unique.values()),
            multiplied=multiplied,
            lines=tuple(lines),
        )
        if best is None or finding.share > best.share:
            best = finding
    return best


# --- import and storage ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OwnershipImport:
    id: int
    origin: str
    sha256: str
    rows: int
    imported_at: datetime


def _parse_date(text: str, path: str, line: int, column: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise OwnershipError(f"{path}:{line}: {column}: not a date (YYYY-MM-DD): {text!r}") from exc


def parse_ownership_csv(text: str, path: str, list_names: Collection[str]) -> list[Link]:
    """Rows `owner,owned,percentage[,valid_from,valid_until]`; a header row is optional."""
    links: list[Link] = []
    reader = csv.reader(io.StringIO(text))
    for number, row in enumerate(reader, start=1):
        if not row or all(not cell.strip() for cell in row) or row[0].lstrip().startswith("#"):
            continue
        if number == 1 and [c.strip().lower() for c in row[:3]] == ["owner", "owned", "percentage"]:
            continue
        if len(row) not in (3, 4, 5):
            raise OwnershipError(
                f"{path}:{number}: expected owner,owned,percentage[,valid_from,valid_until], "
                f"got {len(row)} fields"
            )
        owner, owned, raw = (c.strip() for c in row[:3])
        if not owner or not owned:
            raise OwnershipError(f"{path}:{number}: owner and owned must not be empty")
        try:
            percentage = Decimal(raw.rstrip("%").strip())
        except InvalidOperation as exc:
            raise OwnershipError(f"{path}:{number}: percentage: not a number: {raw!r}") from exc
        if not Decimal(0) < percentage <= HUNDRED:
            raise OwnershipError(f"{path}:{number}: percentage must be in (0, 100], got {raw}")
        valid_from = _parse_date(row[3], path, number, "valid_from") if len(row) > 3 else None
        valid_until = _parse_date(row[4], path, number, "valid_until") if len(row) > 4 else None
        owner_key, owned_key = node_key(owner, list_names), node_key(owned, list_names)
        if owner_key == owned_key:
            raise OwnershipError(f"{path}:{number}: an entity cannot own itself ({owner})")
        links.append(
            Link(owner_key, owned_key, owner, owned, percentage, number, valid_from, valid_until)
        )
    if not links:
        raise OwnershipError(f"{path}: no ownership rows")
    _check_totals(links, path)
    return links


def _check_totals(links: list[Link], path: str) -> None:
    """Stakes in one entity that are in force together may not exceed 100%."""
    by_owned: dict[str, list[Link]] = {}
    for link in links:
        by_owned.setdefault(link.owned, []).append(link)
    for owned_links in by_owned.values():
        edges = {link.valid_from or date.min for link in owned_links}
        for day in edges:
            total = sum((lk.percentage for lk in owned_links if lk.in_force(day)), Decimal(0))
            if total > HUNDRED:
                lines = ", ".join(str(lk.line) for lk in owned_links if lk.in_force(day))
                raise OwnershipError(
                    f"{path}: lines {lines}: stakes in {owned_links[0].owned_label} add up to "
                    f"{_pct(total)}"
                )


def import_ownership(
    engine: Engine | Connection, path: Path, list_names: Collection[str]
) -> OwnershipImport:
    """Store a new ownership data set; it replaces the previous one for new decisions (the
    previous ones stay stored, and every decision names the import it used)."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise OwnershipError(f"{path}: not UTF-8 text: {exc}") from exc
    links = parse_ownership_csv(text, str(path), list_names)
    digest = hashlib.sha256(raw).hexdigest()
    now = datetime.now(UTC)
    with within(engine) as conn:
        inserted = conn.execute(
            insert(ownership_import).values(
                origin=str(path), sha256=digest, row_count=len(links), imported_at=now
            )
        ).inserted_primary_key
        assert inserted is not None
        import_id = inserted[0]
        conn.execute(
            insert(ownership_link),
            [
                {
                    "import_id": import_id,
                    "line": link.line,
                    "owner": link.owner_label,
                    "owned": link.owned_label,
                    "owner_key": link.owner,
                    "owned_key": link.owned,
                    "percentage": str(link.percentage),
                    "valid_from": link.valid_from,
                    "valid_until": link.valid_until,
                }
                for link in links
            ],
        )
    return OwnershipImport(int(import_id), str(path), digest, len(links), now)


def latest_import(engine: Engine) -> OwnershipImport | None:
    with engine.connect() as conn:
        row = conn.execute(
            select(ownership_import).order_by(ownership_import.c.id.desc()).limit(1)
        ).first()
    if row is None:
        return None
    m = row._mapping
    return OwnershipImport(m["id"], m["origin"], m["sha256"], m["row_count"], m["imported_at"])


def load_links(engine: Engine, import_id: int) -> list[Link]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(ownership_link)
            .where(ownership_link.c.import_id == import_id)
            .order_by(ownership_link.c.line)
        ).all()
    return [
        Link(
            # Name keys are read again from the names as given: imports stored before legal
            # forms were folded must match as today's decisions read names.
            owner=_rekey(r.owner_key, r.owner),
            owned=_rekey(r.owned_key, r.owned),
            owner_label=r.owner,
            owned_label=r.owned,
            percentage=Decimal(r.percentage),
            line=r.line,
            valid_from=r.valid_from,
            valid_until=r.valid_until,
        )
        for r in rows
    ]


def _rekey(key: str, label: str) -> str:
    return f"name:{entity_key(label)}" if not is_ref(key) else key


def build_view(
    links: list[Link],
    when: date,
    resolve: Callable[[str], ListedOwner | None],
    import_id: int | None = None,
    origin: str | None = None,
) -> OwnershipView:
    """The links in force on `when`, with every owner reference resolved against the lists."""
    current = tuple(link for link in links if link.in_force(when))
    listed: dict[str, ListedOwner] = {}
    for key in {link.owner for link in current if is_ref(link.owner)}:
        found = resolve(key)
        if found is not None:
            listed[key] = found
    return OwnershipView(current, listed, import_id, origin)
