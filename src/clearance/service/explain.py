"""A hit's explanation for people: which query token met which listed token, and what each
attribute did to the score, as parts a page can lay out at a glance.

It reads the hit's wire form (`model.hit_to_dict`: screenings, alerts and decisions carry it)
and takes the name feature's text apart. That text is stable by design (screening/explain.py:
`federal~FEDERAL 1.00`, `[FOO unmatched on listed side]`, `coverage query 1.00 listed 1.00`;
tests pin it); should a scorer ever write it another way, `tokens` stays empty and the door
shows the text as it is, so nothing is lost.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

_NAME_DETAIL = re.compile(
    r"^query '(?P<query>.*)' ~ listed '(?P<listed>.*)' \((?P<kind>[\w ]+)\): (?P<pairs>.*); "
    r"coverage query (?P<qcov>\d+\.\d+) listed (?P<lcov>\d+\.\d+)(?P<rest>.*)$",
    re.DOTALL,
)
_PART = re.compile(
    r"\[(?P<token>\S+) unmatched on (?P<side>query|listed) side(?:, (?P<note>[^\]]*))?\]"
    r"|(?P<q>\S+)~(?P<l>\S+) (?P<sim>\d+\.\d+)(?: \((?P<how>[^)]*)\))?"
)


@dataclass(frozen=True, slots=True)
class TokenPair:
    query: str  # the query's token as screening read it (transliterated, lower case)
    listed: str  # the listed token (capitals)
    similarity: float
    how: str  # "" for equal or fuzzy; "merged", "initial", "phonetic", ...


@dataclass(frozen=True, slots=True)
class Unmatched:
    token: str
    side: str  # "query" or "listed"
    note: str  # "", "optional", "legal-form word"


@dataclass(frozen=True, slots=True)
class Attribute:
    """A feature other than the name: dob, country, type, identifier, legal form, ..."""

    name: str
    effect: float  # the adjustment it applied to the score (+ bonus, - penalty, 0 none)
    detail: str


@dataclass(frozen=True, slots=True)
class HitExplanation:
    query_name: str
    listed_name: str
    listed_kind: str  # primary, aka, fka, weak
    name_score: float | None
    tokens: tuple[TokenPair, ...]
    unmatched: tuple[Unmatched, ...]
    query_coverage: float | None
    listed_coverage: float | None
    name_notes: str  # e.g. "no word in common, look-alikes only (scaled down)"
    name_detail: str  # the name feature's text as recorded
    exact_only: str | None  # a weak alias or short name that matched only exactly: why
    attributes: tuple[Attribute, ...]


def _parts(text: str) -> tuple[list[TokenPair], list[Unmatched]]:
    pairs: list[TokenPair] = []
    unmatched: list[Unmatched] = []
    for found in _PART.finditer(text):
        if found.group("token"):
            unmatched.append(
                Unmatched(found.group("token"), found.group("side"), found.group("note") or "")
            )
        else:
            pairs.append(
                TokenPair(
                    found.group("q"),
                    found.group("l"),
                    float(found.group("sim")),
                    found.group("how") or "",
                )
            )
    return pairs, unmatched


def explain_hit(hit: Mapping[str, Any]) -> HitExplanation:
    """The explanation of one hit in its wire form (`model.hit_to_dict`)."""
    features: Sequence[Mapping[str, Any]] = hit.get("features") or ()
    matched = hit.get("matched_name") or {}
    pairs: list[TokenPair] = []
    unmatched: list[Unmatched] = []
    name_score = qcov = lcov = None
    notes = detail = ""
    exact_only = None
    attributes = []
    for feature in features:
        name, score, text = feature["name"], float(feature["score"]), str(feature["detail"])
        if name == "name":
            name_score, detail = score, text
            found = _NAME_DETAIL.match(text)
            if found:
                pairs, unmatched = _parts(found.group("pairs"))
                qcov, lcov = float(found.group("qcov")), float(found.group("lcov"))
                notes = found.group("rest").lstrip("; ").strip()
        elif name in ("weak_alias", "short_name"):
            name_score, detail, exact_only = score, text, text.rpartition("; ")[2]
        else:
            attributes.append(Attribute(name, score, text))
    return HitExplanation(
        query_name=str(hit.get("query_name", "")),
        listed_name=str(matched.get("name", hit.get("entry_name", ""))),
        listed_kind=str(matched.get("kind", "")),
        name_score=name_score,
        tokens=tuple(pairs),
        unmatched=tuple(unmatched),
        query_coverage=qcov,
        listed_coverage=lcov,
        name_notes=notes,
        name_detail=detail,
        exact_only=exact_only,
        attributes=tuple(attributes),
    )
