"""A decision as text a lawyer can read: the outcome first, then every step with its source."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

from clearance.decisions.trace import Decision

_WIDTH = 96


def _wrap(text: str, indent: str) -> list[str]:
    out: list[str] = []
    for paragraph in text.split("\n"):
        lead = len(paragraph) - len(paragraph.lstrip(" "))
        out += textwrap.wrap(
            paragraph.strip(),
            width=_WIDTH,
            initial_indent=indent + " " * lead,
            subsequent_indent=indent + " " * (lead + 2),
            break_on_hyphens=False,  # ids such as CYBER-GL-1A stay whole
            break_long_words=False,
        ) or [indent]
    return out


def _version(v: Mapping[str, Any]) -> str:
    return f"{v.get('list')} version {v.get('id')} published {v.get('published')}"


def render_text(decision: Decision) -> str:
    return "\n".join([*_header(decision), *_reasons(decision), *_outcome_details(decision)])


def _header(d: Decision) -> list[str]:
    """The outcome, and what it was decided with."""
    lines = [f"Transaction {d.transaction_id} of {d.date}: {d.decision.value}"]
    lines += [f"  {w.line()}" for w in d.warnings]
    if d.replayed:
        lines.append("  (already recorded: this is the earlier decision; nothing drawn again)")
    elif d.recorded:
        lines.append("  (recorded: its drawdowns are in the ledger)")
    screening = d.screening
    thresholds = ""
    if screening.get("match_threshold") is not None:
        thresholds = (
            f" (match {screening['match_threshold']:.2f}, review "
            f"{screening['review_threshold']:.2f})"
        )
    lines += [
        f"  cap holder: {d.cap_holder}",
        f"  rules version: {d.rules_version}",
        f"  screening: {d.screening_algorithm or 'none'}{thresholds}",
        "  lists: " + ("; ".join(_version(v) for v in d.list_versions) or "none"),
    ]
    if d.ownership_import is not None:
        lines.append(f"  ownership data: import {d.ownership_import}")
    return lines


def _reasons(d: Decision) -> list[str]:
    """Every step of the trace with its sources."""
    lines = ["", "Reasons, in the order they were established:"]
    for number, reason in enumerate(d.reasons, start=1):
        lines += _wrap(f"{number}. [{reason.step}] {reason.text}", "  ")
        detail = []
        if reason.list_version is not None:
            detail.append(f"list: {_version(reason.list_version)}")
        if reason.entry is not None:
            e = reason.entry
            detail.append(f"entry: {e.get('list')} {e.get('id')} {e.get('name')}")
        if reason.rule is not None and reason.step in ("license", "condition", "cap"):
            detail.append(f"license: {reason.rule}")
        if reason.citation:
            detail.append(f"source: {reason.citation}")
        if not reason.verified:
            detail.append(
                "UNVERIFIED: a fact this step relies on is not checked against a primary source"
            )
        for item in detail:
            lines += _wrap(item, "       ")
    return lines


def _outcome_details(d: Decision) -> list[str]:
    """What authorized it, what is not covered, what a person must supply, the caps."""
    lines: list[str] = []
    if d.authorizations:
        lines += ["", "Authorized by:"]
        for a in d.authorizations:
            lines += _wrap(
                f"- {a.authority} for '{a.party}': {a.license} ({a.kind} license, family "
                f"{a.family})",
                "  ",
            )
    if d.uncovered_authorities:
        lines += ["", "Not covered:"]
        for u in d.uncovered_authorities:
            seek = (
                f" A specific license could be sought ({u.citation})."
                if u.specific_license_possible
                else ""
            )
            lines += _wrap(
                f"- {u.authority} ({', '.join(u.programs)}) for '{u.party}': {u.why}.{seek}",
                "  ",
            )
    if d.missing:
        lines += ["", "A person must supply or judge:"]
        for item in d.missing:
            lines += _wrap(f"- {item}", "  ")
    if d.caps:
        lines += ["", "Caps:"]
        for c in d.caps:
            status = "drawn" if c.drawn else "exceeded" if c.exceeded else "read, not used"
            lines += _wrap(
                f"- {c.key.family}, holder {c.key.holder}, period {c.key.period} ({c.license}, "
                f"{status}): {c.currency} {c.used_before:,.2f} used before, this {c.currency} "
                f"{c.this:,.2f}, then {c.currency} {c.after:,.2f} of {c.currency} "
                f"{c.limit:,.2f}",
                "  ",
            )
    return lines
