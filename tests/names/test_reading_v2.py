"""clearance-v2's reading of names (names/reading.py), case by case from the data tables."""

from __future__ import annotations

import pytest

from clearance.model import EntryType
from clearance.names import analyze_name
from clearance.names.arabic import canonical_parts, romanize_word, skeleton
from clearance.names.cyrillic import spelling_key
from clearance.names.frequency import population_weight
from clearance.names.reading import FLAG_ARABIC, FLAG_EAST_ASIAN
from clearance.text import strip_ignorables

P, ORG = EntryType.PERSON, EntryType.ORGANIZATION


@pytest.mark.parametrize(
    ("text", "kind", "tokens", "flags"),
    [
        ("Mohamed Youssef", P, ("muhammad", "yusuf"), 0),
        ("محمد يوسف", P, ("muhammad", "yusuf"), FLAG_ARABIC),
        ("Abdulbasir NOORZAI", P, ("abd", "basir", "nurzai"), 0),
        ("NOORZAI, Haji Basir Ahmad", P, ("nurzai", "basir", "ahmad"), 0),
        ("Tariq Bin-Al-Tahar AL-HARZI", P, ("tariq", "bin", "tahir", "harzi"), 0),
        ("Salahuddin Hamdullah", P, ("salah", "hamd", "allah"), 0),
        (
            "OCEAN MARITIME MANAGEMENT COMPANY, LIMITED (OMM)",
            ORG,
            ("ocean", "maritime", "management", "company"),
            0,
        ),
        ("Kim Jong-un", P, ("gim", "jongun"), FLAG_EAST_ASIAN),
        ("Kim Jongun", P, ("gim", "jongun"), FLAG_EAST_ASIAN),
        ("KIM, Jong Un", P, ("gim", "jongun"), FLAG_EAST_ASIAN),
        ("김정은", P, ("gim", "jongun"), FLAG_EAST_ASIAN),
        ("MU, Ri Yong", P, ("muyong", "i"), FLAG_EAST_ASIAN),
        ("李方伟", P, ("i", "fangwei"), FLAG_EAST_ASIAN),
        ("Kim Novak", P, ("kim", "novak"), 0),
        ("Yevgeniy Pri\u00adgo\u200bzhin", P, ("yevgeniy", "prigozhin"), 0),
    ],
)
def test_names_read_as_v2_reads_them(
    text: str, kind: EntryType, tokens: tuple[str, ...], flags: int
) -> None:
    form = analyze_name(text, kind, reading="v2")
    assert form.tokens == tokens
    assert form.flags == flags


def test_v1_reading_is_unchanged_by_default() -> None:
    assert analyze_name("Mohamed Youssef", P).tokens == ("mohamed", "youssef")
    assert analyze_name("محمد", P).tokens == ("mhmd",)


def test_arabic_script_words_and_latin_spellings() -> None:
    assert romanize_word("نورزی") == ("nurzai",)  # from the table
    assert romanize_word("معروفی") == ("mrufi",)  # letter by letter: short vowels unguessed
    assert canonical_parts("abdelrahman") == ("abd", "rahman")
    assert skeleton("noorzai") == skeleton("nurzi") == "nrzY"
    assert skeleton("maroufi") != skeleton("maruf")


@pytest.mark.parametrize(
    "spellings",
    [("sergei", "sergey", "sergej"), ("iurii", "yuriy", "jurij", "yury"), ("evgenii", "yevgeniy")],
)
def test_russian_spellings_share_a_key(spellings: tuple[str, ...]) -> None:
    assert len({spelling_key(s) for s in spellings}) == 1


def test_common_names_weigh_less() -> None:
    assert population_weight("gim") < 0.2
    assert population_weight("muhammad") < 0.5
    assert population_weight("nurzai") == 1.0


def test_ignorables_go_and_bidi_controls_may_stay() -> None:
    assert strip_ignorables("Pri\u00adgo\u200dzhin\ufe0f") == "Prigozhin"
    assert strip_ignorables("\u202enitup", keep_bidi=True) == "\u202enitup"
    assert strip_ignorables("\u202enitup") == "nitup"
