"""From any spelling to the form names are compared in: ASCII, casefolded, tokenized.

`fold("ПУТИН Владимир Владимирович")` is `"putin vladimir vladimirovich"`;
`fold("L.L.C. Al-Qaida")` is `"llc al qaida"`. Tokenization is rigour's (Unicode categories:
punctuation separates, dots inside abbreviations vanish, combining marks drop).
"""

from __future__ import annotations

from functools import lru_cache

from rigour.text.normalize import Normalize, normalize

from clearance.names.scripts import transliterate

__all__ = ["fold", "fold_tokens"]

_NAME_FLAGS = Normalize.CASEFOLD | Normalize.NAME


@lru_cache(maxsize=65536)
def fold(text: str, russian_bgn: bool = True) -> str:
    """`text` transliterated to ASCII, casefolded, split into tokens joined by one space."""
    out: str | None = normalize(transliterate(text, russian_bgn), _NAME_FLAGS)
    return out or ""


def fold_tokens(text: str) -> list[str]:
    folded = fold(text)
    return folded.split() if folded else []
