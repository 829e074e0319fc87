"""A name holding a bidi override (issue 15) under clearance-v1, frozen, which reads a name only
as stored: every door refuses it, naming the field and both readings, and writes nothing;
clearance-v1.1 (the default) and clearance-v2 screen both readings and flag the hit instead."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

import clearance
from clearance.audit.records import LIST_IMPORT, iter_records
from clearance.cli import cli
from clearance.decisions import Transaction
from clearance.model import EntryType, ListSource, Party
from clearance.monitoring.book import BookError
from clearance.schema import PartyError
from clearance.screening.batch import BatchInputError
from clearance.service import (
    Clearance,
    ScreenRequest,
    import_list_file,
    import_parties,
    parties,
    screen_parties_file,
)
from clearance.settings import load_settings
from clearance.store.db import open_store

AS_OF = ScreenRequest(as_of=date(2025, 5, 20))
# Stored as `VEHSOROHK yrtimD`; a reader sees `Dmitry KHOROSHEV`, a listed person.
REVERSED = "\u202eVEHSOROHK yrtimD"


def _with_list(engine: Engine, tmp_path: Path, lists_dir: Path, **settings: str) -> Clearance:
    loaded = load_settings({"data_dir": str(tmp_path / "data"), **settings}, env={})
    app = Clearance(engine, loaded, "tester")
    folder = lists_dir / "ofac" / "sdn_csv" / "samples" / "2025-05_subset"
    import_list_file(app, folder, ListSource.OFAC_SDN, date(2025, 5, 16))
    return app


@pytest.fixture
def v1(engine: Engine, tmp_path: Path, lists_dir: Path) -> Clearance:
    return _with_list(engine, tmp_path, lists_dir, screening_algorithm="clearance-v1")


def kinds(app: Clearance) -> list[str]:
    return [r.kind for r in iter_records(app.engine)]


def test_v1_refuses_the_override_with_both_readings_and_records_nothing(v1: Clearance) -> None:
    with pytest.raises(PartyError) as refused:
        clearance.screen(v1, Party(REVERSED, EntryType.PERSON), AS_OF)
    message = str(refused.value)
    assert message.startswith("name: holds a bidi override (U+202E RIGHT-TO-LEFT OVERRIDE)")
    assert "stored as 'VEHSOROHK yrtimD', and displays as 'Dmitry KHOROSHEV'" in message
    assert "clearance-v2" in message
    assert kinds(v1) == [LIST_IMPORT]


def test_v1_screens_isolates_and_embeddings_which_keep_latin_letters_in_order(
    v1: Clearance,
) -> None:
    for name in ("\u2067Dmitry Khoroshev\u2069", "\u202bDmitry Khoroshev\u202c"):
        screening = clearance.screen(v1, Party(name, EntryType.PERSON), AS_OF)
        assert screening.result.hits[0].matched_name.name.upper().startswith("KHOROSHEV")


@pytest.mark.parametrize("algorithm", ["clearance-v1.1", "clearance-v2"])
def test_later_versions_screen_both_readings_and_flag_the_hit(
    engine: Engine, tmp_path: Path, lists_dir: Path, algorithm: str
) -> None:
    later = _with_list(engine, tmp_path, lists_dir, screening_algorithm=algorithm)
    screening = clearance.screen(later, Party(REVERSED, EntryType.PERSON), AS_OF)
    [top, *_] = screening.result.hits
    assert top.match and "KHOROSHEV" in top.matched_name.name.upper()
    assert any(f.name == "bidi" for f in top.features)


def test_a_batch_row_is_refused_with_its_file_and_line_and_no_output(
    v1: Clearance, tmp_path: Path
) -> None:
    source, output = tmp_path / "in.csv", tmp_path / "out.csv"
    source.write_text(f"id,name\n1,Vladimir Putin\n2,{REVERSED}\n", encoding="utf-8")
    with pytest.raises(BatchInputError, match=r"in\.csv: line 3: name: holds a bidi override"):
        screen_parties_file(v1, source, output, AS_OF)
    assert not output.exists() and kinds(v1) == [LIST_IMPORT]


def test_a_transaction_is_refused_naming_the_party_and_the_ledger_is_untouched(
    v1: Clearance,
) -> None:
    txn = Transaction.from_dict(
        {
            "id": "T-1",
            "date": "2025-05-20",
            "parties": [{"name": "Acme Printers GmbH"}, {"name": REVERSED, "role": "payee"}],
            "purpose": "import-authorization-fee",
            "amount": {"value": "100", "currency": "USD"},
        }
    )
    with pytest.raises(PartyError, match=r"^parties\.1\.name: holds a bidi override"):
        clearance.decide(v1, txn, record=True)
    assert kinds(v1) == [LIST_IMPORT]


def test_the_party_book_refuses_it_at_import_and_stays_as_it_was(
    v1: Clearance, tmp_path: Path
) -> None:
    book = tmp_path / "book.csv"
    book.write_text(f"id,name\nc1,Acme Printers\nc2,{REVERSED}\n", encoding="utf-8")
    with pytest.raises(BookError, match=r"book\.csv: line 3: party c2: name: holds a bidi"):
        import_parties(v1, book)
    assert parties(v1) == [] and kinds(v1) == [LIST_IMPORT]


def test_screen_name_on_the_command_line_exits_2_with_the_message(
    tmp_path: Path, lists_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    _with_list(open_store(url), tmp_path, lists_dir, screening_algorithm="clearance-v1")
    monkeypatch.setenv("CLEARANCE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CLEARANCE_SCREENING_ALGORITHM", "clearance-v1")
    result = CliRunner().invoke(cli, ["screen", REVERSED, "--db", url, "--as-of", "2025-05-20"])
    assert result.exit_code == 2 and "displays as 'Dmitry KHOROSHEV'" in result.output
