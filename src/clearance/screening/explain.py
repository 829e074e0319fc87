"""The text that makes every hit explain itself.

Tests assert on these strings, and compliance officers read them: keep them short, stable and
literal (`vladimir~VLADIMIR 1.00`, query tokens in lower case, listed tokens in capitals).
"""

from __future__ import annotations

from clearance.model import Feature, Name
from clearance.names import NameForm
from clearance.screening.scorer import NameScore

__all__ = ["acronym_feature", "exact_only_feature", "legal_form_feature", "name_feature"]


def _kind(name: Name) -> str:
    return name.kind.value


def describe_alignment(result: NameScore, listed: NameForm) -> str:
    parts = [
        f"{p.query}~{p.listed} {p.similarity:.2f}"
        + ("" if p.how in ("=", "fuzzy") else f" ({p.how})")
        for p in result.pairs
    ]
    optional = {t.upper() for t, o in zip(listed.tokens, listed.optional, strict=True) if o}
    for token in result.query_unmatched:
        note = ", legal-form word" if token in result.legal_words else ""
        if not note and token in result.qualifiers:
            note = ", qualifier"
        parts.append(f"[{token} unmatched on query side{note}]")
    for token in result.listed_unmatched:
        if token.lower() in result.legal_words:
            note = ", legal-form word"
        else:
            note = ", optional" if token in optional else ""
        parts.append(f"[{token} unmatched on listed side{note}]")
    return ", ".join(parts) if parts else "no tokens aligned"


def name_feature(query_text: str, name: Name, listed: NameForm, result: NameScore) -> Feature:
    detail = (
        f"query '{query_text}' ~ listed '{name.name}' ({_kind(name)}): "
        f"{describe_alignment(result, listed)}; coverage query {result.query_coverage:.2f} "
        f"listed {result.listed_coverage:.2f}"
    )
    if result.no_exact_word:
        detail += "; no word in common, look-alikes only (scaled down)"
    return Feature("name", round(result.score, 4), detail)


def legal_form_feature(result: NameScore) -> Feature | None:
    query_forms, listed_forms = result.legal_forms
    if not query_forms or not listed_forms:
        return None
    q, lst = "/".join(query_forms), "/".join(listed_forms)
    if result.legal_penalty:
        return Feature(
            "legal_form", -result.legal_penalty, f"query {q} vs listed {lst} (different forms)"
        )
    return Feature("legal_form", 0.0, f"query {q} and listed {lst} (same form)")


_EXACT_ONLY_WHY = {
    "weak alias": "weak aliases match only exactly",
    "short name": "names of one short token match only exactly",
}


def exact_only_feature(
    query_text: str, name: Name, reason: str, score: float, equal: bool = True
) -> Feature:
    """A weak alias or a one-short-token name, which is never compared fuzzily."""
    verb = "equals" if equal else "differs from"
    return Feature(
        "weak_alias" if reason == "weak alias" else "short_name",
        score,
        f"query '{query_text}' {verb} {reason} '{name.name}' ({_kind(name)}); "
        f"{_EXACT_ONLY_WHY[reason]}",
    )


def acronym_feature(name: Name, acronym: str, confirmed: bool, expansion: bool = False) -> Feature:
    """clearance-v2: an acronym against the initials of a listed name, or the other way."""
    if expansion:
        detail = f"the query's initials '{acronym.upper()}' equal listed short name '{name.name}'"
    elif confirmed:
        detail = (
            f"confirmed by the initials of listed '{name.name}' ({_kind(name)}), "
            f"'{acronym.upper()}'"
        )
    else:
        detail = (
            f"query '{acronym.upper()}' is the initials of listed '{name.name}' ({_kind(name)})"
        )
    return Feature("acronym", 0.0, detail)
