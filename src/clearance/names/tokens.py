"""What a token is worth: stop-words, generic organization words, and synonym symbols.

All three come from rigour's curated data (the tables behind OpenSanctions' matchers), so
nothing here is a hand-made word list:

- stop-words (`of`, `the`, `al`, `de`, ...) carry no identifying signal;
- rigour's organization tagger marks generic words with a symbol (`company`, `co` and `corp`
  are `SYMBOL:CO`; `trading` and `trade` are `SYMBOL:TRADE`; `bank` and `banking` are
  `DOMAIN:BANK`). Such words are weighted down, and two words with the same symbol count as
  the same word;
- its person tagger links spellings of one given name to a Wikidata item (`Mohammed`,
  `Muhammad` and `Mohamed` share `NAME:Q5837762`; `Aleksandr` and `Alexander` share
  `NAME:Q17501806`), which the scorer uses as a strong token match.

Screening also weighs tokens by how rare they are in the lists (IDF, in `screening.index`);
the symbols matter most where no index is at hand (`compare`) and for synonyms.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rigour.names.analyze import analyze_names
from rigour.names.tag import NameTypeTag
from rigour.text.stopwords import is_stopword

__all__ = ["TokenInfo", "lend_token_infos", "person_name_symbols", "token_info", "token_symbols"]

# Symbol categories that make an organization word generic (the legal-form class ORGCLS is
# handled by `legal_forms`, NAME/NICK are person names).
_GENERIC_CATEGORIES = ("SYMBOL", "DOMAIN")
_PERSON_CATEGORIES = ("NAME", "NICK")


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """Facts about one ASCII, casefolded token (computed once per distinct token)."""

    stopword: bool
    generic: bool  # a generic organization word (`company`, `trading`, `bank`)
    symbols: frozenset[str]  # `SYMBOL:CO`, `NAME:Q5837762`, ...


def _single_token_symbols(token: str, tag: NameTypeTag, categories: tuple[str, ...]) -> set[str]:
    out: set[str] = set()
    for name in analyze_names(tag, [token], consolidate=False, phonetics=False, numerics=False):
        for span in name.spans:
            if len(span.parts) == 1:
                symbol = str(span.symbol).strip("[]")
                if symbol.split(":", 1)[0] in categories:
                    out.add(symbol)
    return out


# Facts an index built earlier already found (`lend_token_infos`): asking rigour's tagger again
# for each of the 20,000 tokens of a list is a third of an index build.
_lent: dict[str, TokenInfo] = {}


def lend_token_infos(infos: dict[str, TokenInfo]) -> None:
    """Answer `token_info` from `infos` where they hold the token (replaces the last loan)."""
    global _lent
    _lent = infos


@lru_cache(maxsize=262144)
def token_info(token: str) -> TokenInfo:
    """Stop-word, generic-word and synonym facts of a token (organization symbols only)."""
    lent = _lent.get(token)
    if lent is not None:
        return lent
    if not token.isalpha():
        return TokenInfo(stopword=False, generic=False, symbols=frozenset())
    org = _single_token_symbols(token, NameTypeTag.ORG, _GENERIC_CATEGORIES)
    return TokenInfo(stopword=is_stopword(token), generic=bool(org), symbols=frozenset(org))


@lru_cache(maxsize=262144)
def person_name_symbols(token: str) -> frozenset[str]:
    """The given-name symbols of a token (`NAME:Q5837762` for `mohammed` and `muhammad`).

    rigour builds its person-name tagger on first use, which takes several seconds; callers
    that answer one query at a time use the symbols precomputed for the index vocabulary.
    """
    if not token.isalpha():
        return frozenset()
    return frozenset(_single_token_symbols(token, NameTypeTag.PER, _PERSON_CATEGORIES))


def token_symbols(token: str) -> frozenset[str]:
    """Every symbol of a token: synonyms of organization words and given names."""
    return token_info(token).symbols | person_name_symbols(token)
