"""One settings object, prefix `CLEARANCE_`, with the source of every value.

Precedence, lowest first: built-in default < settings file < environment < command-line flag.
The source of each value (`default`, `file`, `env`, `flag`) is kept beside it because the audit
trail records how every decision was configured.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

ENV_PREFIX = "CLEARANCE_"
# `request`: a per-call override from an API request (e.g. `threshold` on `/match`).
SettingSource = Literal["default", "file", "env", "flag", "request"]

# The repo-relative place of the shared list data (tests, benchmarks, `make run`).
_REPO_ROOT = Path(__file__).resolve().parents[2]


def _default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("clearance", appauthor=False))


def _default_lists_dir() -> Path:
    return _REPO_ROOT.parent / "shared" / "data" / "lists"


class Settings(BaseModel):
    """Every knob clearance has. Field names map to `CLEARANCE_<NAME>` variables."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    data_dir: Path = Field(default_factory=_default_data_dir)
    # SQLAlchemy URL. Empty means the embedded SQLite file in `data_dir`.
    db: str = ""
    # Where official list files are read from when present locally (shared data in this repo).
    lists_dir: Path = Field(default_factory=_default_lists_dir)
    # Base URL that `lists fetch` downloads from; empty means each list's official URL.
    fetch_base_url: str = ""
    fetch_retries: int = Field(default=3, ge=0, le=20)
    fetch_timeout: float = Field(default=60.0, gt=0)
    # Screening thresholds (see docs/screening.md for how they were chosen).
    match_threshold: float = Field(default=0.80, ge=0, le=1)
    review_threshold: float = Field(default=0.75, ge=0, le=1)
    screening_algorithm: str = "clearance-v1.1"
    # Records: OFAC requires 10 years (31 CFR 501.601); may only be raised.
    retention_years: int = Field(default=10, ge=10)
    # A list version in force more than this many days before the date judged is stale: every
    # screening and decision resting on it says so (`list-stale`, store/contents.py).
    list_stale_days: int = Field(default=30, ge=1)
    # Decisions: the rules folder (None: the rules packaged with clearance, src/clearance/rules/),
    # and whose cap a drawdown uses when neither the call nor the transaction names a holder
    # (a legal entity or a group).
    rules_dir: Path | None = None
    cap_holder: str = Field(default="default", min_length=1)
    four_eyes: bool = False
    actor: str = Field(default_factory=lambda: os.environ.get("USER", "unknown"))
    # HTTP API: the largest request body accepted (counted while it streams in) -> 413.
    api_max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    # HTTP API batch jobs (`POST /jobs`): the largest upload, and jobs run at once per process.
    api_max_upload_bytes: int = Field(default=1024 * 1024 * 1024, ge=1)
    api_job_workers: int = Field(default=1, ge=1, le=64)
    # Days a finished job's files (the upload and its hits, personal data) are kept before
    # they are deleted; the job's row and its audit record stay (the record has the counts).
    job_retention_days: int = Field(default=30, ge=1)
    # Scale-out file screening on Dask (docs/scale.md): an existing cluster's scheduler
    # (`tcp://host:port`), or a LocalCluster of this many worker processes (0: none); the
    # LocalCluster's dashboard address (empty: no dashboard); rows per partition, a multiple
    # of the 5,000-row chunks the single-process run reads, so both write the same output.
    dask_scheduler: str = ""
    dask_workers: int = Field(default=0, ge=0)
    dask_dashboard: str = ""
    dask_partition_rows: int = Field(default=50_000, ge=5_000, multiple_of=5_000)
    # Web UI: how long a sign-in lasts, and whether its cookies are sent over HTTPS only (set
    # it whenever the UI is served over HTTPS, as it should be beyond localhost).
    web_session_hours: float = Field(default=8.0, gt=0, le=24 * 30)
    web_secure_cookies: bool = False
    # List imports: a new version with more than this share fewer entries than the version in
    # force before it is refused as a likely truncated file (`lists import --allow-drop`
    # overrides, and the audit record says so).
    import_max_drop: float = Field(default=0.10, ge=0, le=1)
    # Audit chain MAC key (docs/audit.md): the secret itself, or a file holding it. Recorded
    # settings show it masked; records carry only its id, never the key.
    audit_key: SecretStr | None = None
    audit_key_file: Path | None = None
    # `screen --input` in one machine: processes screening the file's chunks (1: this process
    # alone). One by default: on the shared 2-core machine two processes measured 0.88-1.11x
    # the speed of one at ~1.6x the memory (docs/screening.md). API batch jobs always use one.
    screen_processes: int = Field(default=1, ge=1, le=256)

    @property
    def database_url(self) -> str:
        if self.db:
            return self.db
        return f"sqlite:///{self.data_dir / 'clearance.sqlite'}"


class SettingsError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class LoadedSettings:
    settings: Settings
    sources: Mapping[str, SettingSource]

    def overridden(self, source: SettingSource, **changes: Any) -> LoadedSettings:
        """These settings with some values changed for one call, marked as from `source`.

        Unchanged values keep their source, so an audit record says exactly what a request
        altered. Raises SettingsError when the result is not valid.
        """
        changed = {k: v for k, v in changes.items() if getattr(self.settings, k) != v}
        if not changed:
            return self
        try:
            settings = Settings(**(self.settings.model_dump() | changed))
        except ValidationError as exc:
            raise SettingsError(f"invalid settings: {exc.errors()[0]['msg']}") from exc
        if settings.review_threshold > settings.match_threshold:
            raise SettingsError("review_threshold must not exceed match_threshold")
        return LoadedSettings(settings, {**self.sources, **dict.fromkeys(changed, source)})

    def described(self) -> dict[str, dict[str, Any]]:
        """`{name: {"value": ..., "source": ...}}` as stored in audit records."""
        data = self.settings.model_dump(mode="json")
        return {name: {"value": data[name], "source": self.sources[name]} for name in data}


def _settings_file(env: Mapping[str, str]) -> Path | None:
    explicit = env.get(ENV_PREFIX + "CONFIG")
    if explicit:
        return Path(explicit)
    candidate = Path.cwd() / "clearance.toml"
    return candidate if candidate.is_file() else None


def load_settings(
    flags: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None
) -> LoadedSettings:
    """Merge defaults, the settings file, the environment and flags (None flags are unset)."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    sources: dict[str, SettingSource] = {}
    names = list(Settings.model_fields)

    path = _settings_file(env)
    if path is not None:
        try:
            file_values = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(f"settings file {path}: {exc}") from exc
        section = file_values.get("clearance", file_values)
        for key, value in section.items():
            if key not in names:
                raise SettingsError(f"settings file {path}: unknown setting {key!r}")
            values[key], sources[key] = value, "file"

    for name in names:
        raw = env.get(ENV_PREFIX + name.upper())
        if raw is not None and raw != "":
            values[name], sources[name] = raw, "env"

    for name, value in (flags or {}).items():
        if value is not None:
            if name not in names:
                raise SettingsError(f"unknown setting {name!r}")
            values[name], sources[name] = value, "flag"

    try:
        settings = Settings(**values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{ENV_PREFIX}{'.'.join(str(p) for p in err['loc']).upper()} "
            f"({sources.get(str(err['loc'][0]), 'default')}): {err['msg']}"
            for err in exc.errors()
        )
        raise SettingsError(f"invalid settings: {problems}") from exc
    if settings.review_threshold > settings.match_threshold:
        raise SettingsError("review_threshold must not exceed match_threshold")
    return LoadedSettings(settings, {name: sources.get(name, "default") for name in names})
