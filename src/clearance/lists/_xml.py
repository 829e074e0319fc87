"""Streaming XML helpers shared by the XML parsers (`ofac_xml`, `ofac_advanced_xml`, `un_xml`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, cast

from lxml import etree

from clearance.lists.errors import ListFormatError


def events(
    path: Path, kinds: tuple[str, ...], tags: Iterable[str] | None = None
) -> Iterator[tuple[str, etree._Element]]:
    """iterparse over `path`, turning lxml's syntax errors into ListFormatError.

    Every element yielded at its end is checked for entity references (`refuse_entities`).
    """
    # resolve_entities=False: a list file has no business expanding entities (XXE, bombs).
    # The error log is per thread and kept across parses: start it afresh for this file.
    etree.clear_error_log()
    context = etree.iterparse(
        str(path), events=kinds, tag=tags, resolve_entities=False, no_network=True
    )
    try:
        for event, elem in context:
            if elem is None:
                # Seen once by `make fuzz` (a UN file whose root has an undeclared namespace
                # prefix, 3.2 million inputs into a run; not reproduced in a fresh process):
                # lxml gave no element. Refuse the file rather than fail on it.
                raise ListFormatError(str(path), "malformed XML: the parser gave no element")
            if event == "end":
                refuse_entities(elem, path)
            yield event, elem
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(exc, path) from exc


def _syntax_error(exc: etree.XMLSyntaxError, path: Path) -> ListFormatError:
    """lxml's error; for an undeclared entity, the one logged for it, since the exception then
    reports a later symptom (`Start tag expected` at line 1, or `no element found`)."""
    message, line = exc.msg, exc.lineno or (exc.position[0] if exc.position else None)
    logged = cast(Iterable[Any], exc.error_log)  # iterable; lxml-stubs do not say so
    undeclared = next(
        (
            e
            for e in logged
            if e.type_name == "ERR_UNDECLARED_ENTITY" and e.filename in (str(path), None)
        ),
        None,
    )
    if undeclared is not None:
        message = f"{undeclared.message}: {_ALLOWED_REFERENCES} may appear in a list file"
        line = undeclared.line
    return ListFormatError(str(path), f"malformed XML: {message}", line=line or None)


_ALLOWED_REFERENCES = "only &amp; &lt; &gt; &quot; &apos; and numeric character references"


def refuse_entities(elem: etree._Element, path: Path) -> None:
    """Refuse an entity reference other than the five predefined ones and character references
    (which the parser has already replaced). Entities are not expanded, so `&x;` would be left
    as a node of its own and the element's text silently cut at it (`RI &x; JOHN` read `RI`)."""
    for entity in elem.iter(etree.Entity):
        parent = entity.getparent()
        holder = local(parent.tag) if parent is not None else local(elem.tag)
        raise ListFormatError(
            str(path),
            f"entity reference {entity.text} in <{holder}>: {_ALLOWED_REFERENCES} may appear "
            "in a list file",
            line=line_of(entity) or line_of(elem),
        )


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
