"""ISO codes the decision engine accepts: regions (ISO 3166-1 / 3166-2) and currencies (4217).

pycountry carries the ISO tables, so a typo such as `UA-34` or `USDD` is refused at the edge
instead of silently never matching an exclusion.
"""

from __future__ import annotations

from functools import cache

import pycountry


@cache
def is_region_code(code: str) -> bool:
    """True for an ISO 3166-1 alpha-2 country (`RU`) or an ISO 3166-2 subdivision (`UA-43`)."""
    if "-" in code:
        return pycountry.subdivisions.get(code=code) is not None  # type: ignore[no-untyped-call]
    return len(code) == 2 and pycountry.countries.get(alpha_2=code) is not None


@cache
def region_name(code: str) -> str:
    if "-" in code:
        sub = pycountry.subdivisions.get(code=code)  # type: ignore[no-untyped-call]
        if sub is not None:
            return f"{sub.name} ({code})"
    else:
        country = pycountry.countries.get(alpha_2=code)
        if country is not None:
            return f"{country.name} ({code})"
    return code


def country_of(code: str) -> str:
    """The country part of a region code: `UA-43` -> `UA`, `RU` -> `RU`."""
    return code.split("-", 1)[0]


@cache
def is_currency_code(code: str) -> bool:
    return len(code) == 3 and pycountry.currencies.get(alpha_3=code) is not None
