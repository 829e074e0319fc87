"""Phonetic keys: spellings that sound alike (`Mohammed` / `Muhamad`) share a key.

rigour's Rust metaphone (the same one OpenSanctions' matchers use) rather than jellyfish's:
it is several times faster and memoized, and the index computes one key per listed token.
Keys of very short tokens say little (`li` and `lee` share `L`), so they get none.
"""

from __future__ import annotations

from rigour.text.phonetics import metaphone

__all__ = ["MIN_PHONETIC_LENGTH", "phonetic_key"]

# Below this many letters a metaphone key collides with too many unrelated tokens.
MIN_PHONETIC_LENGTH = 4


def phonetic_key(token: str) -> str | None:
    """The metaphone key of an ASCII, casefolded token, or None when it would say nothing."""
    if len(token) < MIN_PHONETIC_LENGTH or not token.isalpha():
        return None
    key: str = metaphone(token)
    return key or None
