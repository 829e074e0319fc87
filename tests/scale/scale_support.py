"""Helpers of the scale tests: input files of parties made from a real list, cluster
settings."""

from __future__ import annotations

import csv
import random
from pathlib import Path

from clearance.lists import parse_list
from clearance.model import ListSource
from clearance.service import Clearance


def with_settings(app: Clearance, **changes: object) -> Clearance:
    """The same store, with some settings set as flags (as the CLI sets them)."""
    loaded = app.loaded.overridden("flag", **changes)
    return Clearance(app.engine, loaded, app.actor)


_GIVEN = ["Ali", "Maria", "Hossein", "Olga", "Chen", "Fatima", "John", "Sergey", "Amir", "Lea"]
_FAMILY = ["Rahimi", "Petrova", "Smith", "Wang", "Haddad", "Novak", "Garcia", "Karimi", "Lee"]
_COMPANY = ["Trading", "Shipping", "Holding", "Bank", "Petro", "Logistics", "Import Export"]


def party_rows(lists_dir: Path, count: int, seed: int = 12) -> list[dict[str, str]]:
    """`count` parties: listed names as listed, misspelt and reordered, and unlisted ones."""
    folder = lists_dir / "ofac" / "consolidated" / "2018-04-06"
    listed = [
        (entry.primary_name, entry.type.value)
        for entry in parse_list(folder, ListSource.OFAC_CONS).entries
    ]
    rng = random.Random(seed)
    rows = []
    for number in range(count):
        roll = rng.random()
        if roll < 0.15:
            name, kind = rng.choice(listed)
        elif roll < 0.25:
            name, kind = rng.choice(listed)
            at = rng.randrange(len(name))
            name = name[:at] + name[at + 1 :] if len(name) > 6 else name
        elif roll < 0.6:
            name, kind = f"{rng.choice(_GIVEN)} {rng.choice(_FAMILY)}", "person"
        else:
            name = f"{rng.choice(_FAMILY)} {rng.choice(_COMPANY)} LLC"
            kind = "organization"
        rows.append(
            {
                "id": f"p{number}",
                "name": name,
                "type": rng.choice([kind, ""]),
                "dob": rng.choice(["", "", "1970", "1962-05-01"]) if kind == "person" else "",
                "country": rng.choice(["", "", "IR", "RU", "de"]),
            }
        )
    return rows


def write_csv(path: Path, rows: list[dict[str, str]], *, bom: bool = False) -> Path:
    """Rows as CSV, with what real files hold: a quoted comma, a line break inside quotes,
    blank lines, CRLF line ends, and (optionally) a byte-order mark."""
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, ["id", "name", "type", "dob", "country"])
        writer.writeheader()
        for number, row in enumerate(rows):
            if number % 997 == 5:
                row = {**row, "name": f"{row['name']}, Ltd"}
            if number % 1499 == 7:
                row = {**row, "name": f"{row['name']}\nBranch Office"}
            writer.writerow(row)
            if number % 2503 == 11:
                handle.write("\r\n")
    return path


def write_parquet(path: Path, rows: list[dict[str, str]], row_group_size: int) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({c: [r[c] for r in rows] for c in ("id", "name", "type", "dob", "country")})
    pq.write_table(table, path, row_group_size=row_group_size)
    return path
