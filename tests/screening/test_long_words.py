"""Resource bombs in names: a listed or queried word of tens of thousands of letters must screen
in bounded memory (its one-deletion keys took memory in the square of its length: a 10,000-letter
word 194 MB, a 100,000-letter query word MemoryError), and a 10 MB name is refused at import.

Real list rows (the 2025-05 SDN sample) with one row added, written to tmp_path.
"""

from __future__ import annotations

import json
import random
import tracemalloc
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import Engine

from clearance.lists import parse_list
from clearance.lists.errors import ListFormatError
from clearance.model import EntryType, ListSource, Party
from clearance.names import analyze_name
from clearance.screening import screen
from clearance.screening.retrieval import MAX_KEYED_LENGTH
from clearance.settings import Settings
from clearance.store.versions import import_list

T = TypeVar("T")
LONG_ID = "99999"


def long_word(length: int, seed: int) -> str:
    """Letters that differ from one another, so that its deletions are all distinct (up to
    100,000 letters; longer words repeat those, which is quicker to make)."""
    rnd = random.Random(seed)
    base = "".join(rnd.choice("ABCDEFGHIJKLMNOPRSTUVY") for _ in range(min(length, 100_000)))
    return (base * (length // len(base) + 1))[:length]


def peak_bytes(call: Callable[[], T]) -> tuple[T, int]:
    tracemalloc.start()
    try:
        result = call()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.fixture
def sample(lists_dir: Path) -> bytes:
    return (lists_dir / "ofac/sdn_csv/samples/2025-05_subset/sdn.csv").read_bytes()


def sdn_with_name(sample: bytes, folder: Path, name: str) -> Path:
    row = f'{LONG_ID},"{name} TRADING CO.",-0- ,"SDGT",' + "-0- ," * 7 + "-0- \n"
    folder.mkdir()
    (folder / "sdn.csv").write_bytes(sample + row.encode("ascii"))
    return folder / "sdn.csv"


def test_long_listed_and_queried_words_screen_in_bounded_memory(
    engine: Engine, sample: bytes, tmp_path: Path
) -> None:
    listed = long_word(90_000, seed=1)  # under the parsers' 100,000-character field cap
    path = sdn_with_name(sample, tmp_path / "set", listed)
    import_list(engine, parse_list(path, ListSource.OFAC_SDN), date(2025, 5, 1))
    settings = Settings(data_dir=tmp_path / "data")

    def screen_three() -> list[list[str]]:
        parties = [
            Party("Daniel Moreno", EntryType.PERSON),
            Party(f"{listed} Trading Co."),
            Party(f"{long_word(100_000, seed=2)} Trading"),
        ]
        results = [screen(engine, party, settings=settings) for party in parties]
        return [[hit.entry.source_id for hit in result.hits] for result in results]

    (normal, exact, unknown), peak = peak_bytes(screen_three)
    assert normal[0] == "15102"  # MORENO, Daniel: names of normal length screen as before
    assert exact[0] == LONG_ID  # an over-long word still matches exactly
    assert LONG_ID not in unknown
    # Deletion keys of the two words alone would be 90,000² + 100,000² characters (~17 GB).
    assert peak < 200_000_000


def test_ten_megabyte_name_is_refused_at_import(sample: bytes, tmp_path: Path) -> None:
    path = sdn_with_name(sample, tmp_path / "set", long_word(10_000_000, seed=3))
    with pytest.raises(ListFormatError, match="more than the 100,000") as caught:
        parse_list(path, ListSource.OFAC_SDN)
    assert (caught.value.path, caught.value.line) == (str(path), sample.count(b"\n") + 1)


def test_ten_megabyte_name_in_an_ftm_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "entities.ftm.json"
    entity = {
        "id": "big",
        "schema": "Company",
        "caption": "Big",
        "properties": {"name": [long_word(10_000_000, seed=4)]},
    }
    path.write_text(json.dumps(entity) + "\n", encoding="utf-8")
    with pytest.raises(ListFormatError, match=r"property 'name'.*more than the 100,000") as caught:
        list(parse_list(path, ListSource.FTM).entries)
    assert (caught.value.path, caught.value.line) == (str(path), 1)


def test_no_word_of_a_real_list_is_beyond_the_keyed_length(lists_dir: Path) -> None:
    # The 2018-04-06 Consolidated list holds the longest word of the real lists, 2018-2025:
    # `sberbankavtomatizirovannaya` (27 letters after analysis).
    parsed = parse_list(lists_dir / "ofac/consolidated/2018-04-06", ListSource.OFAC_CONS)
    longest = max(
        (
            token
            for entry in parsed.entries
            for name in entry.names
            for token in analyze_name(
                name.name, entry.type, first=name.first, last=name.last
            ).tokens
        ),
        key=len,
    )
    assert longest == "sberbankavtomatizirovannaya"
    assert len(longest) * 2 < MAX_KEYED_LENGTH


def test_nine_megabyte_name_in_un_xml_is_refused(lists_dir: Path, tmp_path: Path) -> None:
    # Under libxml2's 10 MB text limit, so only the name cap of every parsed list stops it.
    real = (lists_dir / "un/2018-06-07/consolidated.xml").read_bytes()
    name = long_word(9_000_000, seed=5).encode("ascii")
    path = tmp_path / "consolidated.xml"
    path.write_bytes(
        real.replace(b"<FIRST_NAME> RI </FIRST_NAME>", b"<FIRST_NAME>" + name + b"</FIRST_NAME>", 1)
    )
    with pytest.raises(ListFormatError, match=r"a name of 9,0\d\d,\d{3} characters") as caught:
        list(parse_list(path, ListSource.UN).entries)
    assert (caught.value.path, caught.value.record) == (str(path), "6908555")
