"""Country names as sanctions lists publish them → ISO 3166-1 alpha-2 codes.

Lists spell countries their own way: OFAC writes `Russia`, `Korea, North`, `Burma`,
`Congo, Democratic Republic of the`, `Region: Crimea`; the UN writes `Iran (Islamic Republic
of)`, the UK `DPRK` or a demonym such as `Afghan`. `country_code` resolves them in three steps:

1. a small table of list spellings that the libraries below miss or get wrong for our purpose
   (regions such as Crimea or Gaza, which ISO does not code on their own);
2. pycountry's exact lookup (ISO names, official names, alpha-2/alpha-3 codes);
3. rigour's territory names (exact, never fuzzy), which OpenSanctions maintains for exactly
   these lists and which knows demonyms and historic spellings. A sub-national territory
   (`Crimea`, `Chechnya`, `Dubai`) resolves to its country; a territory that no longer exists
   (`USSR`, `Yugoslavia`, `Netherlands Antilles`) resolves to None, because its old code would
   match nothing current and could collide with a reused one.

Fuzzy matching is deliberately off: pycountry's fuzzy search maps `Kosovo` to Serbia.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pycountry
from rigour.territories import lookup_territory

__all__ = ["country_code"]

# Keys are normalized with `_normalize`. None marks a name that must not resolve to a country
# (disputed areas, placeholders), so that the libraries are not asked.
_LIST_SPELLINGS: dict[str, str | None] = {
    # OFAC
    "russia": "RU",
    "iran": "IR",
    "syria": "SY",
    "burma": "MM",
    "turkey": "TR",
    "korea, north": "KP",
    "korea, south": "KR",
    "congo, democratic republic of the": "CD",
    "congo, republic of the": "CG",
    "kosovo": "XK",  # user-assigned code, used by the EU, the UK and OFAC's own XML
    "macau": "MO",
    "cote d ivoire": "CI",
    "bahamas, the": "BS",
    "gambia, the": "GM",
    "the gambia": "GM",
    "man, isle of": "IM",
    "st. kitts & nevis": "KN",
    "st. kitts and nevis": "KN",
    "st. vincent and the grenadines": "VC",
    "macedonia, the former yugoslav republic of": "MK",
    "north macedonia, the republic of": "MK",
    "u.k.": "GB",
    "cabo verde. previously cape verde": "CV",
    "palestinian": "PS",
    "palestinian authority": "PS",
    "palestinian territories": "PS",
    "west bank": "PS",
    "gaza": "PS",
    "crimea": "UA",
    "northern mali": "ML",
    "kafia kingi": None,  # disputed between Sudan and South Sudan
    "undetermined": None,
    "none identified": None,
    "unknown": None,
    # UN / UK
    "dprk": "KP",
    "drc": "CD",
    "democratic republic of the congo": "CD",
    "iran (islamic republic of)": "IR",
    "state of palestine": "PS",
}

_REGION_PREFIX = re.compile(r"^region\s*:\s*", re.IGNORECASE)


def _normalize(name: str) -> str:
    text = " ".join(name.replace("\u2019", "'").split()).strip(" .,;").casefold()
    return _REGION_PREFIX.sub("", text)


def _from_pycountry(name: str) -> str | None:
    try:
        country = pycountry.countries.lookup(name)
    except LookupError:
        return None
    code: str = country.alpha_2
    return code


def _from_rigour(name: str) -> str | None:
    territory = lookup_territory(name)
    if territory is None or territory.is_historical:
        return None
    while territory.parent is not None and not territory.is_country:
        territory = territory.parent
    code = str(territory.code)
    if len(code) == 2 and code.isalpha():
        return code.upper()
    # A sub-national code such as `ua-cri` whose country we could not reach: take its prefix.
    prefix = code.split("-", 1)[0]
    return prefix.upper() if len(prefix) == 2 and prefix.isalpha() else None


# Longer than any country name a list writes (under 60 characters): a damaged field of
# 100,000 characters took over 10 s in rigour's transliteration (found by make fuzz).
_LONGEST_NAME = 200


@lru_cache(maxsize=8192)
def country_code(name: str) -> str | None:
    """The ISO 3166-1 alpha-2 code for a country name as a list publishes it, or None."""
    key = _normalize(name)
    if not key or len(key) > _LONGEST_NAME or not any(ch.isalpha() for ch in key):
        return None
    if key in _LIST_SPELLINGS:
        return _LIST_SPELLINGS[key]
    return _from_pycountry(key) or _from_rigour(key)
