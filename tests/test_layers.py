"""Imports only point down the floors of docs/architecture.md; doors never touch the store.

A package may import its own modules and any package on a lower floor, never one on its own
floor or above. Doors (cli, api, web) stand on the application layer: they may use the
core's types and errors, but not the store (no SQL, no engine plumbing of their own).

`scale` (the Dask plumbing of partitioned screening) is no door: the use case that screens a
file calls it, so it stands below `service`. Its code runs on Dask workers, which never write
to the store, so it uses neither the store nor the audit chain.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "clearance"

FLOORS: dict[str, int] = {
    "model": 0,
    "settings": 0,
    "text": 0,
    "schema": 1,
    "names": 1,
    "lists": 2,
    "store": 2,
    "audit": 3,
    "access": 3,
    "jobs": 3,
    "screening": 3,
    "decisions": 4,
    "monitoring": 4,
    "scale": 4,
    "service": 5,
    "cli": 6,
    "api": 6,
    "web": 6,
}
DOORS = {name for name, floor in FLOORS.items() if floor == 6}
# Packages that must not reach the store (nor, for the workers' code, the audit chain).
STORELESS = {name: {"store"} for name in DOORS} | {"scale": {"store", "audit", "access"}}
# The package's own __init__ is the library's front door (clearance.screen, ...).
FRONT = "__init__"
# `clearance serve` is a command that starts the HTTP door: it imports the app, nothing else.
# The HTTP app mounts the web UI's pages on itself (`mount_web`), nothing else.
ALLOWED = {("cli/serve.py", "api"), ("api/app.py", "web")}


def imports_of(path: Path) -> set[str]:
    """The clearance packages a module imports (at any depth of the file, lazy ones too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "clearance" and len(parts) > 1:
                found.add(parts[1])
    return found


def modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if "migrations" in parts:
            continue
        owner = parts[0].removesuffix(".py")
        out.append((owner, path))
    return out


@pytest.mark.parametrize(("owner", "path"), modules(), ids=lambda v: str(v))
def test_imports_point_down(owner: str, path: Path) -> None:
    if owner == FRONT:
        return
    assert owner in FLOORS, f"{owner}: give the new package a floor in FLOORS and in the docs"
    for target in imports_of(path) - {owner}:
        assert target in FLOORS, f"{path.name} imports unknown package {target}"
        if (path.relative_to(PACKAGE).as_posix(), target) in ALLOWED:
            continue
        assert FLOORS[target] < FLOORS[owner], (
            f"{path.relative_to(PACKAGE)} ({owner}, floor {FLOORS[owner]}) imports {target} "
            f"(floor {FLOORS[target]}): imports must point down"
        )
        assert target not in STORELESS.get(owner, set()), (
            f"{path.relative_to(PACKAGE)} ({owner}) must not use {target}"
        )
