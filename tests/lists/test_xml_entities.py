"""Entity references in list XML: never expanded, and never silently cutting a text.

`<FIRST_NAME>RI &x; JOHN</FIRST_NAME>` used to be read `RI` (the unexpanded reference became a
node of its own and the text after it was lost). Any reference other than the five predefined
ones and numeric character references now refuses the file, naming file and line. Real files
(UN 2018-06-07, OFAC Consolidated XML 2018-04-06) edited in tmp_path.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clearance.lists import parse_list
from clearance.lists.errors import ListFormatError
from clearance.model import ListSource

UN_NAME = b"<FIRST_NAME> RI </FIRST_NAME>"
OFAC_NAME = b"<lastName>BANK MARKAZI JOMHOURI ISLAMI IRAN</lastName>"


def _edited(source: Path, target: Path, old: bytes, new: bytes, doctype: bytes = b"") -> Path:
    data = source.read_bytes()
    assert data.count(old) >= 1
    data = data.replace(old, new, 1)
    if doctype:
        declaration_end = data.index(b"?>") + 2
        data = data[:declaration_end] + doctype + data[declaration_end:]
    target.write_bytes(data)
    return target


def _entries(path: Path, source: ListSource) -> int:
    return sum(1 for _ in parse_list(path, source).entries)


@pytest.fixture
def un_file(lists_dir: Path) -> Path:
    return lists_dir / "un/2018-06-07/consolidated.xml"


@pytest.fixture
def ofac_file(lists_dir: Path) -> Path:
    return lists_dir / "ofac/consolidated/2018-04-06/consolidated.xml"


@pytest.mark.parametrize(
    "doctype",
    [
        b'<!DOCTYPE CONSOLIDATED_LIST [<!ENTITY x "ZZ">]>',
        b'<!DOCTYPE CONSOLIDATED_LIST [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
        b'<!DOCTYPE CONSOLIDATED_LIST SYSTEM "http://example.invalid/list.dtd">',
    ],
    ids=["internal", "external-file", "external-dtd"],
)
def test_declared_entity_reference_is_refused_naming_line(
    un_file: Path, tmp_path: Path, doctype: bytes
) -> None:
    path = _edited(
        un_file, tmp_path / "un.xml", UN_NAME, b"<FIRST_NAME>RI &x; JOHN</FIRST_NAME>", doctype
    )
    with pytest.raises(ListFormatError, match="entity reference &x; in <FIRST_NAME>") as caught:
        _entries(path, ListSource.UN)
    assert (caught.value.path, caught.value.line) == (str(path), 3)


def test_undeclared_entity_reference_is_refused_naming_line(un_file: Path, tmp_path: Path) -> None:
    path = _edited(un_file, tmp_path / "un.xml", UN_NAME, b"<FIRST_NAME>RI &x; JOHN</FIRST_NAME>")
    with pytest.raises(ListFormatError, match="Entity 'x' not defined") as caught:
        _entries(path, ListSource.UN)
    assert (caught.value.path, caught.value.line) == (str(path), 3)


def test_entity_in_ofac_xml_is_refused(ofac_file: Path, tmp_path: Path) -> None:
    path = _edited(
        ofac_file,
        tmp_path / "cons.xml",
        OFAC_NAME,
        b"<lastName>BANK &x; MARKAZI</lastName>",
        b'<!DOCTYPE sdnList [<!ENTITY x "ZZ">]>',
    )
    with pytest.raises(ListFormatError, match="entity reference &x; in <lastName>") as caught:
        _entries(path, ListSource.OFAC_CONS)
    assert (caught.value.path, caught.value.line) == (str(path), 9)


def test_entity_bomb_is_not_expanded(un_file: Path, tmp_path: Path) -> None:
    laughs = b"".join(
        b'<!ENTITY l%d "%s">' % (n, b"&l%d;" % (n - 1) * 10 if n else b"lol") for n in range(10)
    )
    path = _edited(
        un_file,
        tmp_path / "un.xml",
        UN_NAME,
        b"<FIRST_NAME>&l9;</FIRST_NAME>",
        b"<!DOCTYPE CONSOLIDATED_LIST [" + laughs + b"]>",
    )
    # Refused either way: libxml2 stops the amplification, or the reference is refused.
    with pytest.raises(ListFormatError, match=r"amplification|entity reference &l9;"):
        _entries(path, ListSource.UN)


def test_predefined_and_character_references_are_read(un_file: Path, tmp_path: Path) -> None:
    path = _edited(
        un_file,
        tmp_path / "un.xml",
        UN_NAME,
        b"<FIRST_NAME>RI &amp; &#74;&#x4F;HN &lt;&gt;&quot;&apos;</FIRST_NAME>",
    )
    entry = next(e for e in parse_list(path, ListSource.UN).entries if e.source_id == "6908555")
    assert entry.names[0].name.startswith("RI & JOHN <>\"' WON HO")
