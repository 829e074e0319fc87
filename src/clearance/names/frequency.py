"""How much a name word says, by how common it is among ordinary people's names.

`data/name_frequency.csv` (made by scripts/make_name_frequency.py from the name lists that
ship with Faker, weighted by their census frequencies where Faker has them) gives each word
its largest share in any locale's first-name or last-name list: `gim` (Kim) is about a
quarter of Korean surnames, `muhammad` one of a few hundred Arabic given names, `noorzai`
is not there at all. The weight is the word's rarity on a log scale,

    population_weight = log(1 / share) / log(1 / RARE_SHARE), between 0 and 1,

so a word of 1 in 10,000 names or rarer weighs 1.0, one of 1 in 100 weighs 0.5 and a fifth
of all surnames about 0.15. Screening (clearance-v2) takes the smaller of this and the word's
rarity among listed names: a shared `Kim` or `Muhammad` says little, a shared `Noorzai` much.
"""

from __future__ import annotations

import csv
import io
import math
from functools import cache
from importlib.resources import files

__all__ = ["RARE_SHARE", "population_weight"]

RARE_SHARE = 1e-4


@cache
def _shares() -> dict[str, float]:
    text = files("clearance.names").joinpath("data", "name_frequency.csv").read_text("utf-8")
    reader = csv.reader(io.StringIO(text))
    next(reader)
    return {row[0]: float(row[1]) for row in reader}


@cache
def population_weight(token: str) -> float:
    share = _shares().get(token)
    if share is None or share <= RARE_SHARE:
        return 1.0
    return max(0.0, min(1.0, math.log(share) / math.log(RARE_SHARE)))
