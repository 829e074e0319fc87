"""Batch files that stop half-way: no output, no record; errors name the real line.

The parties are real listed names (and unlisted ones): through the use case, the OFAC
Consolidated list of 2018-04-06 in a real store (SQLite and PostgreSQL); through the file
functions, the SDN list of 2023-12-28 (`sdn_index`).
"""

from __future__ import annotations

import csv
import hashlib
import io
import random
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from clearance.audit.tables import audit_record
from clearance.lists import parse_list
from clearance.model import Entry, ListSource
from clearance.screening import BatchInputError, ScreeningIndex, compare_file, screen_file
from clearance.screening.batch import TextLines
from clearance.service import Clearance, ScreenRequest, screen_parties_file
from clearance.settings import load_settings
from clearance.store.versions import import_list

CONSOLIDATED = ("ofac", "consolidated", "2018-04-06")
REQUEST = ScreenRequest(as_of=date(2018, 5, 1))
BAD_LINE = 7_001  # in the second chunk of 5,000 rows: the first chunk was already written


def plain_names(entries: Iterable[Entry]) -> list[str]:
    """The listed primary names, without commas and quotes (so a CSV line needs no quoting
    and holds exactly one record)."""
    return [" ".join(e.primary_name.replace('"', "").replace(",", " ").split()) for e in entries]


def consolidated_names(lists_dir: Path) -> list[str]:
    folder = lists_dir.joinpath(*CONSOLIDATED)
    return plain_names(parse_list(folder, ListSource.OFAC_CONS).entries)


def party_lines(names: list[str], rows: int) -> list[bytes]:
    """`rows` CSV lines of one physical line each (line N of the file is party N - 1): real
    listed names, every third one an unlisted name."""
    lines = []
    for number in range(1, rows + 1):
        name = names[number % len(names)] if number % 3 else f"Unlisted Trader {number}"
        lines.append(f"p{number},{name},,,\n".encode())
    return lines


def write_parties(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"id,name,type,dob,country\n" + b"".join(lines))
    return path


def with_line(lines: list[bytes], line: int, text: bytes) -> list[bytes]:
    """`lines` with file line `line` (the header is line 1) replaced by `text`."""
    out = list(lines)
    out[line - 2] = text
    return out


def records(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(audit_record)).scalar_one())


@pytest.fixture
def app(engine: Engine, tmp_path: Path, lists_dir: Path) -> Clearance:
    import_list(
        engine,
        parse_list(lists_dir.joinpath(*CONSOLIDATED), ListSource.OFAC_CONS),
        date(2018, 4, 6),
    )
    loaded = load_settings({"data_dir": str(tmp_path / "data")}, env={})
    return Clearance(engine, loaded, "tester")


@pytest.fixture(scope="module")
def index(sdn_index: ScreeningIndex) -> ScreeningIndex:
    return sdn_index


@pytest.fixture(scope="module")
def names(sdn_2023: list[Entry]) -> list[str]:
    return plain_names(sdn_2023)


def test_a_run_stopped_by_a_bad_row_leaves_no_output_and_no_record(
    app: Clearance, tmp_path: Path, lists_dir: Path
) -> None:
    lines = party_lines(consolidated_names(lists_dir), 7_500)
    source = write_parties(
        tmp_path / "parties.csv", with_line(lines, BAD_LINE, b"p7000,Bank Maskan,,1952-13-45,\n")
    )
    folder = tmp_path / "out"
    folder.mkdir()
    output = folder / "hits.csv"
    before = records(app.engine)

    with pytest.raises(BatchInputError, match=rf"parties.csv: line {BAD_LINE}: dob"):
        screen_parties_file(app, source, output, REQUEST)
    assert list(folder.iterdir()) == []  # neither the first chunk's hits nor a temporary file
    assert records(app.engine) == before

    output.write_bytes(b"the previous run's hits\n")
    with pytest.raises(BatchInputError):
        screen_parties_file(app, source, output, REQUEST)
    assert output.read_bytes() == b"the previous run's hits\n"  # untouched
    assert list(folder.iterdir()) == [output]
    assert records(app.engine) == before

    fixed = write_parties(tmp_path / "fixed.csv", lines)
    done = screen_parties_file(app, fixed, output, REQUEST)
    assert done.summary.rows == 7_500 and done.summary.matches > 1_000
    assert list(folder.iterdir()) == [output]
    digest = hashlib.sha256(output.read_bytes()).hexdigest()
    assert done.record.payload["output"] == {"path": str(output), "sha256": digest}
    assert records(app.engine) == before + 1


def test_screen_file_and_compare_file_replace_their_output_only_on_success(
    index: ScreeningIndex, tmp_path: Path, names: list[str]
) -> None:
    lines = party_lines(names, 5_200)
    source = write_parties(
        tmp_path / "parties.csv", with_line(lines, 5_150, b"p5149,Bank Maskan,company,,\n")
    )
    output = tmp_path / "out" / "hits.parquet"
    with pytest.raises(BatchInputError, match="line 5150: unknown type 'company'"):
        screen_file(index, source, output)
    assert not output.parent.exists() or list(output.parent.iterdir()) == []

    pairs = [f"{k},{names[k % len(names)]},{names[k * 7 % len(names)]},\n" for k in range(5_100)]
    pairs[5_050] = "5050,Bank Maskan,Bank Maskan,ship\n"
    pair_file = tmp_path / "pairs.csv"
    pair_file.write_text("pair_id,left,right,type\n" + "".join(pairs), encoding="utf-8")
    scored = tmp_path / "scored.csv"
    scored.write_text("earlier\n")
    with pytest.raises(BatchInputError, match="line 5052: unknown type 'ship'"):
        compare_file(pair_file, scored)
    assert scored.read_text() == "earlier\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "out",
        "pairs.csv",
        "parties.csv",
        "scored.csv",
    ]


@pytest.mark.parametrize("line", [3, 150, 2_500])
def test_a_byte_that_is_not_utf8_is_named_by_its_line(
    index: ScreeningIndex, tmp_path: Path, names: list[str], line: int
) -> None:
    """A text layer decodes 8 KiB at a time: a bad byte in the first block was blamed on the
    header (line 1), a later one on the line where its block began."""
    lines = with_line(party_lines(names, 7_000), line, b"p0,M\xfcller Trading GmbH,,,\n")
    source = write_parties(tmp_path / "latin1.csv", lines)
    with pytest.raises(BatchInputError, match=rf"latin1.csv: line {line}: 'utf-8' codec"):
        screen_file(index, source, tmp_path / "hits.csv")
    assert not (tmp_path / "hits.csv").exists()


def test_lines_are_counted_as_the_csv_module_counts_them(
    index: ScreeningIndex, tmp_path: Path, names: list[str]
) -> None:
    """A lone CR ends a line, a quoted line break starts another: the bad byte after both is
    on line 6 (header, p1, p2 with its quoted break = lines 3 and 4, the CR line 5)."""
    source = tmp_path / "odd.csv"
    source.write_bytes(
        b"id,name\r\n"
        + f"p1,{names[1]}\r\n".encode()
        + f'p2,"{names[2]}\r\nBranch"\r\n'.encode()
        + f"p3,{names[3]}\r".encode()
        + b"p4,Caf\xe9 Mosaddegh\r\n"
    )
    with pytest.raises(BatchInputError, match=r"odd.csv: line 6: 'utf-8' codec"):
        screen_file(index, source, tmp_path / "hits.csv")


def test_an_unclosed_quote_is_named_by_the_line_it_opens_on(
    index: ScreeningIndex, tmp_path: Path, names: list[str]
) -> None:
    """Without its closing quote, a record swallows every line to the end of the file; the
    csv module returns it as one row, and the error names where it starts."""
    lines = with_line(party_lines(names, 40), 12, b'p11,"Bank Maskan,,,\n')
    source = write_parties(tmp_path / "quote.csv", lines)
    with pytest.raises(BatchInputError) as caught:
        screen_file(index, source, tmp_path / "hits.csv")
    assert str(caught.value) == (
        f"{source}: line 12: a quoted field opened in this record is never closed "
        "(it runs on to the end of the file, line 41)"
    )
    assert not (tmp_path / "hits.csv").exists()


def test_a_record_spanning_lines_is_named_by_its_first_line(
    index: ScreeningIndex, tmp_path: Path, names: list[str]
) -> None:
    lines = party_lines(names, 30)
    lines[8] = b'p9,"Bank Maskan\nBranch Office",vessel,1970-02-30,\n'  # lines 10 and 11
    source = write_parties(tmp_path / "spans.csv", lines)
    with pytest.raises(BatchInputError, match=r"spans.csv: line 10: dob '1970-02-30'"):
        screen_file(index, source, tmp_path / "hits.csv")


def test_text_lines_split_as_the_text_layer_splits() -> None:
    """`TextLines` (line by line, for the line numbers) gives csv.reader exactly the lines the
    text layer would: LF, CRLF and lone CR ends, a BOM dropped, a last line without an end."""
    rng = random.Random(7)
    pieces = [b"a", b"\xc3\xa9", b"\r", b"\n", b"\r\n", b'"', b",", b" "]
    for _ in range(3_000):
        data = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        if rng.random() < 0.2:
            data = b"\xef\xbb\xbf" + data
        wrapper = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
        assert list(TextLines(io.BytesIO(data), "t")) == list(wrapper), data
        ours = csv.reader(TextLines(io.BytesIO(data), "t"))
        theirs = csv.reader(io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline=""))
        assert list(ours) == list(theirs), data
