"""An entry as people read it: as the list in force on a date had it, with its history across
every stored version as a timeline saying what changed at each step.

Values are given as short lines of text (`FSB (weak)`, `Moscow 107031, Russia`): each change of
a field that holds several values names the values added and removed, so that "RUSSIA-EO14024
added on 2022-06-28" reads as such rather than as two long lists to compare by eye.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from clearance.model import ListVersion, entry_to_dict
from clearance.service.handle import Clearance
from clearance.service.lists import EntryView, entry_on, history, version_on
from clearance.store.diff import FieldChange

# The fields of `model.entry_to_dict`, in the order a page shows them, with their labels.
FIELDS: tuple[tuple[str, str], ...] = (
    ("names", "Names"),
    ("programs", "Programs"),
    ("type", "Type"),
    ("countries", "Countries"),
    ("birth_dates", "Dates of birth"),
    ("birth_places", "Places of birth"),
    ("addresses", "Addresses"),
    ("identifiers", "Identifiers"),
    ("relations", "Relations"),
    ("listed_on", "Listed on"),
    ("remarks", "Remarks"),
    ("properties", "Other facts"),
)
_LABELS = dict(FIELDS)
_ORDER = {key: rank for rank, (key, _) in enumerate(FIELDS)}


def _join(*parts: Any) -> str:
    return ", ".join(str(p) for p in parts if p not in (None, "", []))


def value_text(field: str, value: Any) -> str:
    """One value of a field as a short line."""
    if not isinstance(value, Mapping):
        return str(value)
    if field == "names":
        script = f", {value['script']}" if value.get("script") not in (None, "Latn") else ""
        return f"{value.get('name', '')} ({value.get('kind', 'primary')}{script})"
    if field == "addresses":
        return _join(
            value.get("street"),
            value.get("city"),
            value.get("region"),
            value.get("postal_code"),
            value.get("country") or value.get("country_code"),
            value.get("remarks"),
        )
    if field == "identifiers":
        return _join(value.get("kind"), value.get("value"), value.get("country"))
    if field == "relations":
        target = value.get("target_name", "")
        if value.get("target_id"):
            target += f" ({value['target_id']})"
        share = f"{value['percentage']}%" if value.get("percentage") is not None else None
        return _join(value.get("kind"), target, share)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def values_text(field: str, value: Any) -> list[str]:
    """Every value of a field as lines: one per item of a list or key of a mapping."""
    if value is None or value == "" or value == [] or value == {}:
        return []
    if isinstance(value, list):
        return [value_text(field, v) for v in value]
    if isinstance(value, Mapping):
        return [
            f"{k}: {', '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in value.items()
        ]
    return [str(value)]


@dataclass(frozen=True, slots=True)
class Change:
    field: str
    label: str
    added: tuple[str, ...]  # values present after, not before
    removed: tuple[str, ...]  # values present before, not after
    before: str | None  # a single value's old and new text (`remarks`, `type`, `listed_on`)
    after: str | None


def describe_change(change: FieldChange) -> Change:
    label = _LABELS.get(change.field, change.field)
    many = isinstance(change.before, list | Mapping) or isinstance(change.after, list | Mapping)
    if not many:
        return Change(
            change.field,
            label,
            (),
            (),
            None if change.before is None else str(change.before),
            None if change.after is None else str(change.after),
        )
    old, new = values_text(change.field, change.before), values_text(change.field, change.after)
    return Change(
        change.field,
        label,
        tuple(v for v in new if v not in old),
        tuple(v for v in old if v not in new),
        None,
        None,
    )


@dataclass(frozen=True, slots=True)
class TimelineStep:
    version: ListVersion
    status: str  # added, changed, unchanged, removed, absent
    changes: tuple[Change, ...]
    in_force: bool  # the version in force on the page's date


@dataclass(frozen=True, slots=True)
class EntryPage:
    view: EntryView | None  # None: not listed in the version in force on the date
    as_of: date
    in_force: ListVersion | None
    fields: tuple[tuple[str, tuple[str, ...]], ...]  # (label, values) of the entry, in order
    timeline: tuple[TimelineStep, ...]

    @property
    def name(self) -> str:
        return self.view.entry.primary_name if self.view else ""


def _fields(view: EntryView) -> tuple[tuple[str, tuple[str, ...]], ...]:
    data = entry_to_dict(view.entry)
    return tuple((label, tuple(values_text(key, data.get(key)))) for key, label in FIELDS)


def entry_page(
    app: Clearance, list_name: str, source_id: str, as_of: date | None = None
) -> EntryPage:
    """The entry as in force on `as_of` (default today) and its timeline over every version.

    StoreError when the list has no stored version or the entry was never in any of them.
    """
    from clearance.service.errors import StoreError

    when = as_of or date.today()
    steps = history(app, list_name, source_id)
    if all(s.status == "absent" for s in steps):
        raise StoreError(f"{list_name} {source_id} is in no stored version of {list_name}")
    view: EntryView | None = None
    current: ListVersion | None = None
    try:
        current = version_on(app, list_name, when)
        view = entry_on(app, list_name, source_id, when)
    except StoreError:  # no version in force yet, or the entry is not in it
        pass
    timeline = tuple(
        TimelineStep(
            s.version,
            s.status,
            tuple(
                describe_change(c)
                for c in sorted(s.changes, key=lambda c: _ORDER.get(c.field, len(_ORDER)))
            ),
            current is not None and s.version.id == current.id,
        )
        for s in steps
    )
    return EntryPage(view, when, current, _fields(view) if view else (), timeline)
