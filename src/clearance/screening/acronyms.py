"""Acronyms and their expansions (clearance-v2): `FSB` is the initials of the FSB's listed
a.k.a. `FEDERALNAYA SLUZHBA BEZOPASNOSTI`; `IRGC` those of `Islamic Revolutionary Guard
Corps`.

The index keeps the initials of every organization name of three to six content words
(stop-words such as `of` and `the` left out, and the name's legal form); a one-word query of
two to six letters is looked up there. An acronym alone is weak evidence (many organizations
share three letters), so it scores at the review level; a weak alias (`a.k.a. 'FSB'`) that
the initials of another name of the same entry confirm scores as a match.
"""

from __future__ import annotations

from clearance.model import EntryType
from clearance.names import NameForm, token_info

__all__ = ["MAX_LETTERS", "MIN_LETTERS", "acronym_of", "query_acronym"]

MIN_LETTERS = 3
MAX_LETTERS = 6


def acronym_of(form: NameForm) -> str | None:
    """The initials of an organization's content words, or None."""
    if form.type not in (EntryType.ORGANIZATION, EntryType.UNKNOWN):
        return None
    words = [t for t in form.tokens if t.isalpha() and not token_info(t).stopword]
    if not MIN_LETTERS <= len(words) <= MAX_LETTERS:
        return None
    return "".join(t[0] for t in words)


def query_acronym(tokens: tuple[str, ...]) -> str | None:
    """The query's one word when it can be an acronym, or None."""
    if len(tokens) != 1:
        return None
    token = tokens[0]
    if token.isalpha() and MIN_LETTERS <= len(token) <= MAX_LETTERS:
        return token
    return None
