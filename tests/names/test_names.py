"""Names: transliteration, tokenization, legal forms, person-name parts, token facts."""

from __future__ import annotations

import pytest

from clearance.model import EntryType
from clearance.names import (
    LegalWordCorrector,
    analyze_name,
    fold,
    fold_tokens,
    phonetic_key,
    scripts_of,
    split_legal_forms,
    strip_honorifics,
    token_info,
    transliterate,
)
from clearance.names.scripts import detect_script


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("ПУТИН Владимир Владимирович", "putin vladimir vladimirovich"),
        ("Федеральная служба безопасности", "federalnaya sluzhba bezopasnosti"),
        ("L.L.C. Al-Qaida", "llc al qaida"),
        ("Müller-Lüdenscheidt  GmbH", "muller ludenscheidt gmbh"),
        ("Βλαδίμηρος Πούτιν", "vladimiros poutin"),
    ],
)
def test_fold_transliterates_casefolds_and_tokenizes(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_scripts_without_a_bgn_style_table_go_through_icu() -> None:
    arabic = "فلاديمير بوتين"
    assert scripts_of(arabic) == {"Arabic"}
    latin = transliterate(arabic)
    assert latin.isascii() and len(fold_tokens(latin)) == 2
    assert transliterate("金正恩").isascii() and fold("金正恩")


def test_text_without_letters_folds_to_nothing() -> None:
    assert fold("-- ... --") == ""
    assert analyze_name("*** ", EntryType.ORGANIZATION).tokens == ()


@pytest.mark.parametrize(
    ("name", "generic"),
    [
        ("Romashka LLC", "llc"),
        ("L.L.C. Romashka", "llc"),
        ("OOO Romashka", "llc"),
        ("ООО Ромашка", "llc"),
        ("Obshchestvo s Ogranichennoy Otvetstvennostyu Romashka", "llc"),
        ("Limited Liability Company Romashka", "llc"),
        ("Romashka Ltd", "llc"),
        ("Romashka Limited", "llc"),
        ("Romashka GmbH", "llc"),
        ("JSC Romashka", "jsc"),
        ("AO Romashka", "jsc"),
        ("PAO Romashka", "jsc"),
        ("OAO Romashka", "jsc"),
        ("ZAO Romashka", "jsc"),
        ("Joint Stock Company Romashka", "jsc"),
        ("Romashka S.A.", "jsc"),
    ],
)
def test_legal_forms_fold_into_one_comparison_form(name: str, generic: str) -> None:
    split = split_legal_forms(fold(name))
    assert split.text == "romashka"
    assert split.forms == (generic,)


def test_legal_form_alone_stays_as_the_name() -> None:
    # Nothing else to compare: the scorer sees `llc` as an ordinary (weak) token.
    split = split_legal_forms("llc")
    assert (split.text, split.forms) == ("llc", ())


def test_legal_form_words_are_kept_for_the_scorer() -> None:
    split = split_legal_forms(fold("Torgan Co., Ltd"))
    assert split.text == "torgan"
    assert set(split.words) == {"co", "ltd"}


def test_misspelt_legal_form_words_are_corrected_only_when_unknown() -> None:
    correct = LegalWordCorrector(["joint", "stock", "company", "limited"], {"stocks"}.__contains__)
    assert correct("public joint stock companc kremny") == "public joint stock company kremny"
    assert correct("limiaed liability") == "limited liability"
    # A word some listed name really has is never "corrected".
    assert correct("stocks") == "stocks"
    assert correct("kremny") == "kremny"
    form = analyze_name("Joint Stock Companc Kremny", EntryType.ORGANIZATION, correct=correct)
    assert form.tokens == ("kremny",)
    assert form.legal_forms == ("jsc",)


def test_persons_keep_tokens_that_look_like_legal_forms() -> None:
    # `AO` is a legal form for organizations, a name part for persons.
    assert analyze_name("AO, Kim", EntryType.PERSON).tokens == ("ao", "kim")
    assert analyze_name("AO Kim", EntryType.ORGANIZATION).tokens == ("kim",)


def test_honorifics_go_before_comparison() -> None:
    assert strip_honorifics("Mr. John Smith") == "John Smith"
    assert analyze_name("Dr Vladimir Putin", EntryType.PERSON).tokens == ("vladimir", "putin")
    # A name that is only a title stays as it is.
    assert strip_honorifics("Doctor") == "Doctor"


@pytest.mark.parametrize(
    ("name", "first", "last", "optional"),
    [
        # OFAC's `LAST, First Middle`: the patronymic may be left out.
        ("PUTIN, Vladimir Vladimirovich", None, None, (False, False, True)),
        # A family name in capitals among mixed-case given names.
        ("ПУТИН Владимир Владимирович", None, None, (False, False, True)),
        # Natural order: first and last token are required.
        ("Vladimir Vladimirovich Putin", None, None, (False, True, False)),
        # Parts as a list publishes them (UN, UK, EU).
        ("Vladimir Vladimirovich Putin", "Vladimir Vladimirovich", "Putin", (False, True, False)),
        # Two tokens: nothing is optional.
        ("PUTIN, Vladimir", None, None, (False, False)),
        # An initial in the middle.
        ("Vladimir V. Putin", None, None, (False, True, False)),
    ],
)
def test_person_parts_that_may_be_left_out(
    name: str, first: str | None, last: str | None, optional: tuple[bool, ...]
) -> None:
    form = analyze_name(name, EntryType.PERSON, first=first, last=last)
    assert form.optional == optional


def test_unknown_type_with_a_comma_reads_as_a_listed_person() -> None:
    form = analyze_name("BORTNIKOV, Denis Aleksandrovich")
    assert form.optional == (False, False, True)
    assert analyze_name("Acme Trading Company").optional == (False, False, False)


def test_key_ignores_word_order() -> None:
    assert analyze_name("PUTIN, Vladimir").key == analyze_name("Vladimir Putin").key


def test_phonetic_keys() -> None:
    assert phonetic_key("mohammed") == phonetic_key("muhamad")
    assert phonetic_key("li") is None  # too short to say anything
    assert phonetic_key("1234") is None


def test_token_facts_come_from_rigour() -> None:
    assert token_info("the").stopword
    company, co, corp = token_info("company"), token_info("co"), token_info("corp")
    assert company.generic and co.generic and corp.generic
    assert company.symbols & co.symbols & corp.symbols  # the same generic word
    assert token_info("trading").symbols & token_info("trade").symbols
    putin = token_info("putin")
    assert not putin.generic and not putin.stopword
    assert not token_info("123").symbols


def test_detect_script() -> None:
    assert detect_script("Bosco Ntaganda") == "Latn"
    assert detect_script("Умаров Доку") == "Cyrl"
    assert detect_script("محمد حسن آخوند") == "Arab"
    assert detect_script("沈忠國際海運有限公司") == "Hani"
    assert detect_script("리원호") == "Hang"
    # A parenthesised gloss does not decide the script, in either direction.
    assert detect_script("ኤርሚኣስ ግርማይ (Tigrinya)") == "Ethi"
    assert detect_script("Muhamadmuhtar (original script: Мухамадмухтар)") == "Latn"
    assert detect_script("(金铁三)") == "Hani"
    assert detect_script(" 123 -") is None
