"""Property tests for the OFAC CSV parser and remarks miner: damaged input fails cleanly.

Whatever bytes arrive, `ofac_csv.parse` (and consuming its entries) either succeeds or raises
`ListFormatError`; nothing else may escape. Truncation is checked exactly: a file cut inside a
row must fail at that row's line, a file cut at a row boundary must give the complete rows.

The damaged files are built from a slice of the real 2021-07 SDN set (CRLF, Ctrl-Z), small
enough to parse in milliseconds.
"""

from __future__ import annotations

import contextlib
import csv
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearance.lists.countries import country_code
from clearance.lists.errors import ListFormatError
from clearance.lists.ofac_csv import ORPHAN_TOLERANCE, parse
from clearance.lists.ofac_remarks import mine_remarks
from clearance.model import EntryType

SIDE_FILES = ("add.csv", "alt.csv", "sdn_comments.csv")
# Entries with a comments continuation (28263), aliases, addresses and links (21344, 24646).
PICKED = {"21344", "24646", "24647", "28263", "12300"}
PICKED_B = {p.encode() for p in PICKED}
FIRST_ROWS = 25

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass(frozen=True)
class SmallSet:
    files: dict[str, bytes]

    @property
    def main_rows(self) -> list[bytes]:
        """The main file's rows, each without its line end."""
        return [r.removesuffix(b"\r") for r in self.files["sdn.csv"].split(b"\n")[:-1]]


def _lines(path: Path) -> list[bytes]:
    return [line for line in path.read_bytes().split(b"\r\n") if line not in (b"", b"\x1a")]


@pytest.fixture(scope="module")
def small_set(lists_dir: Path) -> SmallSet:
    folder = lists_dir / "ofac" / "sdn_csv" / "2021-07"
    main = _lines(folder / "sdn.csv")
    kept = [r for i, r in enumerate(main) if i < FIRST_ROWS or r.split(b",")[0] in PICKED_B]
    ids = {r.split(b",")[0] for r in kept}
    files = {"sdn.csv": b"".join(r + b"\r\n" for r in kept) + b"\x1a"}
    for name in SIDE_FILES:
        rows = [r for r in _lines(folder / name) if r.split(b",")[0] in ids]
        files[name] = b"".join(r + b"\r\n" for r in rows) + b"\x1a"
    return SmallSet(files)


def _write(folder: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        (folder / name).write_bytes(data)


def _parse_all(folder: Path) -> int:
    return sum(1 for _ in parse(folder).entries)


@pytest.fixture
def scratch() -> Iterator[Path]:
    """A folder for one test; hypothesis examples share it, so each rewrites every file."""
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


def test_small_set_is_sound(small_set: SmallSet, scratch: Path) -> None:
    _write(scratch, small_set.files)
    entries = {e.source_id: e for e in parse(scratch).entries}
    assert len(entries) == len(small_set.main_rows) == FIRST_ROWS + len(PICKED)
    assert entries["28263"].remarks is not None
    assert entries["28263"].remarks.endswith("Linked To: LAZARUS GROUP.")
    assert [r.target_id for r in entries["24646"].relations] == ["21344"]


def _expected_after_cut(rows: list[bytes], kept: bytes) -> tuple[int | None, int]:
    """(line that must fail or None, number of entries) for a main file cut to `kept`."""
    complete = kept.count(b"\n")
    partial = kept.rsplit(b"\n", 1)[-1].removesuffix(b"\r")
    if partial in (b"", b"\x1a"):
        return None, complete
    row = rows[complete]
    readable = {row}
    if row.endswith(b"-0- "):  # a cut inside the final null marker still reads as null
        readable |= {row[:-1], row[:-2]}
    if partial in readable:
        return None, complete + 1
    return complete + 1, complete


def _cut_off_entries(small_set: SmallSet, kept_rows: int) -> int:
    """How many entries the side files name that the first `kept_rows` main rows lack."""
    kept = {row.split(b",")[0] for row in small_set.main_rows[:kept_rows]}
    named = {
        row.split(b",")[0]
        for name in SIDE_FILES
        for row in small_set.files[name].split(b"\r\n")
        if row not in (b"", b"\x1a")
    }
    return len(named - kept)


@FUZZ
@given(data=st.data())
def test_truncated_main_file_fails_exactly_at_the_cut_row(
    small_set: SmallSet, scratch: Path, data: st.DataObject
) -> None:
    main = small_set.files["sdn.csv"]
    cut = data.draw(st.integers(min_value=0, max_value=len(main)), label="cut")
    kept = main[:cut]
    _write(scratch, {**small_set.files, "sdn.csv": kept})
    bad_line, count = _expected_after_cut(small_set.main_rows, kept)
    if bad_line is None and count > 0:
        # A cut at a row boundary: the side files still name the entries cut off, and more
        # of them than a complete set may lack refuse the set as cut short.
        if _cut_off_entries(small_set, count) > ORPHAN_TOLERANCE:
            with pytest.raises(ListFormatError, match="looks cut short"):
                _parse_all(scratch)
        else:
            assert _parse_all(scratch) == count
        return
    with pytest.raises(ListFormatError) as caught:
        _parse_all(scratch)
    assert caught.value.path == str(scratch / "sdn.csv")
    assert caught.value.line == bad_line


@FUZZ
@given(data=st.data())
def test_truncated_side_file_fails_or_parses(
    small_set: SmallSet, scratch: Path, data: st.DataObject
) -> None:
    name = data.draw(st.sampled_from(SIDE_FILES), label="file")
    side = small_set.files[name]
    cut = data.draw(st.integers(min_value=0, max_value=len(side)), label="cut")
    _write(scratch, {**small_set.files, name: side[:cut]})
    try:
        assert _parse_all(scratch) == len(small_set.main_rows)
    except ListFormatError as error:
        assert error.path == str(scratch / name)
        assert error.line is not None


@FUZZ
@given(data=st.data())
def test_corrupted_bytes_fail_cleanly(
    small_set: SmallSet, scratch: Path, data: st.DataObject
) -> None:
    name = data.draw(st.sampled_from(("sdn.csv", *SIDE_FILES)), label="file")
    damaged = bytearray(small_set.files[name])
    for _ in range(data.draw(st.integers(min_value=1, max_value=8), label="changes")):
        position = data.draw(st.integers(min_value=0, max_value=len(damaged) - 1))
        damaged[position] = data.draw(st.integers(min_value=0, max_value=255))
    _write(scratch, {**small_set.files, name: bytes(damaged)})
    try:
        _parse_all(scratch)
    except ListFormatError as error:
        assert error.path.startswith(str(scratch))


@FUZZ
@given(garbage=st.binary(max_size=2000), name=st.sampled_from(("sdn.csv", *SIDE_FILES)))
def test_random_bytes_fail_cleanly(
    small_set: SmallSet, scratch: Path, garbage: bytes, name: str
) -> None:
    _write(scratch, {**small_set.files, name: garbage})
    with contextlib.suppress(ListFormatError):
        _parse_all(scratch)


# --- round trip: rows written in OFAC's format read back as written --------------------------

# Text OFAC could publish: Windows-1252 characters, no control characters.
PUBLISHABLE = st.text(
    alphabet=st.characters(
        codec="cp1252", exclude_categories=["Cc"], exclude_characters="\x81\x8d\x8f\x90\x9d"
    ),
    min_size=1,
    max_size=40,
).filter(lambda s: s.strip() != "")
PROGRAM = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-", min_size=1, max_size=12)
TYPES = {"individual": EntryType.PERSON, "vessel": EntryType.VESSEL, None: EntryType.ORGANIZATION}


def _quote(value: str | None) -> str:
    return "-0- " if value is None else '"' + value.replace('"', '""') + '"'


@FUZZ
@given(
    rows=st.lists(
        st.tuples(
            PUBLISHABLE,
            st.sampled_from(sorted(TYPES, key=str)),
            st.lists(PROGRAM, min_size=1, max_size=4, unique=True),
            st.one_of(st.none(), PUBLISHABLE),
        ),
        min_size=1,
        max_size=8,
    ),
    crlf=st.booleans(),
)
def test_written_rows_read_back(
    scratch: Path,
    rows: list[tuple[str, str | None, list[str], str | None]],
    crlf: bool,
) -> None:
    end = "\r\n" if crlf else "\n"
    lines = []
    for number, (name, kind, programs, title) in enumerate(rows, start=1):
        fields = [str(number), _quote(name), _quote(kind), _quote("] [".join(programs))]
        fields += [_quote(title)] + ["-0- "] * 7
        lines.append(",".join(fields) + end)
    (scratch / "sdn.csv").write_bytes(("".join(lines) + ("\x1a" if crlf else "")).encode("cp1252"))
    entries = list(parse(scratch).entries)
    assert [e.source_id for e in entries] == [str(n) for n in range(1, len(rows) + 1)]
    for entry, (name, kind, programs, title) in zip(entries, rows, strict=True):
        assert entry.primary_name == " ".join(name.split())
        assert entry.type is TYPES[kind]
        assert entry.programs == tuple(programs)
        stripped = title.strip() if title else ""
        assert entry.properties.get("title") == ((stripped,) if stripped else None)


def test_csv_module_agrees_on_the_real_rows(small_set: SmallSet, scratch: Path) -> None:
    """The parser's field split matches Python's csv reader on real rows."""
    _write(scratch, small_set.files)
    text = small_set.files["sdn.csv"].decode("cp1252").removesuffix("\x1a")
    names = [" ".join(row[1].split()) for row in csv.reader(text.splitlines())]
    assert [e.names[0].name for e in parse(scratch).entries] == names


# --- remarks and country names -----------------------------------------------------------------

CLAUSE_PARTS = st.sampled_from(
    [
        "DOB",
        "alt. DOB",
        "POB",
        "nationality",
        "citizen",
        "Passport",
        "a.k.a. '",
        "f.k.a.",
        "Linked To:",
        "Digital Currency Address -",
        "Vessel Registration Identification IMO",
        "Listing Date (",
        "Executive Order 1 Directive Determination -",
        "circa",
        " to ",
        "(",
        ")",
        "'",
        ".",
        ":",
        " - ",
        "15 Jul 1966",
        "1960",
        "Korea, North",
        "Region: Crimea",
    ]
)
REMARKS = st.lists(st.one_of(CLAUSE_PARTS, st.text(max_size=12)), max_size=14).map(
    lambda parts: " ".join(parts)
)


@settings(max_examples=400, deadline=None)
@given(text=st.one_of(st.text(max_size=300), REMARKS))
def test_remarks_miner_never_raises(text: str) -> None:
    facts = mine_remarks(text)
    assert all(n.name.strip() for n in facts.weak_names)
    assert all(r.target_name for r in facts.relations)
    assert all(i.value and i.kind for i in facts.identifiers)
    assert all(len(c) == 2 and c.isupper() for c in facts.countries)
    for date in facts.birth_dates:
        assert len(date) in (4, 7, 10) and date[:4].isdigit()


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=60))
def test_country_code_never_raises(text: str) -> None:
    code = country_code(text)
    assert code is None or (len(code) == 2 and code.isupper())
