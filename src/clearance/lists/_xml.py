"""Streaming XML helpers shared by the XML parsers (`ofac_xml`, `ofac_advanced_xml`, `un_xml`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from lxml import etree

from clearance.lists.errors import ListFormatError


def events(
    path: Path, kinds: tuple[str, ...], tags: Iterable[str] | None = None
) -> Iterator[tuple[str, etree._Element]]:
    """iterparse over `path`, turning lxml's syntax errors into ListFormatError."""
    # resolve_entities=False: a list file has no business expanding entities (XXE, bombs).
    context = etree.iterparse(
        str(path), events=kinds, tag=tags, resolve_entities=False, no_network=True
    )
    try:
        yield from context
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or (exc.position[0] if exc.position else None)
        raise ListFormatError(str(path), f"malformed XML: {exc.msg}", line=line or None) from exc


def line_of(elem: etree._Element) -> int | None:
    """The element's line in the file (lxml-stubs mistype `sourceline`)."""
    line: object = elem.sourceline
    return line if isinstance(line, int) else None


def release(elem: etree._Element) -> None:
    """Free a processed element and the siblings before it (iterparse keeps the tree)."""
    elem.clear()
    parent = elem.getparent()
    if parent is not None:
        while elem.getprevious() is not None:
            del parent[0]


def local(tag: str) -> str:
    return tag.rpartition("}")[2]


def read_root(path: Path) -> tuple[str, str, int | None]:
    """(namespace, local name, line) of the root element."""
    for _event, root in events(path, ("start",)):
        namespace, _, name = (
            root.tag[1:].rpartition("}") if root.tag[0] == "{" else ("", "", root.tag)
        )
        return namespace, name, line_of(root)
    raise ListFormatError(str(path), "empty document")  # pragma: no cover - lxml raises first


def clean(text: str | None) -> str | None:
    """Collapse runs of whitespace; '' -> None."""
    if text is None:
        return None
    cleaned = " ".join(text.split())
    return cleaned or None
