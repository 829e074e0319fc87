"""Unicode facts every door needs before a name goes anywhere: default-ignorable characters.

Default-ignorable code points (Unicode's `Default_Ignorable_Code_Point` property: the soft
hyphen U+00AD, zero-width spaces and joiners, bidi marks and controls, variation selectors,
tag characters, Hangul fillers, ...) render as nothing, so a name written with them looks the
same to a person and differs to a machine: `Pri\u00adgozhin` shows as `Prigozhin`. They are
removed before any other step, on the query and on the listed side. The set comes from ICU
(PyICU), which carries the Unicode Character Database of its version.

The bidi embeddings, overrides and isolates (U+202A..U+202E, U+2066..U+2069) are different:
an override changes what a reader *sees* (`\u202enitup` shows as `putin`), so a door keeps
them (`keep_bidi=True`) and screening flags them (screening/evasion.py).
"""

from __future__ import annotations

from functools import lru_cache

import icu

__all__ = [
    "BIDI_CONTROLS",
    "has_bidi_control",
    "ignorable_characters",
    "is_default_ignorable",
    "strip_ignorables",
]

BIDI_CONTROLS = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))


@lru_cache(maxsize=1)
def ignorable_characters() -> frozenset[str]:
    """Every default-ignorable code point, as ICU knows them."""
    return frozenset(icu.UnicodeSet("[:Default_Ignorable_Code_Point:]"))


@lru_cache(maxsize=2)
def _table(keep_bidi: bool) -> dict[int, None]:
    drop = ignorable_characters() - BIDI_CONTROLS if keep_bidi else ignorable_characters()
    return dict.fromkeys(ord(c) for c in drop)


def is_default_ignorable(char: str) -> bool:
    return char in ignorable_characters()


def strip_ignorables(text: str, *, keep_bidi: bool = False) -> str:
    """`text` without default-ignorable characters (bidi controls kept if `keep_bidi`)."""
    if text.isascii():
        return text
    return text.translate(_table(keep_bidi))


def has_bidi_control(text: str) -> bool:
    return not text.isascii() and any(c in BIDI_CONTROLS for c in text)
