"""Writing systems and transliteration to ASCII.

Libraries, each for what it does best:

- Cyrillic: ICU's `Russian-Latin/BGN` (PyICU), the BGN/PCGN romanization that OFAC, the UN and
  the UK publish Russian names in (`Сергей Михайлович` → `Sergey Mikhaylovich`, `Х` → `Kh`).
  ICU's generic `Any-Latin` gives ISO 9 (`Sergej`, `Federal'naa`), and rigour's romanization
  writes `Х` as `H` and `й` as `i` (`Mihailovich`), each costing Cyrillic queries an edit or
  two against the lists. Soft and hard signs (BGN's primes) are dropped, as bank records do.
- rigour's `maybe_ascii` for the other scripts it admits (Latin with diacritics, Greek,
  Armenian, Georgian, Hangul), and for Cyrillic letters BGN's Russian table lacks (Ukrainian
  `і`, `ї`, `є`).
- ICU's `Any-Latin; Latin-ASCII` for everything else: Arabic, Persian, Hebrew, Han,
  Devanagari, ... Lossy, but the same on the query and the listed side.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

import icu
from rigour.text.scripts import codepoint_script, text_scripts
from rigour.text.translit import maybe_ascii

__all__ = ["detect_script", "has_cyrillic", "scripts_of", "transliterate"]


@lru_cache(maxsize=1)
def _icu_to_ascii() -> icu.Transliterator:
    return icu.Transliterator.createInstance("Any-Latin; Latin-ASCII")


@lru_cache(maxsize=1)
def _icu_russian_bgn() -> icu.Transliterator:
    return icu.Transliterator.createInstance("Russian-Latin/BGN")


_CYRILLIC = re.compile("[\u0400-\u04ff]")
# BGN/PCGN's soft and hard signs (modifier primes), and the apostrophes ASCII folding makes
# of them: `Zinov'yev` is written `Zinovyev` in lists and bank records alike.
_PRIMES = str.maketrans("", "", "\u02b9\u02ba")


def scripts_of(text: str) -> frozenset[str]:
    """The Unicode scripts of the letters and digits in `text` (`{"Cyrillic"}`, ...)."""
    return frozenset(text_scripts(text))


def has_cyrillic(text: str) -> bool:
    return _CYRILLIC.search(text) is not None


@lru_cache(maxsize=65536)
def transliterate(text: str, russian_bgn: bool = True) -> str:
    """`text` in ASCII letters; characters no transliteration can render are dropped.

    `russian_bgn=False` gives rigour's romanization of Cyrillic instead (`aktsionernoe`, not
    BGN's `aktsionernoye`): rigour's legal-form table knows some Russian legal forms only in
    that spelling.
    """
    if text.isascii():
        return text
    if russian_bgn and _CYRILLIC.search(text):
        text = str(_icu_russian_bgn().transliterate(text)).translate(_PRIMES)
    out: str = maybe_ascii(text)
    if not out.isascii():
        out = str(_icu_to_ascii().transliterate(out))
    if not out.isascii():
        out = out.encode("ascii", "ignore").decode("ascii")
    return out


# Unicode script names (as rigour reports them) to ISO 15924 codes, for the scripts that occur
# in sanctions lists. A script missing here yields None ("unknown"), never a wrong code.
_ISO15924 = {
    "Latin": "Latn",
    "Cyrillic": "Cyrl",
    "Arabic": "Arab",
    "Han": "Hani",
    "Hangul": "Hang",
    "Hiragana": "Hira",
    "Katakana": "Kana",
    "Greek": "Grek",
    "Hebrew": "Hebr",
    "Georgian": "Geor",
    "Armenian": "Armn",
    "Ethiopic": "Ethi",
    "Thai": "Thai",
    "Devanagari": "Deva",
    "Bengali": "Beng",
    "Gurmukhi": "Guru",
    "Gujarati": "Gujr",
    "Tamil": "Taml",
    "Telugu": "Telu",
    "Kannada": "Knda",
    "Malayalam": "Mlym",
    "Sinhala": "Sinh",
    "Myanmar": "Mymr",
    "Khmer": "Khmr",
    "Lao": "Laoo",
    "Tibetan": "Tibt",
    "Mongolian": "Mong",
    "Syriac": "Syrc",
    "Thaana": "Thaa",
    "Tifinagh": "Tfng",
}

_PARENTHESES = re.compile(r"\([^()]*\)")


def detect_script(text: str) -> str | None:
    """The ISO 15924 code of the script `text` is written in, or None if it has no letters.

    Names often carry a gloss in parentheses, in either direction (`ኤርሚኣስ ግርማይ (Tigrinya)`,
    `Muhamadmuhtar (original script: Мухамадмухтар)`), so the text outside parentheses decides
    when it has letters; otherwise the script with most letters wins.
    """
    outside = _PARENTHESES.sub(" ", text)
    counts = _script_counts(outside) or _script_counts(text)
    if not counts:
        return None
    # Ties go to the non-Latin script: that is the one a Latin-only name cannot tell.
    best = max(counts.items(), key=lambda item: (item[1], item[0] != "Latin", item[0]))[0]
    return _ISO15924.get(best)


def _script_counts(text: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for char in text:
        if char.isalpha():
            script = codepoint_script(ord(char))
            if script and script not in ("Common", "Inherited"):
                counts[script] += 1
    return counts
