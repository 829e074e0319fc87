"""Evasion by invisible characters (issue 15), as clearance-v2 screens it.

Default-ignorable characters (soft hyphens, zero-width spaces, bidi marks, variation
selectors...) are removed before a name is read (`clearance.text`, names/reading.py), so
`Pri\u00adgozhin` is `Prigozhin`. A bidi override is different: `\u202enitup` is stored as
`nitup` and shown as `putin`. clearance-v2 screens such a name both as stored and as
displayed, and every hit says so (`displayed_text`, search.py). A version that reads a name
only as stored (clearance-v1, frozen: its answers must not change) refuses a name holding a
bidi override rather than screen letters in an order no reader sees (`refuse_override`).
"""

from __future__ import annotations

from clearance.model import Feature
from clearance.schema import PartyError
from clearance.text import BIDI_CONTROLS, has_bidi_control, strip_ignorables

__all__ = ["bidi_feature", "displayed_text", "has_bidi_control", "refuse_override"]

_RTL_OVERRIDE, _RTL_ISOLATE = "\u202e", "\u2067"
_ENDS = frozenset("\u202c\u2069")  # pop directional formatting, pop directional isolate
# The overrides force every letter after them into one direction, reversing Latin letters
# (U+202E) or Arabic and Hebrew ones (U+202D); embeddings and isolates leave a run of letters
# in its own order.
_OVERRIDES = {"\u202d": "LEFT-TO-RIGHT OVERRIDE", "\u202e": "RIGHT-TO-LEFT OVERRIDE"}


def displayed_text(text: str) -> str:
    """`text` in the order a reader sees it: runs after a right-to-left override (or
    isolate) up to its pop, or the end, reversed; every other control removed."""
    out: list[str] = []
    run: list[str] | None = None
    for char in text:
        if char in (_RTL_OVERRIDE, _RTL_ISOLATE):
            run = []
        elif char in _ENDS and run is not None:
            out.extend(reversed(run))
            run = None
        elif char not in BIDI_CONTROLS:
            (run if run is not None else out).append(char)
    if run is not None:
        out.extend(reversed(run))
    return strip_ignorables("".join(out))


def bidi_feature(text: str, displayed: str) -> Feature:
    return Feature(
        "bidi",
        0.0,
        f"query contains bidi control characters; stored as '{strip_ignorables(text)}', "
        f"displayed as '{displayed}': screened both ways",
    )


def refuse_override(name: str, algorithm: str) -> None:
    """Raise PartyError if `name` holds a bidi override, for a version that screens names only
    as stored: the letters it would compare are not in the order a person reads them."""
    found = next((c for c in name if c in _OVERRIDES), None)
    if found is None:
        return
    stored = strip_ignorables(name)
    shown = displayed_text(name) if found == _RTL_OVERRIDE else None
    reads = f", and displays as '{shown}'" if shown and shown != stored else ""
    raise PartyError(
        f"name: holds a bidi override (U+{ord(found):04X} {_OVERRIDES[found]}), which changes "
        f"the order its letters display in: it is stored as '{stored}'{reads}. {algorithm} "
        "screens a name only as stored; remove the control character, or screen with "
        "clearance-v2, which screens both readings and flags the hit"
    )
