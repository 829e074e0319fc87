"""The OFAC legacy CSV parser on the real published sets, and on damaged copies of them.

Expected numbers come from shared/data/README.md, which counted them independently of this
parser. Each real set is parsed once per module (`parsed_sets`).
"""

from __future__ import annotations

import csv
import hashlib
import logging
from collections import Counter
from pathlib import Path

import pytest

from clearance.lists import parse_list
from clearance.lists.errors import ListFormatError
from clearance.lists.ofac_csv import parse
from clearance.model import Entry, EntryType, ListSource, NameKind, ParsedList, entry_to_dict

SDN_SETS = (
    "2018-12",
    "2021-07",
    "2022-02-17",
    "2022-06-17",
    "2022-06-28",
    "2023-12-28",
    "2024-04-26",
    "2024-05-03",
)
CONS_SETS = ("2018-04-06", "2025-12")
FSB = "21344"


def _set_dir(lists_dir: Path, name: str) -> Path:
    kind = "consolidated" if name in CONS_SETS else "sdn_csv"
    return lists_dir / "ofac" / kind / name


class ParsedSet:
    def __init__(self, parsed: ParsedList) -> None:
        self.parsed = parsed
        self.entries: dict[str, Entry] = {}
        for entry in parsed.entries:
            self.entries[entry.source_id] = entry


class ParsedSets:
    """Each real set parsed on first use, then kept for the whole module."""

    def __init__(self, lists_dir: Path) -> None:
        self.lists_dir = lists_dir
        self.cache: dict[str, ParsedSet] = {}

    def __getitem__(self, name: str) -> ParsedSet:
        if name not in self.cache:
            self.cache[name] = ParsedSet(parse(_set_dir(self.lists_dir, name)))
        return self.cache[name]


@pytest.fixture(scope="module")
def parsed_sets(lists_dir: Path) -> ParsedSets:
    return ParsedSets(lists_dir)


# --- counts (README) -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "count", "highest"),
    [
        ("2018-12", 7379, 26235),
        ("2021-07", 8976, 32391),
        ("2022-02-17", 9056, None),
        ("2022-06-17", 10241, None),
        ("2022-06-28", 10409, None),
        ("2023-12-28", 13821, 47089),
        ("2024-04-26", 14668, 48785),
        ("2024-05-03", 14965, 48907),
        ("2018-04-06", 639, None),
        ("2025-12", 442, 50476),
    ],
)
def test_entry_count_per_set(
    parsed_sets: ParsedSets, name: str, count: int, highest: int | None
) -> None:
    entries = parsed_sets[name].entries
    assert len(entries) == count
    if highest is not None:
        assert max(int(i) for i in entries) == highest


@pytest.mark.parametrize(
    ("name", "organizations", "persons", "vessels", "aircraft", "program_tags"),
    [
        ("2018-12", 2994, 3845, 323, 217, 49),
        ("2021-07", 3673, 4620, 406, 277, 67),
        ("2023-12-28", 6033, 6646, 764, 378, 75),
        ("2024-05-03", 6884, 6854, 851, 376, 75),
    ],
)
def test_types_and_program_tags_per_set(
    parsed_sets: ParsedSets,
    name: str,
    organizations: int,
    persons: int,
    vessels: int,
    aircraft: int,
    program_tags: int,
) -> None:
    entries = parsed_sets[name].entries.values()
    assert Counter(e.type for e in entries) == {
        EntryType.ORGANIZATION: organizations,
        EntryType.PERSON: persons,
        EntryType.VESSEL: vessels,
        EntryType.AIRCRAFT: aircraft,
    }
    assert len({p for e in entries for p in e.programs}) == program_tags


def test_consolidated_program_counts(parsed_sets: ParsedSets) -> None:
    def programs(name: str) -> Counter[str]:
        return Counter(p for e in parsed_sets[name].entries.values() for p in e.programs)

    assert programs("2018-04-06") == {
        "UKRAINE-EO13662": 290,
        "IRAN": 264,
        "NS-PLC": 78,
        "SYRIA": 7,
        "FSE-SY": 6,
        "SDGT": 1,
        "561List": 1,
    }
    recent = programs("2025-12")
    assert (
        recent["UKRAINE-EO13662"],
        recent["RUSSIA-EO14024"],
        recent["NS-PLC"],
        recent["CMIC-EO13959"],
    ) == (286, 93, 78, 68)


# --- ParsedList metadata ---------------------------------------------------------------------


def test_metadata_of_a_complete_sdn_set(lists_dir: Path) -> None:
    folder = _set_dir(lists_dir, "2021-07")
    parsed = parse(folder)
    names = ["sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv"]
    assert parsed.source is ListSource.OFAC_SDN
    assert parsed.published is None
    assert parsed.files == tuple(str(folder / n) for n in names)
    digest = hashlib.sha256(b"".join((folder / n).read_bytes() for n in names)).hexdigest()
    assert parsed.sha256 == digest
    assert iter(parsed.entries) is parsed.entries  # a one-shot iterator, not a list


def test_metadata_of_a_main_file_alone(lists_dir: Path) -> None:
    main = _set_dir(lists_dir, "2024-05-03") / "sdn.csv"
    parsed = parse(main)
    assert parsed.files == (str(main),)
    assert parsed.sha256 == hashlib.sha256(main.read_bytes()).hexdigest()


def test_consolidated_set_with_an_empty_comments_file(lists_dir: Path) -> None:
    folder = _set_dir(lists_dir, "2018-04-06")
    assert (folder / "cons_comments.csv").stat().st_size == 0
    parsed = parse_list(folder)
    assert parsed.source is ListSource.OFAC_CONS
    assert [Path(f).name for f in parsed.files] == [
        "cons_prim.csv",
        "cons_add.csv",
        "cons_alt.csv",
        "cons_comments.csv",
    ]


def test_main_file_or_side_file_path_reads_the_same_set(lists_dir: Path) -> None:
    folder = _set_dir(lists_dir, "2018-04-06")
    from_folder = [entry_to_dict(e) for e in parse(folder).entries]
    for path in (folder / "cons_prim.csv", folder / "cons_alt.csv"):
        parsed = parse(path)
        assert parsed.files[0] == str(folder / "cons_prim.csv")
        assert [entry_to_dict(e) for e in parsed.entries] == from_folder


def test_renamed_main_file_is_read_without_side_files(lists_dir: Path, tmp_path: Path) -> None:
    source = _set_dir(lists_dir, "2018-04-06")
    for name in ("cons_add.csv", "cons_alt.csv"):
        (tmp_path / name).write_bytes((source / name).read_bytes())
    renamed = tmp_path / "cons_prim-2018-04-06.csv"
    renamed.write_bytes((source / "cons_prim.csv").read_bytes())
    parsed = parse(renamed)
    assert parsed.source is ListSource.OFAC_CONS
    assert parsed.files == (str(renamed),)
    assert all(not e.addresses for e in parsed.entries)


# --- line ends and encoding ------------------------------------------------------------------


def test_crlf_ctrl_z_and_lf_copies_both_parse(lists_dir: Path, parsed_sets: ParsedSets) -> None:
    crlf = (_set_dir(lists_dir, "2021-07") / "sdn.csv").read_bytes()
    lf = (_set_dir(lists_dir, "2018-12") / "sdn.csv").read_bytes()
    assert crlf.endswith(b"\r\n\x1a") and b"\r\n" in crlf
    assert b"\r" not in lf and not lf.endswith(b"\x1a")
    assert len(parsed_sets["2021-07"].entries) == crlf.count(b"\r\n")
    assert len(parsed_sets["2018-12"].entries) == lf.count(b"\n") + 1  # no final newline


def test_line_end_normalization_does_not_change_entries(lists_dir: Path, tmp_path: Path) -> None:
    source = _set_dir(lists_dir, "2018-04-06")
    for path in source.glob("cons_*.csv"):
        data = path.read_bytes().replace(b"\r\n", b"\n").removesuffix(b"\x1a")
        (tmp_path / path.name).write_bytes(data)
    original = [entry_to_dict(e) for e in parse(source).entries]
    assert [entry_to_dict(e) for e in parse(tmp_path).entries] == original


def test_windows_1252_bytes_are_decoded(tmp_path: Path) -> None:
    row = (
        b'1,"CAF\xc9 \x80URO \x81",-0- ,"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,'
        b'"POB S\xe3o Paulo, Brazil"\r\n\x1a'
    )
    (tmp_path / "sdn.csv").write_bytes(row)
    (entry,) = parse(tmp_path).entries
    assert entry.primary_name == "CAFÉ €URO \u0081"
    assert entry.birth_places == ("São Paulo, Brazil",)


# --- the FSB across snapshots (README table) -------------------------------------------------


@pytest.mark.parametrize(
    ("name", "programs"),
    [
        ("2018-12", ("CYBER2", "CAATSA - RUSSIA")),
        ("2021-07", ("NPWMD", "CYBER2", "CAATSA - RUSSIA")),
        ("2022-06-17", ("NPWMD", "CYBER2", "CAATSA - RUSSIA")),
        ("2022-06-28", ("NPWMD", "CYBER2", "CAATSA - RUSSIA", "RUSSIA-EO14024")),
        *(
            (name, ("NPWMD", "CYBER2", "CAATSA - RUSSIA", "RUSSIA-EO14024", "HOSTAGES-EO14078"))
            for name in ("2023-12-28", "2024-04-26", "2024-05-03")
        ),
    ],
)
def test_fsb_programs_per_snapshot(
    parsed_sets: ParsedSets, name: str, programs: tuple[str, ...]
) -> None:
    fsb = parsed_sets[name].entries[FSB]
    assert fsb.primary_name == "FEDERAL SECURITY SERVICE"
    assert fsb.type is EntryType.ORGANIZATION
    assert fsb.programs == programs


@pytest.mark.parametrize(
    ("name", "fsb_kind"),
    [
        ("2018-12", NameKind.AKA),
        ("2021-07", NameKind.AKA),
        ("2022-06-17", None),
        ("2022-06-28", NameKind.WEAK),
        ("2023-12-28", NameKind.WEAK),
    ],
)
def test_fsb_alias_moves_from_alt_csv_to_a_weak_remarks_alias(
    parsed_sets: ParsedSets, name: str, fsb_kind: NameKind | None
) -> None:
    names = parsed_sets[name].entries[FSB].names
    assert [n.kind for n in names if n.name == "FSB"] == ([fsb_kind] if fsb_kind else [])
    assert all(n.script == "Latn" for n in names)


def test_fsb_long_alias_comes_from_alt_csv(parsed_sets: ParsedSets) -> None:
    for name in ("2018-12", "2021-07", "2023-12-28"):
        names = parsed_sets[name].entries[FSB].names
        assert [(n.name, n.kind) for n in names[:2]] == [
            ("FEDERAL SECURITY SERVICE", NameKind.PRIMARY),
            ("FEDERALNAYA SLUZHBA BEZOPASNOSTI", NameKind.AKA),
        ]


def test_fsb_addresses(parsed_sets: ParsedSets) -> None:
    streets_2018 = ["Ulitsa Kuznetskiy Most, Dom 22", "Lubyanskaya Ploschad, Dom 2"]
    for name, streets in (
        ("2018-12", streets_2018),
        ("2021-07", streets_2018),
        ("2023-12-28", [*streets_2018, "1/3 Bolshaya Lubyanka St"]),
    ):
        addresses = parsed_sets[name].entries[FSB].addresses
        assert [a.street for a in addresses] == streets
        assert {(a.city, a.country, a.country_code) for a in addresses} == {
            ("Moscow 107031", "Russia", "RU")
        }
    assert parsed_sets["2023-12-28"].entries[FSB].countries == ("RU",)


def test_fsb_remarks_facts_in_2023(parsed_sets: ParsedSets) -> None:
    fsb = parsed_sets["2023-12-28"].entries[FSB]
    assert fsb.remarks is not None and fsb.remarks.endswith("a.k.a. 'FSB'.")
    assert fsb.properties["organization_established_date"] == ("1994",)
    assert fsb.properties["target_type"] == ("Government Entity",)
    assert fsb.properties["secondary_sanctions_risk"] == (
        "Ukraine-/Russia-Related Sanctions Regulations, 31 CFR 589.201",
    )


@pytest.mark.parametrize("name", SDN_SETS)
def test_entries_linked_to_the_fsb(parsed_sets: ParsedSets, name: str) -> None:
    entries = parsed_sets[name].entries
    linked = {
        e.source_id
        for e in entries.values()
        for r in e.relations
        if r.kind == "linked_to" and r.target_name == "FEDERAL SECURITY SERVICE"
    }
    expected = {"24646", "24647", "24650"}
    if name != "2018-12":
        expected |= {"26663", "31126"}
    assert expected <= linked
    for source_id in linked:
        (relation,) = [
            r for r in entries[source_id].relations if r.target_name == "FEDERAL SECURITY SERVICE"
        ]
        assert relation.target_id == FSB


def test_linked_to_target_keeps_a_name_final_period(parsed_sets: ParsedSets) -> None:
    entries = parsed_sets["2024-05-03"].entries
    targets = {
        (r.target_name, r.target_id)
        for e in entries.values()
        for r in e.relations
        if r.target_id in {"13128", "4697"}
    }
    # "Linked To: NEW AHMADI LTD." names the entry NEW AHMADI LTD.; "...HIZBALLAH." ends a
    # sentence after HIZBALLAH.
    assert targets == {("NEW AHMADI LTD.", "13128"), ("HIZBALLAH", "4697")}
    assert entries["13128"].primary_name == "NEW AHMADI LTD."


# --- sdn_comments continuation ---------------------------------------------------------------


def _raw_rows(path: Path) -> dict[str, list[str]]:
    with path.open(encoding="cp1252", newline="") as handle:
        return {row[0]: row for row in csv.reader(handle) if len(row) > 1}


def test_comments_continue_the_remarks_mid_word(lists_dir: Path, parsed_sets: ParsedSets) -> None:
    folder = _set_dir(lists_dir, "2021-07")
    main, comments = _raw_rows(folder / "sdn.csv"), _raw_rows(folder / "sdn_comments.csv")
    assert len(comments) == 5
    for source_id, (_, continuation) in comments.items():
        remarks = parsed_sets["2021-07"].entries[source_id].remarks
        assert remarks == main[source_id][11] + continuation

    tian = parsed_sets["2021-07"].entries["28263"]
    assert main["28263"][11].endswith("a.k.a. 'snowsjo")
    assert ("snowsjohn", NameKind.WEAK) in [(n.name, n.kind) for n in tian.names]
    assert [(r.target_name, r.target_id) for r in tian.relations] == [("LAZARUS GROUP", "27307")]


def test_consolidated_comments_continue_the_remarks(
    lists_dir: Path, parsed_sets: ParsedSets
) -> None:
    folder = _set_dir(lists_dir, "2025-12")
    main, comments = _raw_rows(folder / "cons_prim.csv"), _raw_rows(folder / "cons_comments.csv")
    assert len(comments) == 10
    for source_id, (_, continuation) in comments.items():
        assert parsed_sets["2025-12"].entries[source_id].remarks == (
            main[source_id][11] + continuation
        )
    rusag = parsed_sets["2025-12"].entries["17014"]
    assert ("RUSAG", NameKind.WEAK) in [(n.name, n.kind) for n in rusag.names]


# --- names, columns, remarks facts -----------------------------------------------------------


def test_person_names_are_split_into_last_and_first(parsed_sets: ParsedSets) -> None:
    abbas = parsed_sets["2024-05-03"].entries["2674"]
    assert abbas.type is EntryType.PERSON
    (primary,) = [n for n in abbas.names if n.kind is NameKind.PRIMARY]
    assert (primary.name, primary.last, primary.first) == ("ABBAS, Abu", "ABBAS", "Abu")
    assert abbas.properties["title"] == (
        "Director of PALESTINE LIBERATION FRONT - ABU ABBAS FACTION",
    )
    assert abbas.birth_dates == ("1948-12-10",)
    fsb = parsed_sets["2024-05-03"].entries[FSB]
    assert fsb.names[0].first is None and fsb.names[0].last is None


def test_alias_types(parsed_sets: ParsedSets) -> None:
    entries = parsed_sets["2023-12-28"].entries
    assert ("NUEVO CONTINENTE S.A.", NameKind.AKA) in [
        (n.name, n.kind) for n in entries["8244"].names
    ]  # `nka`
    assert ("IRAN OVERSEAS INVESTMENT BANK PLC", NameKind.FKA) in [
        (n.name, n.kind) for n in entries["4642"].names
    ]


def test_vessel_columns_become_properties(parsed_sets: ParsedSets) -> None:
    tug = parsed_sets["2024-05-03"].entries["4238"]
    assert tug.type is EntryType.VESSEL
    assert tug.properties == {
        "call_sign": ("CL2192",),
        "vessel_type": ("Tug",),
        "gross_tonnage": ("212",),
        "vessel_flag": ("Cuba",),
        "vessel_owner": ("Samir de Navegacion S.A.",),
    }


def test_sample_vessel_identifiers_and_unknown_side_rows(
    lists_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sample = lists_dir / "ofac" / "sdn_csv" / "samples" / "2025-05_subset" / "sdn.csv"
    with caplog.at_level(logging.WARNING, logger="clearance.lists.ofac_csv"):
        entries = {e.source_id: e for e in parse(sample).entries}
    assert len(entries) == 17
    # The sample's add.csv and alt.csv hold rows of entries it does not list: skipped, said.
    warned = {Path(r.getMessage().split(":")[0]).name for r in caplog.records}
    assert warned == {"add.csv", "alt.csv"}

    leader = entries["47371"]
    assert leader.properties["call_sign"] == ("A8LU7",)
    assert leader.properties["vessel_flag"] == ("Gabon",)
    assert [(i.kind, i.value) for i in leader.identifiers] == [
        ("Identification Number", "IMO 9339301"),
        ("MMSI", "636013272"),
    ]
    makran = entries["40716"]
    assert [(i.kind, i.value) for i in makran.identifiers] == [("IMO", "9486910")]
    assert ("MAKRAN", NameKind.WEAK) in [(n.name, n.kind) for n in makran.names]

    logan = entries["10278"]
    assert logan.birth_dates == ("1963-07-28",)
    assert logan.birth_places == ("Toledo District, Belize",)
    assert [(i.kind, i.value, i.country) for i in logan.identifiers] == [
        ("Passport", "P0017003", "BZ"),
        ("SSN", "561-77-9011", "US"),
    ]


def test_countries_join_nationality_and_address_countries(
    parsed_sets: ParsedSets,
) -> None:
    entries = parsed_sets["2021-07"].entries
    tian = entries["28263"]  # nationality China, address in Nanjing
    assert tian.countries == ("CN",)
    with_nationality = [e for e in entries.values() if "nationality Russia" in (e.remarks or "")]
    assert with_nationality
    assert all("RU" in e.countries for e in with_nationality)


# --- bad input -------------------------------------------------------------------------------

VALID_ROW = b'7,"SEVEN CO.",-0- ,"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"Linked To: EIGHT."\r\n'
OTHER_ROW = b'8,"EIGHT",-0- ,"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'


def _main_file(tmp_path: Path, data: bytes, name: str = "sdn.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _error(path: Path) -> ListFormatError:
    with pytest.raises(ListFormatError) as caught:
        list(parse(path).entries)
    return caught.value


def test_small_synthetic_set_parses(tmp_path: Path) -> None:
    _main_file(tmp_path, VALID_ROW + OTHER_ROW + b"\x1a")
    seven, eight = parse(tmp_path).entries
    assert (seven.primary_name, eight.primary_name) == ("SEVEN CO.", "EIGHT")
    assert [(r.target_name, r.target_id) for r in seven.relations] == [("EIGHT", "8")]


@pytest.mark.parametrize(
    ("data", "line", "message"),
    [
        (VALID_ROW + b'9,"NINE",-0- ,"SDGT"\r\n', 2, "expected 12 fields, found 4"),
        (VALID_ROW + OTHER_ROW.replace(b"8,", b"8a,", 1), 2, "unexpected unquoted value '8a'"),
        (VALID_ROW + OTHER_ROW.replace(b"8,", b'"x",', 1), 2, "column 1 is not a number"),
        (VALID_ROW + VALID_ROW, 2, "entity number 7 repeats line 1"),
        (VALID_ROW + OTHER_ROW[:6], 2, "unterminated quoted field"),
        (VALID_ROW + OTHER_ROW[:-5], 2, "unexpected unquoted value '-'"),
        (VALID_ROW + OTHER_ROW[:-6], 2, "unexpected unquoted value ''"),
        (VALID_ROW + OTHER_ROW.replace(b'"EIGHT"', b'"EI"GHT"'), 2, "stray quote"),
        (VALID_ROW + OTHER_ROW.replace(b"EIGHT", b"EI\x00GHT"), 2, "control byte 0x00"),
        (VALID_ROW + b"\x1a\r\n" + OTHER_ROW, 3, "data after the Ctrl-Z end marker of line 2"),
        (VALID_ROW + b"\x1a" + OTHER_ROW, 2, "control byte 0x1A at column 1"),
        (VALID_ROW + OTHER_ROW.replace(b"-0- ", b'"company"', 1), 2, "unknown entry type"),
        (VALID_ROW + OTHER_ROW.replace(b'"EIGHT"', b"-0- "), 2, "entry 8 has no name"),
        (b"\xef\xbb\xbf" + VALID_ROW, 1, "byte-order mark"),
    ],
)
def test_bad_main_file_names_file_and_line(
    tmp_path: Path, data: bytes, line: int, message: str
) -> None:
    path = _main_file(tmp_path, data)
    error = _error(path)
    assert error.path == str(path)
    assert error.line == line
    assert message in error.message
    assert str(error).startswith(f"{path}:{line}: ")


def test_truncated_real_file_fails_at_its_last_line(lists_dir: Path, tmp_path: Path) -> None:
    data = (_set_dir(lists_dir, "2018-04-06") / "cons_prim.csv").read_bytes()
    assert data.endswith(b'."\r\n\x1a')
    cut = len(data) - 3 - 20  # inside the last row's quoted remarks
    path = _main_file(tmp_path, data[:cut], "cons_prim.csv")
    error = _error(path)
    assert error.line == data[:cut].count(b"\n") + 1 == 639
    assert "unterminated quoted field" in error.message


def test_cut_at_a_row_boundary_parses_the_complete_rows(lists_dir: Path, tmp_path: Path) -> None:
    data = (_set_dir(lists_dir, "2018-04-06") / "cons_prim.csv").read_bytes()
    cut = data.index(b"\r\n", len(data) // 2) + 2
    _main_file(tmp_path, data[:cut], "cons_prim.csv")
    assert len(list(parse(tmp_path).entries)) == data[:cut].count(b"\r\n")


def test_empty_main_file_is_an_error_but_empty_side_files_are_not(tmp_path: Path) -> None:
    path = _main_file(tmp_path, b"\x1a")
    assert "holds no entries" in _error(path).message
    _main_file(tmp_path, VALID_ROW + OTHER_ROW)
    for side in ("add.csv", "alt.csv", "sdn_comments.csv"):
        (tmp_path / side).write_bytes(b"")
    parsed = parse(tmp_path)
    assert len(parsed.files) == 4
    assert len(list(parsed.entries)) == 2


@pytest.mark.parametrize(
    ("side", "data", "message"),
    [
        ("alt.csv", b'7,1,"alias","SEVEN",-0- \r\n', "unknown alias type 'alias'"),
        ("alt.csv", b'7,1,"aka",-0- ,-0- \r\n', "alias without a name"),
        ("alt.csv", b'7,"x","aka","SEVEN",-0- \r\n', "column 2 is not a number"),
        ("add.csv", b'7,1,"Street","City","Country"\r\n', "expected 6 fields, found 5"),
        ("sdn_comments.csv", b'7,"more"\r\n7,"x\r\n', "unterminated quoted field"),
    ],
)
def test_bad_side_file_names_file_and_line(
    tmp_path: Path, side: str, data: bytes, message: str
) -> None:
    _main_file(tmp_path, VALID_ROW + OTHER_ROW)
    (tmp_path / side).write_bytes(data)
    with pytest.raises(ListFormatError) as caught:
        parse(tmp_path)
    assert caught.value.path == str(tmp_path / side)
    assert caught.value.line == data.count(b"\n")
    assert message in caught.value.message


def test_missing_path_and_folder_without_a_main_file(tmp_path: Path) -> None:
    with pytest.raises(ListFormatError, match="no such file"):
        parse(tmp_path / "nothing")
    (tmp_path / "alt.csv").write_bytes(b"")
    with pytest.raises(ListFormatError, match=r"neither sdn\.csv nor cons_prim\.csv"):
        parse(tmp_path)
    with pytest.raises(ListFormatError, match=r"sdn\.csv is not beside it"):
        parse(tmp_path / "alt.csv")


# --- plausibility: a main file cut short, fields too long -----------------------------------


def _cut_set(lists_dir: Path, folder: Path, rows: int) -> Path:
    """A copy of the real 2018-12 SDN set whose sdn.csv keeps its first `rows` lines."""
    source = _set_dir(lists_dir, "2018-12")
    folder.mkdir()
    for side in ("add.csv", "alt.csv", "sdn_comments.csv"):
        (folder / side).write_bytes((source / side).read_bytes())
    lines = (source / "sdn.csv").read_bytes().splitlines(keepends=True)
    (folder / "sdn.csv").write_bytes(b"".join(lines[:rows]))
    return folder


@pytest.mark.parametrize("rows", [3000, 7300])
def test_main_file_cut_on_a_line_end_is_refused(lists_dir: Path, tmp_path: Path, rows: int) -> None:
    # 7,300 of 7,379 rows: the 79 entries cut off still have rows in add.csv, more than the
    # 1% (73) a complete set may lack.
    folder = _cut_set(lists_dir, tmp_path / "cut", rows)
    with pytest.raises(ListFormatError, match=r"sdn\.csv looks cut short") as caught:
        parse(folder)
    assert caught.value.path == str(folder / "add.csv")
    assert caught.value.line is not None
    first_orphan = (folder / "add.csv").read_bytes().splitlines()[caught.value.line - 1]
    kept = {line.split(b",")[0] for line in (folder / "sdn.csv").read_bytes().splitlines()}
    assert first_orphan.split(b",")[0] not in kept
    assert "lacks OFAC's Ctrl-Z end marker" in caught.value.message


def test_a_few_unknown_side_rows_are_only_warned(
    lists_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = _cut_set(lists_dir, tmp_path / "cut", 7369)
    with caplog.at_level(logging.WARNING, logger="clearance.lists.ofac_csv"):
        assert sum(1 for _ in parse(folder).entries) == 7369
    assert any("add.csv: skipped" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("name", ["2018-12", "2021-07", "2023-12-28", "2018-04-06", "2025-12"])
def test_real_sets_have_no_unknown_side_rows(
    lists_dir: Path, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="clearance.lists.ofac_csv"):
        parsed = parse(_set_dir(lists_dir, name))
    assert caplog.records == []
    # Only the 2018-12 copy lacks the Ctrl-Z end markers: a doubt, not an error.
    assert bool(parsed.doubts) == (name == "2018-12")


def _row_with_remarks(size: int) -> bytes:
    remarks = b"x" * size
    return b'1,"BIG REMARKS CO.",-0- ,"SDGT",' + b"-0- ," * 7 + b'"' + remarks + b'"\r\n'


def test_long_field_parses_in_memory_linear_in_its_size(tmp_path: Path) -> None:
    import tracemalloc

    folder = tmp_path / "set"
    folder.mkdir()
    (folder / "sdn.csv").write_bytes(_row_with_remarks(99_000))
    tracemalloc.start()
    try:
        entries = list(parse(folder).entries)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert entries[0].remarks == "x" * 99_000
    # The regex row reader took ~870 bytes per character of a field (86 MB here).
    assert peak < 20_000_000


def test_field_over_the_size_cap_is_refused_naming_file_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "set"
    folder.mkdir()
    good = b'2,"SMALL CO.",-0- ,"SDGT",' + b"-0- ," * 7 + b"-0- \r\n"
    (folder / "sdn.csv").write_bytes(good + _row_with_remarks(10_000_000))
    with pytest.raises(ListFormatError, match="more than the 100,000") as caught:
        parse(folder)
    assert (caught.value.path, caught.value.line) == (str(folder / "sdn.csv"), 2)
