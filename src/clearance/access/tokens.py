"""API key material: making keys, splitting off their public prefix, hashing them.

A key reads `clr_<prefix>_<secret>`: `prefix` is 8 random hex digits stored in clear to find
the key's row without scanning, `secret` is 32 random bytes (`secrets.token_urlsafe`). Only the
SHA-256 of the whole key is stored.

Why plain SHA-256 and not bcrypt/scrypt/argon2: slow, salted hashes exist to make guessing
low-entropy passwords expensive. A key holds 256 random bits, so there is nothing to guess —
no dictionary, no feasible brute force even at billions of SHA-256 per second — and a slow
hash would only add tens of milliseconds to every API request. The comparison is done in
constant time (`hmac.compare_digest`) so response timing tells nothing about the stored hash.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

KEY_SCHEME = "clr"
PREFIX_HEX_DIGITS = 8
_KEY_PATTERN = re.compile(r"^clr_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$")


class AccessError(Exception):
    """A key request that cannot be served (duplicate name, unknown key, bad role, ...)."""


@dataclass(frozen=True, slots=True)
class KeyMaterial:
    key: str  # shown to the user once, never stored
    prefix: str
    sha256: str


def new_key() -> KeyMaterial:
    prefix = secrets.token_hex(PREFIX_HEX_DIGITS // 2)
    key = f"{KEY_SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"
    return KeyMaterial(key, prefix, key_hash(key))


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def key_prefix(key: str) -> str | None:
    """The public prefix of a well-formed key, or None for anything else."""
    found = _KEY_PATTERN.match(key)
    return found.group(1) if found else None


def hash_matches(key: str, stored_sha256: str) -> bool:
    return hmac.compare_digest(key_hash(key), stored_sha256)
