"""Property (issue 15): inserting default-ignorable characters anywhere in a name never changes
a clearance-v2 screening result. Bidi controls are the exception on purpose: an override
changes what a reader sees, and clearance-v2 flags it (test_v2.py)."""

from __future__ import annotations

from typing import Any

import pytest
from golden_support import build_index
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearance.model import EntryType, Hit, Party
from clearance.screening import ScreeningIndex
from clearance.text import BIDI_CONTROLS, ignorable_characters

IGNORABLE = sorted(ignorable_characters() - BIDI_CONTROLS)
NAMES = [
    ("Federal Security Service", EntryType.ORGANIZATION),
    ("Vladimir Vladimirovich Putin", EntryType.PERSON),
    ("ПУТИН Владимир", EntryType.PERSON),
    ("Kim Jong Un", EntryType.PERSON),
    ("김정은", EntryType.PERSON),
    ("محمد يوسف", EntryType.PERSON),
    ("Banco Nacional de Cuba", EntryType.ORGANIZATION),
    ("HIZBALLAH", EntryType.UNKNOWN),
]


@pytest.fixture(scope="module")
def index() -> ScreeningIndex:
    return build_index("clearance-v2")


def _answer(hits: list[Hit], text: str, clean: str) -> list[Any]:
    return [
        (
            h.entry.source_id,
            h.score,
            h.match,
            h.matched_name,
            [(f.name, f.score, f.detail.replace(text, clean)) for f in h.features],
        )
        for h in hits
    ]


@st.composite
def noisy(draw: st.DrawFn) -> tuple[str, str, EntryType]:
    name, kind = draw(st.sampled_from(NAMES))
    chars = list(name)
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(chars)))
        chars.insert(at, draw(st.sampled_from(IGNORABLE)))
    return "".join(chars), name, kind


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(noisy())
def test_ignorable_characters_never_change_a_result(
    index: ScreeningIndex, case: tuple[str, str, EntryType]
) -> None:
    text, clean, kind = case
    expected = _answer(index.search(Party(clean, kind), threshold=0.5), clean, clean)
    assert _answer(index.search(Party(text, kind), threshold=0.5), text, clean) == expected
