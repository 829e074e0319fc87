"""The registry of scorer versions: versions sit side by side, and a new one never moves v1."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from golden_support import config_sha256

from clearance.model import Entry, EntryType, ListSource, Name, Party
from clearance.screening import (
    ALGORITHMS,
    AlgorithmConfig,
    ScreeningIndex,
    compare,
    get_algorithm,
    register_algorithm,
)
from clearance.screening import algorithms as registry
from clearance.screening.config import later_knob

V1 = get_algorithm("clearance-v1")
V1_SHA256 = config_sha256("clearance-v1")
TRIAL = "clearance-trial"  # registered by these tests only


@pytest.fixture
def trial() -> Iterator[AlgorithmConfig]:
    """A version beside v1 that does not scale down look-alike-only names."""
    config = register_algorithm(dataclasses.replace(V1, name=TRIAL, no_exact_word_factor=1.0))
    try:
        yield config
    finally:
        registry._REGISTRY.pop(TRIAL, None)


def test_a_released_version_cannot_be_replaced() -> None:
    with pytest.raises(ValueError, match="'clearance-v1' is already registered"):
        register_algorithm(dataclasses.replace(V1, match_threshold=0.5))
    with pytest.raises(TypeError):
        ALGORITHMS["clearance-v1"] = V1  # type: ignore[index]
    assert get_algorithm("clearance-v1") is V1
    assert get_algorithm() is get_algorithm("clearance-v1.1")  # the default


def test_a_new_version_sits_beside_v1(trial: AlgorithmConfig) -> None:
    assert get_algorithm(TRIAL) is trial and set(ALGORITHMS) >= {"clearance-v1", TRIAL}
    old, _ = compare("Castro", "CASTOR", EntryType.ORGANIZATION)
    new, _ = compare("Castro", "CASTOR", EntryType.ORGANIZATION, algorithm=TRIAL)
    assert new > old
    entry = Entry(ListSource.OFAC_SDN, "1", EntryType.ORGANIZATION, (Name("CASTOR"),))
    hits = {}
    for name in ("clearance-v1", TRIAL):
        index = ScreeningIndex.build([("ofac-sdn", 1, entry)], name)
        assert index.algorithm == name
        (hits[name],) = index.search(Party("Castro"), threshold=0)
    assert hits[TRIAL].algorithm == TRIAL and hits["clearance-v1"].algorithm == "clearance-v1"
    assert hits[TRIAL].score > hits["clearance-v1"].score
    # v1 is untouched by its neighbour.
    assert config_sha256("clearance-v1") == V1_SHA256
    assert compare("Castro", "CASTOR", EntryType.ORGANIZATION)[0] == old


@dataclasses.dataclass(frozen=True, slots=True, eq=False)
class _WithLaterKnob(AlgorithmConfig):
    extra_door: bool = later_knob(False)


def test_a_later_knob_leaves_older_records_unchanged() -> None:
    values = {f.name: getattr(V1, f.name) for f in dataclasses.fields(V1)}
    neutral = _WithLaterKnob(**values)
    assert neutral.to_dict() == V1.to_dict()
    assert list(neutral.to_dict()) == list(V1.to_dict())  # same keys, same order
    used = dataclasses.replace(neutral, name="clearance-later", extra_door=True)
    assert used.to_dict()["extra_door"] is True
