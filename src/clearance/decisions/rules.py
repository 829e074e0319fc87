"""Rules as dated data: programs, purposes and general licenses, loaded from YAML.

The rule folder (default: the repository's `rules/`, see `default_rules_dir`) holds

    programs.yaml               list effects, authorities, program tags -> authorities
    purposes.yaml               the purpose codes a transaction may carry
    general_licenses/*.yaml     one license version per file

Every file is validated on load (pydantic, then cross-references between files); an error
names the file, the field path and, where the text is at hand, the line. A user adds a
general license by dropping a new YAML file in `general_licenses/`: no code changes.

A license version is in force from its `valid_from` until the earlier of its own
`valid_until` and the day before the `valid_from` of the record that supersedes it, so
amendments are new records and `RuleSet.in_force(D)` answers "what was in force on D".

`RuleSet.version` is a SHA-256 over the canonical JSON of every file's content and
`RuleSet.snapshot()` / `RuleSet.from_snapshot()` carry that content, so an audit replay can
rebuild exactly the rules a past decision used.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from clearance.decisions.codes import is_currency_code, is_region_code
from clearance.model import canonical_json, content_hash

RULES_DIR_ENV = "CLEARANCE_RULES_DIR"
SNAPSHOT_FORMAT = "clearance-rules/1"
PROGRAMS_FILE = "programs.yaml"
PURPOSES_FILE = "purposes.yaml"
LICENSES_DIR = "general_licenses"


class RuleError(Exception):
    """A rule file is missing, malformed or refers to something that does not exist."""


# --- YAML ------------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """Safe YAML that keeps dates as text and refuses duplicate keys.

    Dates stay strings so that the loaded data is plain JSON (the snapshot and its hash);
    pydantic parses them. A duplicate key would silently drop a value, which in a rule file
    is a rule nobody sees.
    """


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    result: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
    return result


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


def read_rule_text(path: Path) -> str:
    """A rule file's text; unreadable or non-UTF-8 files are RuleErrors naming the file."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RuleError(f"{path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise RuleError(f"{path}: not UTF-8 text (byte {exc.start}: {exc.reason})") from exc


def parse_yaml(text: str, where: str) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise RuleError(f"{where}{line}: not valid YAML: {problem}") from exc


def line_of(text: str, path: Iterable[str | int]) -> int | None:
    """The 1-based line of the node at `path` (keys and indexes) in YAML `text`, or of the
    deepest node on the way that exists."""
    try:
        node: yaml.Node | None = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return None
    line = node.start_mark.line + 1 if node is not None else None
    for step in path:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == str(step)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            node = node.value[step] if 0 <= step < len(node.value) else None
        else:
            node = None
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


# --- the models of the rule files ------------------------------------------------------------


class RuleModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


_M = TypeVar("_M", bound=BaseModel)


def _bare(key: str, data: Any) -> Any:
    """Allow `X` as shorthand for `{key: X}` (an item without its own reference)."""
    return {key: data} if isinstance(data, str | int | bool | list) else data


class Note(RuleModel):
    text: str
    reference: str | None = None
    verified: bool = True


class Inclusion(RuleModel):
    authority: str
    since: date | None = None
    reference: str | None = None
    verified: bool = True


class SpecificLicensePolicy(RuleModel):
    possible: bool = True
    reference: str = "31 CFR 501.801 (specific licenses: application procedures)"


class Authority(RuleModel):
    id: str
    title: str
    instrument: Literal["executive-order", "regulation", "statute", "other"]
    citation: str
    reference: str | None = None
    verified: bool = True
    includes: tuple[Inclusion, ...] = ()
    notes: tuple[Note, ...] = ()
    specific_license: SpecificLicensePolicy = SpecificLicensePolicy()


class Program(RuleModel):
    tag: str
    authorities: tuple[str, ...] = Field(min_length=1)
    reference: str | None = None
    verified: bool = True
    notes: tuple[Note, ...] = ()


class Designation(RuleModel):
    list_name: str = Field(alias="list")
    id: str
    name: str | None = None
    program: str
    authorities: tuple[str, ...] = Field(min_length=1)
    reference: str | None = None
    verified: bool = True

    @field_validator("id", mode="before")
    @classmethod
    def _id_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value


class ListEffect(RuleModel):
    effect: Literal["blocking", "review"]
    title: str | None = None
    reference: str | None = None


def _keyed(data: Any, key: str) -> Any:
    """`{K: {...}}` -> the same with `key: K` inside each value (ids live in the map keys)."""
    if not isinstance(data, dict):
        return data
    return {k: ({key: k} | v if isinstance(v, dict) else v) for k, v in data.items()}


class ProgramsFile(RuleModel):
    lists: dict[str, ListEffect] = {}
    authorities: dict[str, Authority]
    programs: dict[str, Program]
    designations: tuple[Designation, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _ids_from_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = dict(data)
            data["authorities"] = _keyed(data.get("authorities"), "id")
            data["programs"] = _keyed(data.get("programs"), "tag")
        return data


class Purpose(RuleModel):
    label: str
    description: str
    reference: str | None = None


class PurposesFile(RuleModel):
    purposes: dict[str, Purpose] = Field(min_length=1)


class AuthorityRef(RuleModel):
    id: str
    reference: str | None = None
    verified: bool = True

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return _bare("id", data)


class PurposeRef(RuleModel):
    code: str
    reference: str | None = None
    verified: bool = True

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return _bare("code", data)


class RegionRef(RuleModel):
    code: str
    reference: str | None = None
    verified: bool = True

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return _bare("code", data)

    @field_validator("code")
    @classmethod
    def _iso(cls, value: str) -> str:
        if not is_region_code(value):
            raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 or ISO 3166-2 code")
        return value


class PartyRef(RuleModel):
    """A party named by a license: always a list entry, never a name string."""

    list_name: str = Field(alias="list")
    id: str
    name: str | None = None  # informative only
    reference: str | None = None
    verified: bool = True

    @field_validator("id", mode="before")
    @classmethod
    def _id_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value

    @property
    def ref(self) -> str:
        return f"{self.list_name}:{self.id}"


class ExportAuthorizationCondition(RuleModel):
    value: bool
    applies_to_purposes: tuple[str, ...] | None = None  # None: every purpose
    reference: str | None = None
    verified: bool = True

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return {"value": data} if isinstance(data, bool) else data


class _ListCondition(RuleModel):
    """A condition whose value is a list; a bare YAML list is shorthand for `{value: [...]}`."""

    reference: str | None = None
    verified: bool = True

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return {"value": data} if isinstance(data, list) else data


class ExcludedRegions(_ListCondition):
    value: tuple[RegionRef, ...] = Field(min_length=1)


class ExcludedPurposes(_ListCondition):
    value: tuple[str, ...] = Field(min_length=1)


class Conditions(RuleModel):
    export_authorization_required: ExportAuthorizationCondition | None = None
    excluded_regions: ExcludedRegions | None = None
    excluded_purposes: ExcludedPurposes | None = None


def check_money_amount(value: Decimal) -> Decimal:
    if value <= 0:
        raise ValueError("must be greater than 0")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise ValueError("at most two decimal places")
    return value


def check_currency(value: str) -> str:
    if not is_currency_code(value):
        raise ValueError(f"{value!r} is not an ISO 4217 currency code")
    return value


class CapRule(RuleModel):
    amount: Decimal
    currency: str
    period: Literal["calendar_year"]
    applies_to_purposes: tuple[str, ...] | None = None  # None: every purpose
    reference: str | None = None
    verified: bool = True

    _check_amount = field_validator("amount")(check_money_amount)
    _check_currency = field_validator("currency")(check_currency)


class LicenseTerms(RuleModel):
    """What general and specific licenses share: whom, under what, for what, on what terms."""

    parties: tuple[PartyRef, ...] | Literal["any"]
    # An entity blocked only by the 50% rule is covered only where the license says so.
    includes_owned_entities: bool = False
    purposes: tuple[PurposeRef, ...] = Field(min_length=1)
    conditions: Conditions = Conditions()
    reference: str
    url: str | None = None
    verified: bool = True
    notes: tuple[Note, ...] = ()


class GeneralLicense(LicenseTerms):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    family: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    kind: Literal["general"] = "general"
    title: str
    issuer: str = "OFAC"
    issued: date
    valid_from: date
    valid_until: date | None = None
    supersedes: str | None = None
    authorities: tuple[AuthorityRef, ...] = Field(min_length=1)
    caps: tuple[CapRule, ...] = ()

    @model_validator(mode="after")
    def _dates(self) -> GeneralLicense:
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise ValueError("valid_until is before valid_from")
        return self


# --- the rule set ----------------------------------------------------------------------------


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

    def check_purpose(self, code: str) -> None:
        if code not in self.purposes:
            raise RuleError(
                f"purpose {code!r} is not defined in {PURPOSES_FILE} "
                f"(known: {', '.join(self.purposes)})"
            )

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


def default_rules_dir() -> Path:
    """`$CLEARANCE_RULES_DIR` when set, else the repository's `rules/` folder.

    The folder is found relative to this module (src/clearance/decisions -> repo root), which
    holds for a source checkout and an editable install. A non-editable install has no repo
    around it: set CLEARANCE_RULES_DIR (or pass a path) there.
    """
    explicit = os.environ.get(RULES_DIR_ENV)
    if explicit:
        return Path(explicit)
    return Path(__file__).resolve().parents[3] / "rules"


def load_rules(path: Path | None = None) -> RuleSet:
    root = path if path is not None else default_rules_dir()
    if not root.is_dir():
        hint = "" if path is not None else f" (set {RULES_DIR_ENV} to the rules folder)"
        raise RuleError(f"rules folder {root} not found{hint}")
    texts: dict[str, str] = {}
    for name in (PROGRAMS_FILE, PURPOSES_FILE):
        file = root / name
        if not file.is_file():
            raise RuleError(f"{file}: missing (every rules folder needs it)")
        texts[name] = read_rule_text(file)
    licenses_dir = root / LICENSES_DIR
    if licenses_dir.is_dir():
        for file in sorted([*licenses_dir.glob("*.yaml"), *licenses_dir.glob("*.yml")]):
            texts[f"{LICENSES_DIR}/{file.name}"] = read_rule_text(file)
    files = {rel: parse_yaml(text, str(root / rel)) for rel, text in texts.items()}
    return build_rules(files, source=str(root), texts=texts)


def format_validation_error(where: str, exc: ValidationError, text: str | None) -> RuleError:
    problems = []
    for err in exc.errors():
        loc = [p for p in err["loc"] if not isinstance(p, str) or not p.startswith("function-")]
        path = ".".join(str(p) for p in loc) or "(top level)"
        line = line_of(text, loc) if text is not None else None
        at = f":{line}" if line is not None else ""
        message = err["msg"].removeprefix("Value error, ")
        problems.append(f"{where}{at}: {path}: {message}")
    return RuleError("; ".join(problems))


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

    checker = RuleChecker(programs, purposes, {lic.id: lic for lic in licenses}, where, texts)
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


class RuleChecker:
    """Cross-file checks: every id a rule mentions must exist."""

    def __init__(
        self,
        programs: ProgramsFile,
        purposes: PurposesFile,
        licenses: Mapping[str, GeneralLicense],
        where: Any,
        texts: Mapping[str, str],
    ) -> None:
        self.programs = programs
        self.purposes = purposes
        self.licenses = licenses
        self.where = where
        self.texts = texts

    def fail(self, rel: str, path: list[str | int], message: str) -> RuleError:
        text = self.texts.get(rel)
        line = line_of(text, path) if text is not None else None
        at = f":{line}" if line is not None else ""
        return RuleError(f"{self.where(rel)}{at}: {'.'.join(map(str, path))}: {message}")

    def authority(self, rel: str, path: list[str | int], authority_id: str) -> None:
        if authority_id not in self.programs.authorities:
            raise self.fail(
                rel, path, f"unknown authority {authority_id!r} (not in {PROGRAMS_FILE})"
            )

    def purpose(self, rel: str, path: list[str | int], code: str) -> None:
        if code not in self.purposes.purposes:
            raise self.fail(rel, path, f"unknown purpose {code!r} (not in {PURPOSES_FILE})")

    def programs_file(self) -> None:
        rel = PROGRAMS_FILE
        for auth_id, auth in self.programs.authorities.items():
            for i, inc in enumerate(auth.includes):
                self.authority(
                    rel, ["authorities", auth_id, "includes", i, "authority"], inc.authority
                )
        for tag, program in self.programs.programs.items():
            for i, a in enumerate(program.authorities):
                self.authority(rel, ["programs", tag, "authorities", i], a)
        for i, designation in enumerate(self.programs.designations):
            for j, a in enumerate(designation.authorities):
                self.authority(rel, ["designations", i, "authorities", j], a)

    def terms(self, rel: str, lic: LicenseTerms) -> None:
        for i, p in enumerate(lic.purposes):
            self.purpose(rel, ["purposes", i, "code"], p.code)
        conditions = lic.conditions
        export = conditions.export_authorization_required
        for i, code in enumerate(export.applies_to_purposes or () if export else ()):
            path: list[str | int] = ["conditions", "export_authorization_required"]
            self.purpose(rel, [*path, "applies_to_purposes", i], code)
        excluded = conditions.excluded_purposes
        for i, code in enumerate(excluded.value if excluded else ()):
            self.purpose(rel, ["conditions", "excluded_purposes", "value", i], code)

    def license(self, lic: GeneralLicense, rel: str) -> None:
        self.terms(rel, lic)
        for i, a in enumerate(lic.authorities):
            self.authority(rel, ["authorities", i, "id"], a.id)
        for i, cap in enumerate(lic.caps):
            for j, code in enumerate(cap.applies_to_purposes or ()):
                self.purpose(rel, ["caps", i, "applies_to_purposes", j], code)
        if lic.supersedes is not None:
            earlier = self.licenses.get(lic.supersedes)
            if earlier is None:
                raise self.fail(rel, ["supersedes"], f"no license {lic.supersedes!r} to supersede")
            if earlier.family != lic.family:
                raise self.fail(
                    rel,
                    ["supersedes"],
                    f"{lic.supersedes} is of family {earlier.family!r}, not {lic.family!r} "
                    "(a cap runs per family, so versions must share it)",
                )
            if lic.valid_from <= earlier.valid_from:
                raise self.fail(
                    rel, ["valid_from"], f"must be after the valid_from of {lic.supersedes}"
                )

    def no_overlap(
        self,
        licenses: list[GeneralLicense],
        ends: Mapping[str, date | None],
        license_files: Mapping[str, str],
    ) -> None:
        by_family: dict[str, list[GeneralLicense]] = {}
        for lic in licenses:
            by_family.setdefault(lic.family, []).append(lic)
        for versions in by_family.values():
            versions.sort(key=lambda v: v.valid_from)
            for earlier, later in itertools.pairwise(versions):
                end = ends[earlier.id]
                if end is None or end >= later.valid_from:
                    raise self.fail(
                        license_files[later.id],
                        ["valid_from"],
                        f"{later.id} and {earlier.id} (family {later.family}) would both be in "
                        f"force on {later.valid_from}: give one `supersedes` the other",
                    )
