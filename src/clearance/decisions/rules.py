"""Rules as dated data: programs, purposes and general licenses, loaded from YAML.

The rule folder (the `rules_dir` setting, by default the rules packaged with clearance in
`src/clearance/rules/`; see `default_rules_dir`) holds

    programs.yaml               list effects, authorities, program tags -> authorities
    purposes.yaml               the purpose codes a transaction may carry, capped or not
    goods.yaml                  goods categories, export authorization forms, Commerce rules
    places.yaml                 places in the regions licenses name (optional)
    general_licenses/*.yaml     one license version per file

Every file is validated on load (pydantic, then cross-references between files); an error
names the file, the field path and, where the text is at hand, the line. A user adds a
general license by dropping a new YAML file in `general_licenses/`: no code changes.

This module holds the rule set and its loading; the pieces it is built from live beside it:
`rules_yaml` (reading YAML, line numbers, `RuleError`), `rules_schema` (the pydantic models of
the files) and `rules_check` (the cross-file checks).

A license version is in force from its `valid_from` until the earlier of its own
`valid_until` and the day before the `valid_from` of the record that supersedes it, so
amendments are new records and `RuleSet.in_force(D)` answers "what was in force on D".

`RuleSet.version` is a SHA-256 over the canonical JSON of every file's content and
`RuleSet.snapshot()` / `RuleSet.from_snapshot()` carry that content, so an audit replay can
rebuild exactly the rules a past decision used.
"""

from __future__ import annotations

import importlib.resources
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from clearance.decisions.rules_check import RuleChecker
from clearance.decisions.rules_schema import (
    GOODS_FILE,
    LICENSES_DIR,
    PLACES_FILE,
    PROGRAMS_FILE,
    PURPOSES_FILE,
    Authority,
    GeneralLicense,
    GoodsFile,
    Inclusion,
    PlacesFile,
    ProgramsFile,
    Purpose,
    PurposesFile,
)
from clearance.decisions.rules_yaml import (
    RuleError as RuleError,
)
from clearance.decisions.rules_yaml import (
    format_validation_error,
    parse_yaml,
    read_rule_text,
)
from clearance.model import canonical_json, content_hash
from clearance.settings import Settings, load_settings

SNAPSHOT_FORMAT = "clearance-rules/1"

_M = TypeVar("_M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Basis:
    """One authority a listed entry is blocked under, and why we think so."""

    program: str
    authority: str  # an authority id, or `unmapped:<TAG>` when programs.yaml lacks the tag
    reference: str | None
    verified: bool
    refined: bool = False  # from a per-entry designation rather than the tag


@dataclass(frozen=True, slots=True)
class Coverage:
    """How a license's named authority reaches the authority a party is blocked under."""

    named: str  # the authority the license names
    via: Inclusion | None = None  # set when the named one includes the blocked one


@dataclass(frozen=True)
class RuleSet:
    programs_file: ProgramsFile
    purposes_file: PurposesFile
    licenses: tuple[GeneralLicense, ...]
    files: Mapping[str, Any]  # relative path -> the file's content: the snapshot
    source: str
    version: str
    license_files: Mapping[str, str] = field(default_factory=dict)
    _ends: Mapping[str, date | None] = field(default_factory=dict)
    goods_file: GoodsFile | None = None
    places_file: PlacesFile | None = None

    # -- lookups --

    @property
    def authorities(self) -> Mapping[str, Authority]:
        return self.programs_file.authorities

    @property
    def purposes(self) -> Mapping[str, Purpose]:
        return self.purposes_file.purposes

    def license(self, license_id: str) -> GeneralLicense:
        for lic in self.licenses:
            if lic.id == license_id:
                return lic
        raise RuleError(f"no general license {license_id!r} in {self.source}")

    def valid_until(self, lic: GeneralLicense) -> date | None:
        """The last day the version is in force: own end or the day before its successor."""
        return self._ends.get(lic.id, lic.valid_until)

    def superseded_by(self, lic: GeneralLicense) -> GeneralLicense | None:
        return next((s for s in self.licenses if s.supersedes == lic.id), None)

    def in_force(self, on: date) -> tuple[GeneralLicense, ...]:
        """Every general license version in force on `on`."""
        return tuple(
            lic
            for lic in self.licenses
            if lic.valid_from <= on and ((end := self.valid_until(lic)) is None or on <= end)
        )

    def list_effect(self, list_name: str) -> str:
        effect = self.programs_file.lists.get(list_name)
        return effect.effect if effect is not None else "review"

    def bases(self, list_name: str, entry_id: str, programs: Iterable[str]) -> tuple[Basis, ...]:
        """The authorities behind an entry's program tags (per-entry refinements first)."""
        out: list[Basis] = []
        for tag in programs:
            refined = [
                d
                for d in self.programs_file.designations
                if d.list_name == list_name and d.id == entry_id and d.program == tag
            ]
            if refined:
                out += [
                    Basis(tag, a, d.reference, d.verified, refined=True)
                    for d in refined
                    for a in d.authorities
                ]
                continue
            program = self.programs_file.programs.get(tag)
            if program is None:
                out.append(Basis(tag, f"unmapped:{tag}", None, False))
                continue
            out += [Basis(tag, a, program.reference, program.verified) for a in program.authorities]
        return tuple(out)

    def covers(self, named: Iterable[str], authority: str, on: date) -> Coverage | None:
        """Does a license naming `named` authorities cover `authority` on `on`?"""
        names = list(named)
        if authority in names:
            return Coverage(authority)
        for name in names:
            known = self.authorities.get(name)
            for inclusion in known.includes if known is not None else ():
                if inclusion.authority == authority and (
                    inclusion.since is None or inclusion.since <= on
                ):
                    return Coverage(name, inclusion)
        return None

    # -- snapshot --

    def snapshot(self) -> dict[str, Any]:
        return {"format": SNAPSHOT_FORMAT, "version": self.version, "files": dict(self.files)}

    @classmethod
    def from_snapshot(cls, data: Mapping[str, Any]) -> RuleSet:
        if data.get("format") != SNAPSHOT_FORMAT:
            raise RuleError(f"rules snapshot: unknown format {data.get('format')!r}")
        files = data.get("files")
        if not isinstance(files, dict):
            raise RuleError("rules snapshot: `files` is missing")
        rules = build_rules(files, source="snapshot")
        expected = data.get("version")
        if expected is not None and expected != rules.version:
            raise RuleError(
                f"rules snapshot: content hashes to {rules.version}, not the recorded {expected}"
            )
        return rules


# --- loading ---------------------------------------------------------------------------------


def packaged_rules() -> Traversable:
    """The rules shipped with clearance (`src/clearance/rules/`, package data)."""
    return importlib.resources.files("clearance") / "rules"


def default_rules_dir(settings: Settings | None = None) -> Traversable:
    """The folder `load_rules` reads when given none: the `rules_dir` setting, else the
    packaged rules. Without `settings`, they are loaded as the command line loads them
    (settings file, then `CLEARANCE_…` environment)."""
    configured = (settings if settings is not None else load_settings().settings).rules_dir
    return configured if configured is not None else packaged_rules()


def load_rules(
    path: Path | Traversable | None = None, *, settings: Settings | None = None
) -> RuleSet:
    """The rules in `path`, else in `default_rules_dir(settings)`."""
    root = path if path is not None else default_rules_dir(settings)
    if not root.is_dir():
        hint = "" if path is not None else " (the rules_dir setting, CLEARANCE_RULES_DIR)"
        raise RuleError(f"rules folder {root} not found{hint}")
    texts: dict[str, str] = {}
    for name in (PROGRAMS_FILE, PURPOSES_FILE):
        file = root / name
        if not file.is_file():
            raise RuleError(f"{file}: missing (every rules folder needs it)")
        texts[name] = read_rule_text(file)
    for name in (GOODS_FILE, PLACES_FILE):  # optional; a license that needs one says so
        if (root / name).is_file():
            texts[name] = read_rule_text(root / name)
    licenses_dir = root / LICENSES_DIR
    if licenses_dir.is_dir():
        found = [f for f in licenses_dir.iterdir() if f.name.endswith((".yaml", ".yml"))]
        for file in sorted(found, key=lambda f: f.name):
            texts[f"{LICENSES_DIR}/{file.name}"] = read_rule_text(file)
    files = {rel: parse_yaml(text, str(root / rel)) for rel, text in texts.items()}
    return build_rules(files, source=str(root), texts=texts)


def _validate(model: type[_M], data: Any, where: str, text: str | None) -> _M:
    if not isinstance(data, dict):
        raise RuleError(f"{where}: expected a mapping at the top level")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise format_validation_error(where, exc, text) from exc


def build_rules(
    files: Mapping[str, Any], *, source: str, texts: Mapping[str, str] | None = None
) -> RuleSet:
    """Validate every file's content and the references between them."""
    texts = texts or {}

    def where(rel: str) -> str:
        return rel if source == "snapshot" else str(Path(source) / rel)

    for required in (PROGRAMS_FILE, PURPOSES_FILE):
        if required not in files:
            raise RuleError(f"{where(required)}: missing")
    programs = _validate(
        ProgramsFile, files[PROGRAMS_FILE], where(PROGRAMS_FILE), texts.get(PROGRAMS_FILE)
    )
    purposes = _validate(
        PurposesFile, files[PURPOSES_FILE], where(PURPOSES_FILE), texts.get(PURPOSES_FILE)
    )
    goods = (
        _validate(GoodsFile, files[GOODS_FILE], where(GOODS_FILE), texts.get(GOODS_FILE))
        if GOODS_FILE in files
        else None
    )
    places = (
        _validate(PlacesFile, files[PLACES_FILE], where(PLACES_FILE), texts.get(PLACES_FILE))
        if PLACES_FILE in files
        else None
    )
    licenses: list[GeneralLicense] = []
    license_files: dict[str, str] = {}
    for rel in sorted(f for f in files if f.startswith(LICENSES_DIR + "/")):
        lic = _validate(GeneralLicense, files[rel], where(rel), texts.get(rel))
        if lic.id in license_files:
            raise RuleError(
                f"{where(rel)}: id: {lic.id!r} is already defined in {where(license_files[lic.id])}"
            )
        license_files[lic.id] = rel
        licenses.append(lic)

    checker = RuleChecker(
        programs, purposes, {lic.id: lic for lic in licenses}, where, texts, goods=goods
    )
    checker.programs_file()
    for lic in licenses:
        checker.license(lic, license_files[lic.id])
    ends = _derive_ends(licenses)
    checker.no_overlap(licenses, ends, license_files)

    version = content_hash(json_ready(files))
    return RuleSet(
        programs_file=programs,
        purposes_file=purposes,
        licenses=tuple(sorted(licenses, key=lambda lic: (lic.family, lic.valid_from, lic.id))),
        files={rel: files[rel] for rel in sorted(files)},
        source=source,
        version=version,
        license_files=license_files,
        _ends=ends,
        goods_file=goods,
        places_file=places,
    )


def json_ready(data: Any) -> Any:
    """Round-trip through canonical JSON: what the hash is taken over, and what a snapshot
    stored as JSON gives back."""
    return json.loads(canonical_json(data))


def _derive_ends(licenses: list[GeneralLicense]) -> dict[str, date | None]:
    ends: dict[str, date | None] = {}
    for lic in licenses:
        candidates = [lic.valid_until] if lic.valid_until is not None else []
        candidates += [s.valid_from - timedelta(days=1) for s in licenses if s.supersedes == lic.id]
        ends[lic.id] = min(candidates) if candidates else None
    return ends
