"""Person names: honorifics, name order, initials and the parts people leave out.

Lists write `PUTIN, Vladimir Vladimirovich` (family name first, then a comma); passports and
Russian documents write `ПУТИН Владимир Владимирович` (family name in capitals); customers
type `Vladimir Putin`. Screening compares token sets, so order alone never matters; what this
module decides is which tokens a name can lose without becoming another person's name:
middle names and patronymics are *optional* (often dropped), while the family name and the
first given name are not.
"""

from __future__ import annotations

from rigour.names.prefix import remove_person_prefixes

from clearance.names.normalize import fold_tokens

__all__ = ["is_initial", "optional_tokens", "strip_honorifics"]


def strip_honorifics(text: str) -> str:
    """`text` without leading honorifics and titles (`Mr.`, `Dr`, `His Excellency`, ...)."""
    stripped: str = remove_person_prefixes(text)
    return stripped if stripped.strip() else text


def is_initial(token: str) -> bool:
    return len(token) == 1 and token.isalpha()


def _family_tokens(text: str, last: str | None) -> set[str]:
    if last:
        return set(fold_tokens(last))
    if "," in text:
        return set(fold_tokens(text.split(",", 1)[0]))
    words = text.split()
    # A family name written in capitals among mixed-case given names (`ПУТИН Владимир`).
    upper = [w for w in words if w.isupper() and sum(c.isalpha() for c in w) > 1]
    if upper and len(upper) < len(words):
        return {t for w in upper for t in fold_tokens(w)}
    return set()


def optional_tokens(
    text: str, tokens: tuple[str, ...], first: str | None = None, last: str | None = None
) -> tuple[bool, ...]:
    """Per token of a person name: may a matching name leave it out?

    The family name and the first given name are required, every other part (middle names,
    patronymics, initials) is optional. Without a comma, capitals or published parts to say
    which is the family name, the first and the last token are taken as the required ones.
    """
    if len(tokens) <= 2:
        return (False,) * len(tokens)
    family = _family_tokens(text, last)
    if first:
        given = fold_tokens(first)
        first_given = given[0] if given else None
    else:
        first_given = next((t for t in tokens if t not in family), None)
    if not family:
        family = {tokens[-1]}
    out: list[bool] = []
    seen_first = False
    for token in tokens:
        if token in family:
            out.append(False)
        elif token == first_given and not seen_first:
            seen_first = True
            out.append(False)
        else:
            out.append(True)
    return tuple(out)
