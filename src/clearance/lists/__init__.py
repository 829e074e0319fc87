"""List parsers: one module per official format, all producing `model.ParsedList`.

`parse_list(path, source)` is the single entry point; `detect_source(path)` guesses the kind
from file names and the first bytes when the user does not say.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from importlib import import_module
from pathlib import Path

from clearance.lists.base import MAX_FIELD_CHARS
from clearance.lists.errors import ListFormatError
from clearance.model import Entry, ListSource, ParsedList

__all__ = ["ListFormatError", "detect_source", "parse_list", "parse_versions"]

# Parser module per source; each exposes `parse(path: Path) -> ParsedList`. XML flavours of
# OFAC lists go through `ofac_xml` (chosen in `_parser_for`).
_MODULES: dict[ListSource, str] = {
    ListSource.OFAC_SDN: "clearance.lists.ofac_csv",
    ListSource.OFAC_CONS: "clearance.lists.ofac_csv",
    ListSource.UN: "clearance.lists.un_xml",
    ListSource.UK_HMT: "clearance.lists.uk_csv",
    ListSource.EU_FSF: "clearance.lists.eu_fsf",
    ListSource.FTM: "clearance.lists.ftm",
}


# The kinds a folder can hold (an OFAC CSV set, an FtM export or delta series).
_FOLDER_KINDS = frozenset({ListSource.OFAC_SDN, ListSource.OFAC_CONS, ListSource.FTM})


def _head(path: Path, size: int = 4096) -> bytes:
    with path.open("rb") as handle:
        return handle.read(size)


def detect_source(path: Path) -> ListSource:
    """The list kind of a file or folder, from its name and first bytes."""
    if not path.exists():
        raise ListFormatError(str(path), "no such file or folder")
    if path.is_dir():
        names = {p.name.lower() for p in path.iterdir()}
        if "sdn.csv" in names:
            return ListSource.OFAC_SDN
        if "cons_prim.csv" in names:
            return ListSource.OFAC_CONS
        if "delta.json" in names or any(n.endswith((".ftm.json", ".delta.json")) for n in names):
            return ListSource.FTM
        raise ListFormatError(str(path), "cannot tell which list this folder holds; use --source")
    name = path.name.lower()
    if name in {"sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv"}:
        return ListSource.OFAC_SDN
    if name.startswith("cons_") and name.endswith(".csv"):
        return ListSource.OFAC_CONS
    head = _head(path)
    # `sdnList` is the classic OFAC XML; `<Sanctions` the advanced XML (either namespace).
    if b"sdnList" in head or b"<Sanctions" in head:
        return ListSource.OFAC_CONS if "cons" in name else ListSource.OFAC_SDN
    if b"CONSOLIDATED_LIST" in head:
        return ListSource.UN
    if head.lstrip(b'"').startswith(b"Last Updated"):
        return ListSource.UK_HMT
    if b"Date_file" in head or b"Entity_logical_id" in head:
        return ListSource.EU_FSF
    if name.endswith(".json") and head.lstrip().startswith(b"{"):
        return ListSource.FTM
    raise ListFormatError(str(path), "cannot tell which list this file holds; use --source")


def _parser_for(path: Path, source: ListSource) -> Callable[[Path], ParsedList]:
    module_name = _MODULES[source]
    if source in (ListSource.OFAC_SDN, ListSource.OFAC_CONS) and path.suffix.lower() == ".xml":
        module_name = "clearance.lists.ofac_xml"
    parse: Callable[[Path], ParsedList] = import_module(module_name).parse
    return parse


def parse_list(path: Path, source: ListSource | None = None) -> ParsedList:
    """Parse a list file or folder; raises `ListFormatError` for bad input."""
    kind = source or detect_source(path)
    if not path.exists():
        raise ListFormatError(str(path), "no such file or folder")
    if path.is_dir() and kind not in _FOLDER_KINDS:
        raise ListFormatError(str(path), f"is a folder; a {kind.value} list is a single file")
    parsed = _parser_for(path, kind)(path)
    if parsed.source is not kind:
        raise ListFormatError(str(path), f"is a {parsed.source.value} file, not {kind.value}")
    return _with_bounded_names(parsed)


def _with_bounded_names(parsed: ParsedList) -> ParsedList:
    """The parsed list, its entries refused at the first over-long name, whatever the format
    (each parser caps what it reads where it can name the line; XML text is capped by libxml2
    only at 10 MB)."""
    parsed.entries = _bounded_names(parsed.entries, parsed.files[0] if parsed.files else "")
    return parsed


def _bounded_names(entries: Iterator[Entry], path: str) -> Iterator[Entry]:
    for entry in entries:
        for name in entry.names:
            if len(name.name) > MAX_FIELD_CHARS:
                raise ListFormatError(
                    path,
                    f"a name of {len(name.name):,} characters, more than the "
                    f"{MAX_FIELD_CHARS:,} a list field may hold (damaged file?)",
                    record=entry.source_id,
                )
        yield entry


def parse_versions(path: Path, source: ListSource | None = None) -> list[ParsedList]:
    """All versions a path holds, oldest first: one for a list file, several for a delta series
    (FtM), so that importing them in order keeps every published version."""
    kind = source or detect_source(path)
    if kind is ListSource.FTM:
        from clearance.lists.ftm import parse_versions as ftm_versions

        return [_with_bounded_names(parsed) for parsed in ftm_versions(path)]
    return [parse_list(path, kind)]
