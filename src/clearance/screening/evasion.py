"""Evasion by invisible characters (issue 15), as clearance-v2 screens it.

Default-ignorable characters (soft hyphens, zero-width spaces, bidi marks, variation
selectors...) are removed before a name is read (`clearance.text`, names/reading.py), so
`Pri\u00adgozhin` is `Prigozhin`. A bidi override is different: `\u202enitup` is stored as
`nitup` and shown as `putin`. clearance-v2 screens such a name both as stored and as
displayed, and every hit says so (`displayed_text`, search.py).
"""

from __future__ import annotations

from clearance.model import Feature
from clearance.text import BIDI_CONTROLS, has_bidi_control, strip_ignorables

__all__ = ["bidi_feature", "displayed_text", "has_bidi_control"]

_RTL_OVERRIDE, _RTL_ISOLATE = "\u202e", "\u2067"
_ENDS = frozenset("\u202c\u2069")  # pop directional formatting, pop directional isolate


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
