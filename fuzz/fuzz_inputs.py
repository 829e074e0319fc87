"""Fuzz every input door of clearance with mutated real inputs (`make fuzz`).

Targets, one per input format:

- `decide`: the transaction input of `clearance decide` (one JSON object, an array or JSON
  lines), read by `decisions.transaction.read_transactions` and validated by
  `Transaction.from_dict`, the model the CLI and the API share;
- `party`: the party model every door shares (`schema.PartyIn` through `parse_party`);
- one per list parser: OFAC CSV set, OFAC XML, OFAC advanced XML, UN XML, UK HMT CSV,
  EU FSF CSV, FtM JSON lines.

Seeds are small slices of the real list files, cut at run time from `CLEARANCE_LISTS_DIR`
(default `../shared/data/lists` from the repository root); `decide` starts from
`examples/fsb-fees.jsonl`, `party` from the parties of `examples/parties.csv`. The data holds
no OFAC advanced XML file, so that seed is the schema-conformant sample of the tests
(`tests/lists/test_ofac_xml.py`, three real SDN entries written in the advanced format).

Each input is a seed with one to three mutations: byte flips, truncation, inserted NUL,
control or default-ignorable characters, huge runs, deep nesting, duplicated fields or lines,
entity references (XML DOCTYPEs with internal and external entities, character references),
broken UTF-8 and splices. The only acceptable outcomes are a complete parse (every entry read)
or one of clearance's own clear errors (`service.errors.user_errors()`). Anything else — any
other exception, or an input that takes more than `FUZZ_TIMEOUT` CPU seconds — is a finding:
its traceback and the input that reproduces it are saved in `build/fuzz/`
(`python fuzz/fuzz_inputs.py --replay FILE.bin` runs one again).

Settings (environment): `FUZZ_INPUTS` per format (default 1,000,000), `FUZZ_PROCESSES`
(default 2), `FUZZ_FORMATS` (comma-separated, default all), `FUZZ_SEED` (default 0),
`FUZZ_TIMEOUT` (CPU seconds per input, default 10: the largest inputs, 1.2 MB, parse in about
1.5 s; the backtracking this looks for takes minutes; CPU time, so that a loaded machine does
not make a slow input of a fast one). Inputs are
numbered; input N of a format is the same bytes for the same FUZZ_SEED on any machine. Exit
status 1 when there are findings.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import logging
import multiprocessing
import os
import random
import re
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "build" / "fuzz"
BATCH = 200  # inputs per task handed to a worker process

# --- seeds: small slices of the real files ---------------------------------------------------


def lists_dir() -> Path:
    configured = os.environ.get("CLEARANCE_LISTS_DIR")
    return Path(configured) if configured else (ROOT / ".." / "shared" / "data" / "lists").resolve()


def _first_records(data: bytes, tag: bytes, count: int) -> tuple[int, int]:
    start = data.index(b"<" + tag + b">")
    end = start
    for _ in range(count):
        end = data.index(b"</" + tag + b">", end) + len(tag) + 3
    return start, end


def _lines(path: Path, count: int) -> bytes:
    with path.open("rb") as handle:
        return b"".join(handle.readline() for _ in range(count))


def seed_ofac_xml(lists: Path) -> bytes:
    data = (lists / "ofac/consolidated/2018-04-06/consolidated.xml").read_bytes()
    _, end = _first_records(data, b"sdnEntry", 3)
    head = re.sub(
        rb"<Record_Count>\d+</Record_Count>", b"<Record_Count>3</Record_Count>", data[:end]
    )
    return head + b"\r\n</sdnList>\r\n"


def seed_un_xml(lists: Path) -> bytes:
    data = (lists / "un/2018-06-07/consolidated.xml").read_bytes()
    _, end = _first_records(data, b"INDIVIDUAL", 2)
    start, entity_end = _first_records(data, b"ENTITY", 1)
    return (
        data[:end]
        + b"\n</INDIVIDUALS>\n<ENTITIES>\n"
        + data[start:entity_end]
        + b"\n</ENTITIES>\n</CONSOLIDATED_LIST>\n"
    )


def seed_ofac_advanced(lists: Path) -> bytes:
    """The tests' advanced-XML sample (no real advanced file is in the data)."""
    path = ROOT / "tests" / "lists" / "test_ofac_xml.py"
    spec = importlib.util.spec_from_file_location("_clearance_ofac_xml_sample", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sample: str = module.ADVANCED_SAMPLE
    return sample.encode("utf-8")


OFAC_CSV_FILES = ("sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv")


def seed_ofac_csv(lists: Path) -> dict[str, bytes]:
    """The first six entries of the May 2025 SDN subset and their side-file rows."""
    folder = lists / "ofac/sdn_csv/samples/2025-05_subset"
    main = _lines(folder / "sdn.csv", 6)
    ids = {line.split(b",", 1)[0] for line in main.splitlines() if line.strip()}
    files = {"sdn.csv": main}
    for name in OFAC_CSV_FILES[1:]:
        rows = (folder / name).read_bytes().splitlines(keepends=True)
        kept = [r for r in rows if r.split(b",", 1)[0] in ids]
        files[name] = b"".join(kept[:8])
    return files


UK_GROUPS = (b"13349", b"6894", b"11241")


def seed_uk_csv(lists: Path) -> bytes:
    """Three whole targets (every row of their group, the prime alias row first)."""
    path = lists / "uk/2018-04-13/sanctionsconlist.csv"
    first, header, *rows = path.read_bytes().splitlines(keepends=True)
    picked: list[bytes] = []
    for group in UK_GROUPS:
        mine = [r for r in rows if r.rstrip(b"\r\n").rsplit(b",", 1)[1] == group]
        picked += sorted(mine, key=lambda r: b",Prime Alias," not in r)
    return b"".join([first, header, *picked])


def seed_eu_fsf(lists: Path) -> bytes:
    return _lines(lists / "eu/samples/2018-07-04_fsf_csv_first1000lines.csv", 24)


def seed_ftm(lists: Path) -> bytes:
    return _lines(lists / "opensanctions/yente_fixtures/zala/entities.ftm.json", 10)


def seed_decide(lists: Path) -> bytes:
    return (ROOT / "examples" / "fsb-fees.jsonl").read_bytes()


def seed_party(lists: Path) -> bytes:
    """Parties as JSON lines: the example parties, and a listed person of the SDN subset."""
    import csv
    import io

    text = (ROOT / "examples" / "parties.csv").read_text(encoding="utf-8")
    rows = [
        {k: v for k, v in row.items() if v and k != "id"}
        for row in csv.DictReader(io.StringIO(text))
    ]
    rows.append(
        {
            "name": "LOGAN MOREY, Elvis Angus",
            "type": "person",
            "dob": "1963-07-28",
            "country": "BZ",
            "identifiers": [{"kind": "passport", "value": "P0017003", "country": "BZ"}],
            "role": "payee",
            "address": "Toledo District",
            "city": "Punta Gorda",
        }
    )
    return b"".join(json.dumps(r, ensure_ascii=False).encode("utf-8") + b"\n" for r in rows)


# --- mutations -------------------------------------------------------------------------------

CONTROL = [chr(c) for c in (*range(0, 32), 127, 0x85)]
IGNORABLE = [
    "\u00ad", "\u034f", "\u061c", "\u115f", "\u1160", "\u17b4", "\u180e", "\u200b", "\u200c",
    "\u200d", "\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2060",
    "\u2061", "\u2064", "\u2066", "\u2067", "\u2068", "\u2069", "\u3164", "\ufe00", "\ufe0f",
    "\ufeff", "\uffa0", "\U0001d173", "\U000e0001", "\U000e0020", "\U000e0100", "\U000e0fff",
]  # fmt: skip
ODD_TEXT = [
    "\u2028", "\u2029", "\ufffd", "\U0010ffff", "\u0301" * 40, "\U0001f600", "İ", "ß", "ǅ",
    "ﬃ", "\u0627\u0644", "\u05d0", "Ω", "ⅻ", "٣", "\uffff", "\ufdd0",
]  # fmt: skip
BROKEN_UTF8 = [
    b"\xff", b"\xfe", b"\xc0\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82",
    b"\x80", b"\xef\xbb\xbf", b"\xf0\x9f\x98", b"\xc3",
]  # fmt: skip
RUN_UNITS = [
    b"A", b"9", b"\x00", b" ", b'"', b",", b";", b"\n", b"\r", b"<", b"&", b"-0- ", b"\xc3\xa9",
    b"\xe2\x80\x8b", b"a.k.a. 'X'; ", b"DOB 1970; ", b"\\", b"{", b"[",
]  # fmt: skip
ENTITY_REFS = [
    b"&undefined;", b"&#0;", b"&#x0;", b"&#xD800;", b"&#1114112;", b"&#x110000;", b"&#65535;",
    b"&#x1F;", b"&lt;", b"&amp;", b"&#99999999999999999999;", b"&", b"&#;", b"&#x;", b"&e;",
]  # fmt: skip
DOCTYPES = [
    b'<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
    b'<!DOCTYPE r [<!ENTITY e SYSTEM "http://127.0.0.1:9/x">]>',
    b'<!DOCTYPE r [<!ENTITY % p SYSTEM "file:///etc/hostname"> %p;]>',
    b'<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
    b'<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">]>',
    b'<!DOCTYPE r [<!ENTITY e "<sdnEntry><uid>1</uid></sdnEntry>">]>',
    b'<!DOCTYPE r SYSTEM "file:///etc/passwd">',
    b'<!DOCTYPE r [<!ENTITY e "x&e;">]>',
]


def _position(rng: random.Random, data: bytes) -> int:
    return rng.randint(0, len(data))


def flip(rng: random.Random, data: bytes, kind: str) -> bytes:
    if not data:
        return bytes([rng.randrange(256)])
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        at = rng.randrange(len(out))
        out[at] = rng.randrange(256) if rng.random() < 0.7 else out[at] ^ (1 << rng.randrange(8))
    return bytes(out)


def truncate(rng: random.Random, data: bytes, kind: str) -> bytes:
    return data[: rng.randint(0, max(len(data) - 1, 0))]


def insert_char(rng: random.Random, data: bytes, kind: str) -> bytes:
    pool = rng.choice((CONTROL, IGNORABLE, ODD_TEXT))
    text = "".join(rng.choice(pool) for _ in range(rng.randint(1, 4)))
    piece = text.encode("utf-8", "surrogatepass")
    at = _position(rng, data)
    return data[:at] + piece + data[at:]


def broken_utf8(rng: random.Random, data: bytes, kind: str) -> bytes:
    at = _position(rng, data)
    return data[:at] + rng.choice(BROKEN_UTF8) + data[at:]


def huge_run(rng: random.Random, data: bytes, kind: str) -> bytes:
    unit = rng.choice(RUN_UNITS)
    size = rng.choice((1_000, 5_000, 70_000, 140_000)) if rng.random() < 0.97 else 1_200_000
    run = unit * max(size // len(unit), 1)
    at = _position(rng, data)
    if rng.random() < 0.5:  # replace a value-ish span rather than only insert
        end = min(len(data), at + rng.randint(0, 40))
        return data[:at] + run + data[end:]
    return data[:at] + run + data[at:]


def nesting(rng: random.Random, data: bytes, kind: str) -> bytes:
    depth = rng.choice((50, 300, 1_000, 20_000, 200_000))
    if kind == "xml":
        tags = [m.end() for m in re.finditer(rb">", data)] or [0]
        at = rng.choice(tags)
        name = rng.choice((b"a", b"sdnEntry", b"INDIVIDUAL", b"Sanctions", b"aka"))
        return (
            data[:at]
            + b"<"
            + name
            + b">" * 1
            + (b"<" + name + b">") * depth
            + (b"</" + name + b">") * (depth + 1)
            + data[at:]
        )
    if kind == "json":
        colons = [m.end() for m in re.finditer(rb":\s*", data)] or [0]
        at = rng.choice(colons)
        opener, closer = rng.choice(((b"[", b"]"), (b'{"a":', b"}"), (b'{"name":', b"}")))
        tail = closer * depth if rng.random() < 0.8 else b""  # sometimes never closed
        return data[:at] + opener * depth + b"1" + tail + b"," + data[at:]
    # CSV: nested quotes and quoted line breaks
    at = _position(rng, data)
    return data[:at] + (b'"' * rng.choice((2, 3, 1_001))) + b"\n" * rng.randint(0, 3) + data[at:]


_JSON_FIELD = re.compile(
    rb'"[A-Za-z_]+"\s*:\s*(?:"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|true|false|null)'
)
_XML_ELEMENT = re.compile(rb"<([A-Za-z_][\w]*)(?:\s[^<>]*)?>[^<]*</\1>")
_XML_ATTRIBUTE = re.compile(rb'\s[A-Za-z_][\w]*="[^"]*"')


def duplicate(rng: random.Random, data: bytes, kind: str) -> bytes:
    patterns = {"json": [_JSON_FIELD], "xml": [_XML_ELEMENT, _XML_ATTRIBUTE]}.get(kind, [])
    matches = [m for p in patterns for m in p.finditer(data)]
    if matches and rng.random() < 0.8:
        found = rng.choice(matches)
        glue = b"," if kind == "json" else b""
        return data[: found.end()] + glue + found.group(0) + data[found.end() :]
    lines = data.splitlines(keepends=True)
    if not lines:
        return data + data
    at = rng.randrange(len(lines))
    copies = rng.choice((1, 1, 2, 50))
    return b"".join(lines[: at + 1] + [lines[at]] * copies + lines[at + 1 :])


def entity_reference(rng: random.Random, data: bytes, kind: str) -> bytes:
    if kind == "xml" and rng.random() < 0.5:
        doctype = rng.choice(DOCTYPES)
        start = data.find(b"?>")
        at = start + 2 if start >= 0 else 0
        body = data[:at] + b"\n" + doctype + data[at:]
        refs = [m.end() for m in re.finditer(rb">", body[at + len(doctype) + 1 :])]
        if refs:  # use the entity inside an element
            offset = at + len(doctype) + 1 + rng.choice(refs)
            body = body[:offset] + rng.choice((b"&e;", b"&d;", b"&p;")) + body[offset:]
        return body
    at = _position(rng, data)
    return data[:at] + rng.choice(ENTITY_REFS) + data[at:]


def splice(rng: random.Random, data: bytes, kind: str) -> bytes:
    if len(data) < 2:
        return data * 2
    start = rng.randrange(len(data))
    piece = data[start : start + rng.randint(1, 400)]
    at = _position(rng, data)
    return data[:at] + piece + data[at:]


MUTATIONS: tuple[Callable[[random.Random, bytes, str], bytes], ...] = (
    flip,
    truncate,
    insert_char,
    broken_utf8,
    huge_run,
    nesting,
    duplicate,
    entity_reference,
    splice,
)


def mutate(rng: random.Random, data: bytes, kind: str) -> bytes:
    for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
        data = rng.choice(MUTATIONS)(rng, data, kind)
    return data


# --- structural mutations for the JSON models (most inputs should reach the model) ----------

STRANGE_VALUES: list[Any] = [
    None, True, 0, -1, 10**30, 1.5, float("nan"), float("inf"), "", " ", [], {}, [[]], {"a": 1},
    "1952-13-45", "0000", "9999-99-99", "1e400", "-0", "XX", "ZZ", "ru", "NaN", "Infinity",
    "2024-02-30", "  person ", "vessel", "ORGANIZATION", "\x00", "a" * 600, "9" * 5000,
]  # fmt: skip


def _mutate_text(rng: random.Random, text: str) -> str:
    raw = mutate(rng, text.encode("utf-8", "surrogatepass"), "text")
    text = raw.decode("utf-8", "replace")
    if rng.random() < 0.05:  # a lone surrogate: valid in a Python str and in JSON text
        at = rng.randint(0, len(text))
        text = text[:at] + "\ud800" + text[at:]
    return text


def _mutate_value(rng: random.Random, value: Any, depth: int = 0) -> Any:
    choice = rng.random()
    if isinstance(value, dict) and value and choice < 0.7 and depth < 6:
        key = rng.choice(list(value))
        out = dict(value)
        action = rng.random()
        if action < 0.15:
            del out[key]
        elif action < 0.25:
            out[_mutate_text(rng, key)] = out.pop(key)
        elif action < 0.3:
            out[rng.choice(("extra", "Name", "name ", "id", "__proto__"))] = rng.choice(
                STRANGE_VALUES
            )
        else:
            out[key] = _mutate_value(rng, value[key], depth + 1)
        return out
    if isinstance(value, list) and value and choice < 0.7 and depth < 6:
        out_list = list(value)
        at = rng.randrange(len(out_list))
        action = rng.random()
        if action < 0.2:
            out_list.append(out_list[at])
        elif action < 0.3:
            out_list = out_list * rng.choice((2, 100))
        elif action < 0.4:
            del out_list[at]
        else:
            out_list[at] = _mutate_value(rng, out_list[at], depth + 1)
        return out_list
    if isinstance(value, str) and choice < 0.75:
        return _mutate_text(rng, value)
    return rng.choice(STRANGE_VALUES)


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, default=str).encode("utf-8", "surrogatepass")


def mutate_json_lines(rng: random.Random, seed: bytes) -> bytes:
    """Half the time the text itself, half the time one record's structure, re-serialised."""
    if rng.random() < 0.5:
        return mutate(rng, seed, "json")
    lines = [json.loads(line, parse_float=Decimal) for line in seed.splitlines() if line.strip()]
    for _ in range(rng.choice((1, 1, 2, 3))):
        at = rng.randrange(len(lines))
        lines[at] = _mutate_value(rng, lines[at])
    layout = rng.random()
    if layout < 0.2:
        return _dumps(lines)  # an array
    if layout < 0.3:
        return _dumps(rng.choice(lines))  # one object
    return b"\n".join(_dumps(line) for line in lines) + b"\n"


# --- targets ---------------------------------------------------------------------------------


@dataclass
class Target:
    kind: str  # json, xml or csv: which structural mutations apply
    seed: Callable[[Path], Any]
    run: Callable[[Any, bytes, Path, random.Random], None]
    files: tuple[str, ...] = ()
    seed_data: Any = None
    generate: Callable[[random.Random, Any], tuple[str, bytes]] | None = None


def _consume(parsed: Any) -> None:
    for entry in parsed.entries:
        assert entry.source_id, "an entry without a source id"


def _write(scratch: Path, name: str, data: bytes) -> Path:
    path = scratch / name
    path.write_bytes(data)
    return path


def run_list_file(parser: str, name: str) -> Callable[[Any, bytes, Path, random.Random], None]:
    def run(seed: Any, data: bytes, scratch: Path, rng: random.Random) -> None:
        from importlib import import_module

        parse = import_module(parser).parse
        _consume(parse(_write(scratch, name, data)))

    return run


def run_ofac_csv(seed: dict[str, bytes], data: bytes, scratch: Path, rng: random.Random) -> None:
    from clearance.lists import ofac_csv

    # `data` is the mutated file, prefixed by its name and a NUL (see generate_ofac_csv).
    name, _, body = data.partition(b"\x00")
    folder = scratch / "ofac-csv"
    folder.mkdir(exist_ok=True)
    for file, content in seed.items():
        (folder / file).write_bytes(body if file == name.decode() else content)
    _consume(ofac_csv.parse(folder))


def generate_ofac_csv(rng: random.Random, seed: dict[str, bytes]) -> tuple[str, bytes]:
    name = rng.choice(("sdn.csv", "sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv"))
    return name, name.encode() + b"\x00" + mutate(rng, seed[name], "csv")


def run_decide(seed: bytes, data: bytes, scratch: Path, rng: random.Random) -> None:
    from clearance.decisions.transaction import Transaction, read_transactions

    for record in read_transactions(data, "fuzz.jsonl").records:
        if record.error is None:
            with contextlib.suppress(*ACCEPTED):
                Transaction.from_dict(record.data, record.where)


def run_party(seed: bytes, data: bytes, scratch: Path, rng: random.Random) -> None:
    from clearance.schema import parse_party

    for number, line in enumerate(data.splitlines(), start=1):
        if not line.lstrip().startswith(b"{"):
            continue  # cannot be a JSON object (mutations make thousands of such lines)
        try:
            value = json.loads(line)
        except (ValueError, RecursionError):
            continue  # not JSON: the door's JSON reader refuses it before the model sees it
        if isinstance(value, dict):
            with contextlib.suppress(*ACCEPTED):
                parse_party(value, f"party {number}")


TARGETS: dict[str, Target] = {
    "decide": Target("json", seed_decide, run_decide),
    "party": Target("json", seed_party, run_party),
    "ofac_csv": Target("csv", seed_ofac_csv, run_ofac_csv, generate=generate_ofac_csv),
    "ofac_xml": Target("xml", seed_ofac_xml, run_list_file("clearance.lists.ofac_xml", "sdn.xml")),
    "ofac_advanced_xml": Target(
        "xml", seed_ofac_advanced, run_list_file("clearance.lists.ofac_xml", "sdn_advanced.xml")
    ),
    "un_xml": Target(
        "xml", seed_un_xml, run_list_file("clearance.lists.un_xml", "consolidated.xml")
    ),
    "uk_csv": Target(
        "csv", seed_uk_csv, run_list_file("clearance.lists.uk_csv", "sanctionsconlist.csv")
    ),
    "eu_fsf": Target("csv", seed_eu_fsf, run_list_file("clearance.lists.eu_fsf", "fsf.csv")),
    "ftm": Target("json", seed_ftm, run_list_file("clearance.lists.ftm", "entities.ftm.json")),
}


def generate(name: str, target: Target, number: int, base_seed: int) -> bytes:
    """Input `number` of format `name`: the same bytes for the same base seed, always."""
    rng = random.Random(f"{base_seed}:{name}:{number}")
    if target.generate is not None:
        return target.generate(rng, target.seed_data)[1]
    if name in ("decide", "party"):
        return mutate_json_lines(rng, target.seed_data)
    return mutate(rng, target.seed_data, target.kind)


# --- running ---------------------------------------------------------------------------------

ACCEPTED: tuple[type[BaseException], ...] = ()


class TooSlow(BaseException):  # not an Exception: no target may swallow it
    """An input took more than FUZZ_TIMEOUT CPU seconds."""


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise TooSlow(f"took more than {os.environ.get('FUZZ_TIMEOUT', '10')} CPU seconds")


_SCRATCH: Path | None = None


def _init_worker(formats: list[str], scratch: str) -> None:
    global ACCEPTED, _SCRATCH
    from clearance.service.errors import user_errors

    ACCEPTED = user_errors()
    lists = lists_dir()
    for name in formats:
        TARGETS[name].seed_data = TARGETS[name].seed(lists)
    _SCRATCH = Path(scratch) / str(os.getpid())
    _SCRATCH.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGPROF, _on_alarm)
    logging.disable(logging.WARNING)  # the parsers' warnings about skipped rows: not findings
    if multiprocessing.parent_process() is not None:  # a pool worker: the parent handles ^C
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))


@dataclass
class Tally:
    inputs: int = 0
    parsed: int = 0
    refused: int = 0
    findings: int = 0
    seconds: float = 0.0  # process time spent on this format
    new: list[dict[str, str]] = field(default_factory=list)


def _signature(name: str, exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "clearance" in f.filename] or frames
    where = f"{Path(ours[-1].filename).name}:{ours[-1].lineno}" if ours else "?"
    return f"{name}|{type(exc).__name__}|{where}"


def run_one(name: str, data: bytes, timeout: float) -> tuple[str, BaseException | None]:
    """`parsed`, `refused` or `finding` (with the exception) for one input."""
    target = TARGETS[name]
    assert _SCRATCH is not None
    signal.setitimer(signal.ITIMER_PROF, timeout)  # CPU time of this process
    try:
        target.run(target.seed_data, data, _SCRATCH, random.Random(0))
    except ACCEPTED:
        return "refused", None
    except BaseException as exc:  # anything else is what we look for
        if isinstance(exc, KeyboardInterrupt):
            raise
        return "finding", exc
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
    return "parsed", None


def run_batch(task: tuple[str, int, int, int, float, list[str]]) -> tuple[str, Tally]:
    name, start, count, base_seed, timeout, known = task
    target = TARGETS[name]
    tally = Tally()
    seen = set(known)
    started = time.process_time()
    for number in range(start, start + count):
        data = generate(name, target, number, base_seed)
        outcome, exc = run_one(name, data, timeout)
        tally.inputs += 1
        if outcome == "parsed":
            tally.parsed += 1
        elif outcome == "refused":
            tally.refused += 1
        else:
            assert exc is not None
            tally.findings += 1
            signature = _signature(name, exc)
            if signature not in seen:
                seen.add(signature)
                tally.new.append(_save(name, number, data, exc, signature))
    tally.seconds = time.process_time() - started
    return name, tally


def _save(
    name: str, number: int, data: bytes, exc: BaseException, signature: str
) -> dict[str, str]:
    OUT.mkdir(parents=True, exist_ok=True)
    stem = f"{name}-{hashlib.sha256(signature.encode()).hexdigest()[:10]}"
    (OUT / f"{stem}.bin").write_bytes(data)
    text = "".join(traceback.format_exception(exc))
    (OUT / f"{stem}.txt").write_text(
        f"format: {name}\ninput: {number}\nsignature: {signature}\n\n{text}", encoding="utf-8"
    )
    return {"signature": signature, "file": str(OUT / f"{stem}.bin"), "error": repr(exc)[:300]}


def _tasks(
    formats: list[str], per_format: int, base_seed: int, timeout: float
) -> Iterator[tuple[str, int, int, int, float, list[str]]]:
    """Batches round-robin over the formats, so that a partial run covers every format."""
    for start in range(0, per_format, BATCH):
        for name in formats:
            yield name, start, min(BATCH, per_format - start), base_seed, timeout, []


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--replay":
        return replay(Path(sys.argv[2]))
    per_format = int(os.environ.get("FUZZ_INPUTS", "1000000").replace(",", "").replace("_", ""))
    processes = int(os.environ.get("FUZZ_PROCESSES", "2"))
    base_seed = int(os.environ.get("FUZZ_SEED", "0"))
    timeout = float(os.environ.get("FUZZ_TIMEOUT", "10"))
    wanted = os.environ.get("FUZZ_FORMATS", "")
    formats = [f.strip() for f in wanted.split(",") if f.strip()] or list(TARGETS)
    unknown = sorted(set(formats) - set(TARGETS))
    if unknown:
        print(f"unknown format(s): {', '.join(unknown)} (known: {', '.join(TARGETS)})")
        return 2
    print(
        f"fuzzing {len(formats)} formats x {per_format:,} inputs with {processes} processes; "
        f"seeds from {lists_dir()}; findings in {OUT}",
        flush=True,
    )
    totals = {name: Tally() for name in formats}
    signatures: dict[str, dict[str, str]] = {}
    started = time.monotonic()
    context = multiprocessing.get_context("fork")
    scratch = _scratch_root()
    try:
        broken = _unparsed_seeds(formats, scratch)
        if broken:
            print(f"the seeds of {', '.join(broken)} do not parse: fix the seed slices first")
            return 2
        stopped = _fuzz(
            context,
            processes,
            formats,
            scratch,
            per_format,
            base_seed,
            timeout,
            totals,
            signatures,
            started,
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    _report(totals, signatures, time.monotonic() - started)
    if stopped:
        print("stopped early (SIGINT): the figures are those of the inputs run so far")
    return 1 if signatures else 0


def _unparsed_seeds(formats: list[str], scratch: str) -> list[str]:
    """The formats whose unmutated seed does not parse (a fuzzer of a broken seed tests little)."""
    _init_worker(formats, scratch)
    broken = []
    for name in formats:
        seed = TARGETS[name].seed_data
        data = b"sdn.csv\x00" + seed["sdn.csv"] if isinstance(seed, dict) else seed
        if run_one(name, data, 60)[0] != "parsed":
            broken.append(name)
    return broken


def _scratch_root() -> str:
    """Where the parsers' input files are written: memory (/dev/shm) where there is one."""
    shm = Path("/dev/shm")
    return tempfile.mkdtemp(prefix="clearance-fuzz-", dir=shm if shm.is_dir() else None)


def _fuzz(
    context: Any,
    processes: int,
    formats: list[str],
    scratch: str,
    per_format: int,
    base_seed: int,
    timeout: float,
    totals: dict[str, Tally],
    signatures: dict[str, dict[str, str]],
    started: float,
) -> bool:
    """Run the batches; True when stopped early by SIGINT (the tallies so far stand)."""
    last = started
    tasks = _tasks(formats, per_format, base_seed, timeout)
    with context.Pool(processes, initializer=_init_worker, initargs=(formats, scratch)) as pool:
        try:
            for name, tally in pool.imap_unordered(run_batch, tasks):
                _add(totals[name], tally, signatures)
                if time.monotonic() - last >= 60:
                    last = time.monotonic()
                    _progress(totals, last - started)
        except KeyboardInterrupt:
            return True
    return False


def _add(total: Tally, tally: Tally, signatures: dict[str, dict[str, str]]) -> None:
    total.inputs += tally.inputs
    total.parsed += tally.parsed
    total.refused += tally.refused
    total.findings += tally.findings
    total.seconds += tally.seconds
    for found in tally.new:
        if found["signature"] not in signatures:
            signatures[found["signature"]] = found
            print(f"FINDING {found['signature']}: {found['error']}", flush=True)
            print(f"  input: {found['file']}", flush=True)


def _progress(totals: dict[str, Tally], seconds: float) -> None:
    done = sum(t.inputs for t in totals.values())
    each = ", ".join(f"{n} {t.inputs:,}/{t.findings:,}" for n, t in totals.items())
    print(
        f"[{seconds:,.0f} s] {done:,} inputs ({done / seconds:,.0f}/s); inputs/findings: {each}",
        flush=True,
    )


def _report(totals: dict[str, Tally], signatures: dict[str, dict[str, str]], wall: float) -> None:
    columns = ("inputs", "parsed", "refused", "findings", "inputs/s")
    print("\n" + f"{'format':<18}" + "".join(f"{c:>11}" for c in columns))
    for name, t in totals.items():
        rate = t.inputs / t.seconds if t.seconds else 0.0
        values = (t.inputs, t.parsed, t.refused, t.findings, round(rate))
        print(f"{name:<18}" + "".join(f"{v:>11,}" for v in values))
    done = sum(t.inputs for t in totals.values())
    print(
        f"{'all':<18}{done:>11,} in {wall:,.0f} s wall "
        f"({done / wall if wall else 0:,.0f} inputs/s); {len(signatures)} distinct finding(s)"
    )
    print("(inputs/s per format: per process, on the CPU time that format took)")


def replay(path: Path) -> int:
    """Run one saved input again, with its traceback on stderr."""
    name = path.name.rsplit("-", 1)[0]
    scratch = _scratch_root()
    try:
        _init_worker([name], scratch)
        outcome, exc = run_one(name, path.read_bytes(), float(os.environ.get("FUZZ_TIMEOUT", "10")))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"{name}: {outcome}")
    if exc is not None:
        traceback.print_exception(exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
