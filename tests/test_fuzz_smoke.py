"""`make fuzz` (fuzz/fuzz_inputs.py) in small: every format fuzzed a little, in two processes,
without findings; the runner tells a finding from a clear refusal; the findings it made are
fixed."""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest

from clearance.lists import ftm, ofac_csv, ofac_xml, uk_csv
from clearance.lists.countries import country_code
from clearance.lists.errors import ListFormatError
from clearance.lists.ofac_remarks import mine_remarks
from clearance.lists.uk_csv import _countries_in
from clearance.schema import parse_party

ROOT = Path(__file__).resolve().parents[1]
RUNNER = ROOT / "fuzz" / "fuzz_inputs.py"
FORMATS = (
    "decide",
    "party",
    "ofac_csv",
    "ofac_xml",
    "ofac_advanced_xml",
    "un_xml",
    "uk_csv",
    "eu_fsf",
    "ftm",
)


def _runner() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fuzz_inputs_under_test", RUNNER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_five_hundred_inputs_per_format_and_no_findings(lists_dir: Path) -> None:
    env = dict(os.environ)
    env |= {
        "FUZZ_INPUTS": "500",
        "FUZZ_PROCESSES": "2",
        "CLEARANCE_LISTS_DIR": str(lists_dir),
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [sys.executable, str(RUNNER)], env=env, capture_output=True, text=True, timeout=1800
    )
    assert done.returncode == 0, done.stdout + done.stderr
    table = {
        line.split()[0]: line.split()[1:]
        for line in done.stdout.splitlines()
        if line.split() and line.split()[0] in FORMATS
    }
    assert sorted(table) == sorted(FORMATS)
    for name, (inputs, parsed, refused, findings, _rate) in table.items():
        assert inputs == "500", name
        assert findings == "0", name
        # Mutated seeds both parse and fail: the seeds are valid, the mutations bite.
        assert int(parsed.replace(",", "")) > 0 or name in ("decide", "party"), name
        assert int(refused.replace(",", "")) > 0 or name in ("party",), name
    assert re.search(r"all\s+4,500 in .* 0 distinct finding\(s\)", done.stdout)


@pytest.fixture
def worker_state() -> Iterator[None]:
    """What the runner sets for a worker process (alarm, logging), undone for other tests."""
    alarm = signal.getsignal(signal.SIGPROF)
    yield
    logging.disable(logging.NOTSET)
    signal.signal(signal.SIGPROF, alarm)


@pytest.mark.usefixtures("worker_state")
def test_a_finding_is_told_from_a_refusal_and_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lists_dir: Path
) -> None:
    runner = _runner()
    monkeypatch.setattr(runner, "OUT", tmp_path)
    monkeypatch.setenv("CLEARANCE_LISTS_DIR", str(lists_dir))

    def crash(seed: object, data: bytes, scratch: Path, rng: object) -> None:
        if data.startswith(b"{"):
            raise KeyError("a parser's own bug")
        parse_party({"name": data.decode("utf-8", "replace")}, "fuzz")

    def slow(seed: object, data: bytes, scratch: Path, rng: object) -> None:
        while True:  # CPU time, which the runner's timer counts
            pass

    seed = b'{"name": "Bank Maskan"}'
    monkeypatch.setitem(runner.TARGETS, "crash", runner.Target("json", lambda _: seed, crash))
    monkeypatch.setitem(runner.TARGETS, "slow", runner.Target("json", lambda _: seed, slow))
    runner._init_worker(["crash", "slow"], str(tmp_path / "scratch"))

    assert runner.run_one("crash", b"\x00", 5)[0] == "refused"  # PartyError: a clear error
    assert runner.run_one("crash", b"   ", 5)[0] == "refused"
    assert runner.run_one("crash", b"Bank Maskan", 5) == ("parsed", None)
    outcome, error = runner.run_one("crash", seed, 5)
    assert outcome == "finding" and isinstance(error, KeyError)
    outcome, error = runner.run_one("slow", seed, 0.2)
    assert outcome == "finding" and isinstance(error, runner.TooSlow)

    _, tally = runner.run_batch(("crash", 0, 30, 0, 5.0, []))
    assert tally.inputs == 30 and tally.findings > 0
    assert tally.parsed + tally.refused + tally.findings == 30
    [saved] = tally.new  # one signature, saved once with the input that reproduces it
    assert saved["signature"].startswith("crash|KeyError|")
    reproducer = Path(saved["file"])
    assert reproducer.parent == tmp_path and reproducer.read_bytes().startswith(b"{")
    assert 'KeyError: "a parser\'s own bug"' in reproducer.with_suffix(".txt").read_text()


# --- what the fuzzer found, fixed --------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b'{"id": "x", "schema": "Person", "properties": ' + b"[" * 50_000 + b"}", "nested"),
        (b'{"id": "x", "schema": "Person", "first_seen": ' + b"7" * 5_000 + b"}", "4300 digits"),
    ],
)
def test_ftm_lines_nested_too_deeply_or_with_huge_numbers_are_format_errors(
    tmp_path: Path, lists_dir: Path, line: bytes, message: str
) -> None:
    export = lists_dir / "opensanctions" / "yente_fixtures" / "t1" / "entities.ftm.json"
    first = export.read_bytes().splitlines(keepends=True)[0]
    path = tmp_path / "entities.ftm.json"
    path.write_bytes(first + line + b"\n")
    with pytest.raises(ListFormatError) as caught:
        list(ftm.parse(path).entries)
    assert caught.value.line == 2 and message in str(caught.value)


def test_a_remark_clause_longer_than_any_real_one_is_kept_as_a_note() -> None:
    """A damaged file's 140,000-character clause took 20 s in the identifier patterns."""
    real = "Passport A1234567 (Iran)"
    assert [i.value for i in mine_remarks(real + ".").identifiers] == ["A1234567"]
    damaged = "Passport A1234567" + " 9" * 70_000 + " (Iran)"
    facts = mine_remarks(damaged + ".")
    assert facts.identifiers == () and facts.properties["notes"] == (damaged + ".",)


def test_a_country_field_of_blanks_reads_as_no_country(tmp_path: Path, lists_dir: Path) -> None:
    """`\\s*[;/]\\s*` backtracked quadratically on a run of 140,000 blanks (over 10 CPU-s)."""
    assert _countries_in("Iran ;\tIraq / Syria") == {"IR", "IQ", "SY"}
    assert _countries_in(" " * 140_000) == set()
    sample = lists_dir / "uk" / "2018-04-13" / "sanctionsconlist.csv"
    first, header, *rows = sample.read_bytes().splitlines(keepends=True)
    group = [r for r in rows if r.rstrip(b"\r\n").endswith(b",6894")]
    country = header.decode().split(",").index("Country")
    damaged = []
    for row in group:
        cells = row.decode("utf-8").split(",")  # this group quotes no field
        cells[country] = " " * 100_000  # under the csv module's field limit
        damaged.append(",".join(cells).encode())
    path = tmp_path / "conlist.csv"
    path.write_bytes(first + header + b"".join(damaged))
    [entry] = list(uk_csv.parse(path).entries)
    assert entry.source_id == "6894"


def test_an_ofac_entity_number_of_5000_digits_is_a_format_error(
    tmp_path: Path, lists_dir: Path
) -> None:
    subset = lists_dir / "ofac" / "sdn_csv" / "samples" / "2025-05_subset"
    for name in ("sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv"):
        (tmp_path / name).write_bytes((subset / name).read_bytes())
    alt = (tmp_path / "alt.csv").read_bytes().splitlines(keepends=True)
    alt.insert(1, b"1" * 5_000 + b',10278,"aka","BURTON BURGESS",-0- \r\n')
    (tmp_path / "alt.csv").write_bytes(b"".join(alt))
    with pytest.raises(ListFormatError) as caught:
        list(ofac_csv.parse(tmp_path).entries)
    assert caught.value.line == 2
    assert f"column 1 is not a number: '{'1' * 40}...'" in str(caught.value)


def test_country_names_longer_than_any_real_one_are_no_country() -> None:
    """100,000 characters took over 10 CPU-s in the transliteration of the fallback lookup."""
    assert country_code("Iran (Islamic Republic of)") == "IR"
    assert country_code("Iran " + "x" * 100_000) is None


def test_a_uk_first_line_with_a_run_of_commas_reads_its_date(tmp_path: Path) -> None:
    """`(\\S+?)\\s*,*\\s*$` backtracked quadratically on the commas after the date."""
    path = tmp_path / "conlist.csv"
    assert uk_csv._read_published(["Last Updated", "13/04/2018", *[""] * 100_000], path) == date(
        2018, 4, 13
    )
    with pytest.raises(ListFormatError, match="line 1 must read 'Last Updated,dd/mm/yyyy'"):
        uk_csv._read_published(["Last Updated", "13/04/2018", "x", *[""] * 100_000], path)


def test_an_advanced_xml_year_of_30_digits_is_a_format_error(
    tmp_path: Path, lists_dir: Path
) -> None:
    sample = _runner().seed_ofac_advanced(lists_dir)
    path = tmp_path / "sdn_advanced.xml"
    path.write_bytes(sample.replace(b"<Year>2024</Year>", b"<Year>" + b"9" * 30 + b"</Year>", 1))
    with pytest.raises(ListFormatError, match="not a date: '9999"):
        list(ofac_xml.parse(path).entries)


def test_the_control_character_check_is_the_old_rule_at_c_speed() -> None:
    # `make fuzz` found a 364 MB decide document whose character-by-character check took over
    # 10 CPU seconds; the regex must refuse exactly what the loop refused, on every code point.
    from clearance.schema import has_control

    for code in range(0x110000):
        ch = chr(code)
        old = (ord(ch) < 32 and ch not in "\t\n\r") or ord(ch) == 127
        assert has_control(f"a{ch}b") is old, hex(code)
    assert not has_control("x" * 50_000_000)
