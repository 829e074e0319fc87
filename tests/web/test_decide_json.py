"""The decide page's JSON box: input Python's JSON parser cannot take is a 400 with a clear
message, never a 500 (found by reading, after `make fuzz` found the same in `decide`)."""

from __future__ import annotations

import pytest

from clearance.web.decide import json_transaction
from clearance.web.routing import PageError


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"amount": ' + "9" * 5_000 + "}", "not JSON"),
        ('{"id": ', "line 1"),
    ],
)
def test_unparseable_json_is_a_clear_400(text: str, says: str) -> None:
    with pytest.raises(PageError) as raised:
        json_transaction(text)
    assert raised.value.status == 400 and says in str(raised.value)


def test_exact_decimals_are_kept() -> None:
    assert str(json_transaction('{"amount": 4999.99}')["amount"]) == "4999.99"
