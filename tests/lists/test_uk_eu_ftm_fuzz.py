"""Property tests for the UK, EU and FtM parsers: damaged real files fail cleanly.

Whatever bytes arrive, parsing and consuming the entries either succeeds or raises
`ListFormatError` naming the file; nothing else may escape. Where a cut's effect is known
exactly (a UK row or an FtM JSON line cut short), the error must name that line.

The inputs are slices of the real files, small enough to parse in milliseconds: whole groups of
the UK list (each group's prime alias row first, so that any cut at a row boundary leaves
complete targets), the first lines of the EU sample (damaged and repaired), the zala export
and the t2 delta series.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearance.lists import eu_fsf, ftm, uk_csv
from clearance.lists.errors import ListFormatError
from clearance.model import Entry

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
UK_GROUPS = ("13349", "6894", "7247", "11241", "11583", "12862", "13562", "13556")
UK_WIDTH = 29
EU_LINES = 150
EU_ENTITIES = 22  # logical ids in the first 150 lines of the sample


@dataclass(frozen=True)
class Sample:
    """Bytes of a real file, with a short repr for hypothesis' failure reports."""

    name: str
    data: bytes

    def __repr__(self) -> str:
        return f"Sample({self.name!r}, {len(self.data)} bytes)"


@pytest.fixture
def scratch() -> Iterator[Path]:
    """A folder for one test; hypothesis examples share it and rewrite what they use."""
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


@pytest.fixture(scope="module")
def uk_sample(lists_dir: Path) -> Sample:
    path = lists_dir / "uk" / "2018-04-13" / "sanctionsconlist.csv"
    first, header, *data = path.read_bytes().splitlines(keepends=True)
    picked: list[bytes] = []
    for group in UK_GROUPS:
        mine = [r for r in data if r.rstrip(b"\n").rsplit(b",", 1)[1] == group.encode()]
        picked += sorted(mine, key=lambda r: b",Prime Alias," not in r)
    return Sample("uk", b"".join([first, header, *picked]))


@pytest.fixture(scope="module")
def eu_damaged(lists_dir: Path) -> Sample:
    path = lists_dir / "eu" / "samples" / "2018-07-04_fsf_csv_first1000lines.csv"
    return Sample("eu damaged", b"".join(path.read_bytes().splitlines(keepends=True)[:EU_LINES]))


@pytest.fixture(scope="module")
def eu_repaired(eu_damaged: Sample) -> Sample:
    lines = eu_damaged.data.decode("cp1252").splitlines()
    repaired = [line[1:-1].replace('""', '"').rstrip("\t").replace("\t", ",") for line in lines]
    repaired[0] = repaired[0].replace("Date_filexxxx", "Date_file")
    return Sample("eu repaired", b"\xef\xbb\xbf" + "\n".join(repaired).encode() + b"\n")


@pytest.fixture(scope="module")
def zala(lists_dir: Path) -> Sample:
    path = lists_dir / "opensanctions" / "yente_fixtures" / "zala" / "entities.ftm.json"
    return Sample("zala", path.read_bytes())


def consume(parse: Callable[[Path], object], path: Path) -> list[Entry]:
    parsed = parse(path)
    assert hasattr(parsed, "entries")
    return list(parsed.entries)


def outcome(parse: Callable[[Path], object], path: Path, data: bytes) -> ListFormatError | None:
    """Parse `data` written at `path`: None if it parses, else the ListFormatError."""
    path.write_bytes(data)
    try:
        consume(parse, path)
    except ListFormatError as error:
        assert error.path == str(path)
        assert error.line is None or 1 <= error.line <= data.count(b"\n") + 1
        return error
    return None


corruptions = st.lists(
    st.tuples(st.floats(min_value=0, max_value=1, exclude_max=True), st.binary(max_size=3)),
    min_size=1,
    max_size=4,
)


def corrupt(data: bytes, edits: list[tuple[float, bytes]]) -> bytes:
    """Overwrite bytes at relative positions (an empty replacement deletes one byte)."""
    out = bytearray(data)
    for where, new in edits:
        at = int(where * len(out))
        out[at : at + max(len(new), 1)] = new
    return bytes(out)


def split_cut(kept: bytes, whole: bytes) -> tuple[int, bytes, bytes]:
    """(complete lines, the partial line kept, that line in full without its line end)."""
    complete = kept.count(b"\n")
    partial = kept.rsplit(b"\n", 1)[-1] if b"\n" in kept else kept
    full = whole.splitlines()[complete] if partial else b""
    return complete, partial, full


# --- UK ----------------------------------------------------------------------------------------


def test_uk_slice_is_sound(uk_sample: Sample, scratch: Path) -> None:
    path = scratch / "conlist.csv"
    assert outcome(uk_csv.parse, path, uk_sample.data) is None
    assert sorted(e.source_id for e in consume(uk_csv.parse, path)) == sorted(UK_GROUPS)


@FUZZ
@given(cut=st.integers(min_value=0, max_value=10**6))
def test_uk_cut_fails_exactly_at_the_cut_row(uk_sample: Sample, scratch: Path, cut: int) -> None:
    whole = uk_sample.data
    kept = whole[: cut % (len(whole) + 1)]
    error = outcome(uk_csv.parse, scratch / "conlist.csv", kept)
    complete, partial, full = split_cut(kept, whole)
    if not partial or partial == full:
        if complete + bool(partial) >= 2:
            assert error is None  # the prime alias row comes first: every target is whole
        return
    if complete >= 2:
        fields = next(csv.reader(io.StringIO(partial.decode("cp1252"))), [])
        if len(fields) == UK_WIDTH and partial.count(b'"') % 2 == 0:
            return  # cut inside the last field (the Group ID): the row still reads
    assert error is not None and error.line == complete + 1


@FUZZ
@given(edits=corruptions)
def test_uk_corrupted_bytes_parse_or_fail_cleanly(
    uk_sample: Sample, scratch: Path, edits: list[tuple[float, bytes]]
) -> None:
    outcome(uk_csv.parse, scratch / "conlist.csv", corrupt(uk_sample.data, edits))


# --- EU ----------------------------------------------------------------------------------------


def test_eu_slices_are_sound(eu_damaged: Sample, eu_repaired: Sample, scratch: Path) -> None:
    for sample in (eu_damaged, eu_repaired):
        assert outcome(eu_fsf.parse, scratch / "fsf.csv", sample.data) is None
        assert len(consume(eu_fsf.parse, scratch / "fsf.csv")) == EU_ENTITIES


@FUZZ
@given(cut=st.integers(min_value=0, max_value=10**6), repaired=st.booleans())
def test_eu_cut_parses_or_fails_cleanly(
    eu_damaged: Sample, eu_repaired: Sample, scratch: Path, cut: int, repaired: bool
) -> None:
    whole = (eu_repaired if repaired else eu_damaged).data
    kept = whole[: cut % (len(whole) + 1)]
    error = outcome(eu_fsf.parse, scratch / "fsf.csv", kept)
    complete, partial, full = split_cut(kept, whole)
    if not repaired and partial and partial != full.rstrip(b"\r"):
        # A damaged line cut short has lost its closing quote.
        assert error is not None and error.line == complete + 1


@FUZZ
@given(edits=corruptions, repaired=st.booleans())
def test_eu_corrupted_bytes_parse_or_fail_cleanly(
    eu_damaged: Sample,
    eu_repaired: Sample,
    scratch: Path,
    edits: list[tuple[float, bytes]],
    repaired: bool,
) -> None:
    data = (eu_repaired if repaired else eu_damaged).data
    outcome(eu_fsf.parse, scratch / "fsf.csv", corrupt(data, edits))


# --- FtM ---------------------------------------------------------------------------------------


@FUZZ
@given(cut=st.integers(min_value=0, max_value=10**6))
def test_ftm_cut_fails_exactly_at_the_cut_line(zala: Sample, scratch: Path, cut: int) -> None:
    kept = zala.data[: cut % (len(zala.data) + 1)]
    error = outcome(ftm.parse, scratch / "entities.ftm.json", kept)
    complete, partial, full = split_cut(kept, zala.data)
    if not partial or partial == full:
        assert error is None
    else:  # no proper prefix of a JSON object is JSON (or it ends inside a UTF-8 sequence)
        assert error is not None and error.line == complete + 1


@FUZZ
@given(edits=corruptions)
def test_ftm_corrupted_bytes_parse_or_fail_cleanly(
    zala: Sample, scratch: Path, edits: list[tuple[float, bytes]]
) -> None:
    outcome(ftm.parse, scratch / "entities.ftm.json", corrupt(zala.data, edits))


@FUZZ
@given(data=st.data())
def test_ftm_corrupted_delta_series_parse_or_fail_cleanly(
    lists_dir: Path, scratch: Path, data: st.DataObject
) -> None:
    series = scratch / "t2"
    if series.exists():
        shutil.rmtree(series)
    shutil.copytree(lists_dir / "opensanctions" / "yente_fixtures" / "t2", series)
    files = sorted(p for p in series.rglob("*.json") if p.stat().st_size > 0)
    target = data.draw(st.sampled_from(files), label="file")
    original = target.read_bytes()
    if data.draw(st.booleans(), label="truncate"):
        damaged = original[: data.draw(st.integers(0, len(original)), label="cut")]
    else:
        damaged = corrupt(original, data.draw(corruptions, label="edits"))
    target.write_bytes(damaged)
    try:
        for parsed in ftm.parse_delta_series(series):
            list(parsed.entries)
        list(ftm.parse(series).entries)
    except ListFormatError as error:
        assert Path(error.path).is_relative_to(series)


def test_zala_lines_are_json_objects(zala: Sample) -> None:
    """The premise of the exact-cut property above."""
    assert all(isinstance(json.loads(line), dict) for line in zala.data.splitlines())
    assert zala.data.endswith(b"\n")
