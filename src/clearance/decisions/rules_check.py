"""Cross-file checks of the rules: every authority, purpose and superseded license a rule
mentions must exist, and two versions of one license family must never be in force together.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from datetime import date

from clearance.decisions.rules_schema import (
    GOODS_FILE,
    PROGRAMS_FILE,
    PURPOSES_FILE,
    GeneralLicense,
    GoodsFile,
    LicenseTerms,
    ProgramsFile,
    PurposesFile,
)
from clearance.decisions.rules_yaml import RuleError, line_of


class RuleChecker:
    """Cross-file checks: every id a rule mentions must exist."""

    def __init__(
        self,
        programs: ProgramsFile,
        purposes: PurposesFile,
        licenses: Mapping[str, GeneralLicense],
        where: Callable[[str], str],
        texts: Mapping[str, str],
        *,
        goods: GoodsFile | None = None,
    ) -> None:
        self.goods = goods
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
        category = conditions.goods_category
        if category is not None:
            path = ["conditions", "goods_category"]
            for i, code in enumerate(category.applies_to_purposes or ()):
                self.purpose(rel, [*path, "applies_to_purposes", i], code)
            if self.goods is None or category.value not in self.goods.categories:
                known = ", ".join(self.goods.categories) if self.goods else f"no {GOODS_FILE}"
                raise self.fail(
                    rel, [*path, "value"], f"unknown goods category {category.value!r} ({known})"
                )
        if export is not None and export.value and self.goods is None:
            raise self.fail(
                rel,
                ["conditions", "export_authorization_required"],
                f"needs {GOODS_FILE} (what an export authorization can be)",
            )

    def license(self, lic: GeneralLicense, rel: str) -> None:
        self.terms(rel, lic)
        for i, a in enumerate(lic.authorities):
            self.authority(rel, ["authorities", i, "id"], a.id)
        for i, cap in enumerate(lic.caps):
            for j, code in enumerate(cap.applies_to_purposes or ()):
                self.purpose(rel, ["caps", i, "applies_to_purposes", j], code)
        self.caps_as_stated(lic, rel)
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

    def caps_as_stated(self, lic: GeneralLicense, rel: str) -> None:
        """A license with caps caps exactly the purposes purposes.yaml says are capped."""
        if not lic.caps:
            return
        for i, ref in enumerate(lic.purposes):
            capped = any(
                c.applies_to_purposes is None or ref.code in c.applies_to_purposes for c in lic.caps
            )
            stated = self.purposes.purposes[ref.code].capped.value
            if capped != stated:
                said = "capped" if stated else "not capped"
                raise self.fail(
                    rel,
                    ["purposes", i, "code"],
                    f"{PURPOSES_FILE} says {ref.code!r} is {said}, but "
                    f"{'a' if capped else 'no'} cap of {lic.id} applies to it",
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
