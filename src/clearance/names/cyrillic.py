"""Latin spellings of Russian, Ukrainian and Belarusian names read as one (clearance-v2).

`spelling_key` applies the rewrite rules of data/cyrillic_spellings.yaml (BGN/PCGN, ISO 9,
ICAO passport and German/French habits brought together): `Sergei`, `Sergey` and `Sergej`
share a key, as do `Iurii`, `Yuriy` and `Jurij`, and `Evgenii` and `Yevgeniy`.
"""

from __future__ import annotations

from functools import lru_cache

from clearance.names.tables import apply_rules, cyrillic_rules

__all__ = ["spelling_key"]


@lru_cache(maxsize=262144)
def spelling_key(token: str) -> str | None:
    """The word's spelling key, or None for words too short or not alphabetic."""
    min_length, rules = cyrillic_rules()
    if len(token) < min_length or not token.isalpha():
        return None
    return apply_rules(token, rules)
