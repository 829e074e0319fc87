"""Damaged XML never escapes the parsers as anything but ListFormatError.

Small valid documents are cut from the real files (the first records of each), then truncated
or byte-flipped at random; every result must either parse completely or fail with a
ListFormatError naming the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_ofac_xml import ADVANCED_SAMPLE

from clearance.lists import ofac_xml, un_xml
from clearance.lists.errors import ListFormatError
from clearance.model import ParsedList

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _first_records(data: bytes, tag: bytes, count: int) -> tuple[int, int]:
    """(start, end) byte offsets spanning the first `count` `<tag>` records."""
    start = data.index(b"<" + tag + b">")
    end = start
    for _ in range(count):
        end = data.index(b"</" + tag + b">", end) + len(tag) + 3
    return start, end


def small_un_document(lists_dir: Path) -> bytes:
    data = (lists_dir / "un/2018-06-07/consolidated.xml").read_bytes()
    _, end = _first_records(data, b"INDIVIDUAL", 3)
    entity_start, entity_end = _first_records(data, b"ENTITY", 2)
    return (
        data[:end]
        + b"\n</INDIVIDUALS>\n<ENTITIES>\n"
        + data[entity_start:entity_end]
        + b"\n</ENTITIES>\n</CONSOLIDATED_LIST>\n"
    )


def small_sdn_document(lists_dir: Path) -> bytes:
    data = (lists_dir / "ofac/consolidated/2018-04-06/consolidated.xml").read_bytes()
    _, end = _first_records(data, b"sdnEntry", 3)
    head = re.sub(
        rb"<Record_Count>\d+</Record_Count>", b"<Record_Count>3</Record_Count>", data[:end]
    )
    return head + b"\r\n</sdnList>\r\n"


def _outcome(parse: Callable[[Path], ParsedList], path: Path, data: bytes) -> str:
    path.write_bytes(data)
    try:
        parsed = parse(path)
        entries = list(parsed.entries)
    except ListFormatError as exc:
        assert exc.path == str(path)
        assert str(path) in str(exc)
        return "error"
    assert all(entry.source_id and entry.names for entry in entries)
    return "ok"


DOCUMENTS: dict[str, tuple[Callable[[Path], ParsedList], Callable[[Path], bytes]]] = {
    "un": (un_xml.parse, small_un_document),
    "ofac_sdnlist": (ofac_xml.parse, small_sdn_document),
    "ofac_advanced": (ofac_xml.parse, lambda _: ADVANCED_SAMPLE.encode("utf-8")),
}


@pytest.mark.parametrize("kind", sorted(DOCUMENTS))
def test_the_small_documents_are_valid(kind: str, lists_dir: Path, tmp_path: Path) -> None:
    parse, build = DOCUMENTS[kind]
    path = tmp_path / "consolidated.xml"
    path.write_bytes(build(lists_dir))
    entries = list(parse(path).entries)
    assert len(entries) == {"un": 5, "ofac_sdnlist": 3, "ofac_advanced": 3}[kind]


@pytest.mark.parametrize("kind", sorted(DOCUMENTS))
@FUZZ
@given(data=st.data())
def test_truncation_gives_a_parse_or_a_format_error(
    kind: str, lists_dir: Path, tmp_path: Path, data: st.DataObject
) -> None:
    parse, build = DOCUMENTS[kind]
    document = build(lists_dir)
    cut = data.draw(st.integers(min_value=0, max_value=len(document) - 1), label="cut")
    outcome = _outcome(parse, tmp_path / "consolidated.xml", document[:cut])
    # A cut that loses any of the closing root tag can never parse; only trailing blanks may go.
    root_closed = document.rstrip().endswith(b">") and cut >= len(document.rstrip())
    assert outcome == ("ok" if root_closed else "error")


@pytest.mark.parametrize("kind", sorted(DOCUMENTS))
@FUZZ
@given(data=st.data())
def test_byte_flips_give_a_parse_or_a_format_error(
    kind: str, lists_dir: Path, tmp_path: Path, data: st.DataObject
) -> None:
    parse, build = DOCUMENTS[kind]
    document = bytearray(build(lists_dir))
    flips = data.draw(
        st.lists(
            st.tuples(st.integers(0, len(document) - 1), st.integers(0, 255)),
            min_size=1,
            max_size=4,
        ),
        label="flips",
    )
    for position, value in flips:
        document[position] = value
    _outcome(parse, tmp_path / "consolidated.xml", bytes(document))
