"""Downloading official list files: retries, checksums, an atomic swap into place.

Each source has official URLs. A configured base URL (`CLEARANCE_FETCH_BASE_URL`, or
`--base-url`) replaces them with `{base}/{source}/{file name}` — for mirrors, and for tests
against a local HTTP server, since the official hosts are unreachable from CI.

Download flow, so that a half-finished fetch can never be mistaken for a list:
1. every file of the source goes to a fresh temporary folder beside the destination;
2. sizes are checked against Content-Length, and SHA-256 against a `SHA256SUMS` file when the
   server publishes one (mirrors do; the official hosts do not, so there the parser's own
   validation at import is the integrity check);
3. the folder is renamed to one named by its content hash, and the `current` symlink is
   replaced atomically (`os.replace`), so readers see either the old set or the new one.
"""

from __future__ import annotations

import email.utils
import hashlib
import os
import shutil
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path

from clearance.model import ListSource

_OFAC = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/"

# File name on disk -> official URL. The first file is the one the parser is pointed at.
OFFICIAL_FILES: dict[ListSource, dict[str, str]] = {
    ListSource.OFAC_SDN: {
        "sdn.csv": _OFAC + "SDN.CSV",
        "add.csv": _OFAC + "ADD.CSV",
        "alt.csv": _OFAC + "ALT.CSV",
        "sdn_comments.csv": _OFAC + "SDN_COMMENTS.CSV",
    },
    ListSource.OFAC_CONS: {
        "cons_prim.csv": _OFAC + "CONS_PRIM.CSV",
        "cons_add.csv": _OFAC + "CONS_ADD.CSV",
        "cons_alt.csv": _OFAC + "CONS_ALT.CSV",
        "cons_comments.csv": _OFAC + "CONS_COMMENTS.CSV",
    },
    ListSource.UN: {
        "consolidated.xml": "https://scsanctions.un.org/resources/xml/en/consolidated.xml"
    },
    ListSource.UK_HMT: {
        "sanctionsconlist.csv": "https://ofsistorage.blob.core.windows.net/publishlive/2022format/ConList.csv"
    },
    ListSource.EU_FSF: {
        # The EU publishes the FSF files behind a per-user token; set a base URL (mirror) or
        # append your token to this URL in a settings file.
        "eu_fsf.csv": "https://webgate.ec.europa.eu/fsd/fsf/public/files/csvFullSanctionsList_1_1/content",
    },
    ListSource.FTM: {
        "entities.ftm.json": "https://data.opensanctions.org/datasets/latest/sanctions/entities.ftm.json"
    },
}

_USER_AGENT = "clearance/0.1 (+sanctions list fetcher)"


class FetchError(Exception):
    """A download failed; nothing was swapped into place."""


@dataclass(frozen=True, slots=True)
class FetchedFiles:
    source: ListSource
    folder: Path  # the content-addressed folder now pointed to by `current`
    main_file: Path
    sha256: str
    last_modified: date | None  # from the server, when it says (used as publication date)
    changed: bool  # False when the content equals what `current` already held


def source_urls(source: ListSource, base_url: str = "") -> dict[str, str]:
    files = OFFICIAL_FILES[source]
    if not base_url:
        return dict(files)
    base = base_url.rstrip("/")
    return {name: f"{base}/{source.value}/{name}" for name in files}


def _optional(source: ListSource, name: str) -> bool:
    # OFAC side files are optional (several published snapshots are sdn.csv only).
    return name != next(iter(OFFICIAL_FILES[source]))


@dataclass(frozen=True, slots=True)
class _Response:
    body_path: Path
    sha256: str
    last_modified: date | None


def _download(url: str, dest: Path, timeout: float) -> _Response:
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    digest = hashlib.sha256()
    size = 0
    with urllib.request.urlopen(request, timeout=timeout) as response, dest.open("wb") as out:
        expected = response.headers.get("Content-Length")
        modified = response.headers.get("Last-Modified")
        for block in iter(lambda: response.read(1 << 16), b""):
            out.write(block)
            digest.update(block)
            size += len(block)
    if expected is not None and int(expected) != size:
        raise FetchError(f"{url}: got {size} bytes, server announced {expected} (truncated)")
    last_modified = None
    if modified:
        try:
            last_modified = email.utils.parsedate_to_datetime(modified).date()
        except (TypeError, ValueError):
            last_modified = None
    return _Response(dest, digest.hexdigest(), last_modified)


def _with_retries(
    action: Callable[[], _Response], url: str, retries: int, sleep: Callable[[float], None]
) -> _Response:
    """Retry transient failures (network errors, 5xx, 429) with exponential backoff."""
    attempt = 0
    while True:
        try:
            return action()
        except urllib.error.HTTPError as exc:
            transient = exc.code >= 500 or exc.code == 429
            reason = f"HTTP {exc.code} {exc.reason}"
            if not transient or attempt >= retries:
                raise FetchError(f"{url}: {reason} after {attempt + 1} attempt(s)") from exc
        except (urllib.error.URLError, TimeoutError, ConnectionError, FetchError) as exc:
            reason = str(getattr(exc, "reason", exc))
            if attempt >= retries:
                raise FetchError(
                    f"{url}: could not download after {attempt + 1} attempt(s): {reason} "
                    "(offline? set CLEARANCE_FETCH_BASE_URL to a reachable mirror)"
                ) from exc
        sleep(min(0.5 * 2**attempt, 30.0))
        attempt += 1


def _published_sums(
    base_url: str,
    source: ListSource,
    staging: Path,
    retries: int,
    timeout: float,
    sleep: Callable[[float], None],
) -> dict[str, str]:
    """`SHA256SUMS` beside the files, when the server has one (`<hex>  <name>` lines)."""
    if not base_url:
        return {}
    url = f"{base_url.rstrip('/')}/{source.value}/SHA256SUMS"
    dest = staging / ".SHA256SUMS"
    try:
        _with_retries(lambda: _download(url, dest, timeout), url, retries, sleep)
    except FetchError as exc:
        if "HTTP 404" in str(exc):
            return {}
        raise
    sums: dict[str, str] = {}
    for line in dest.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 2:
            sums[parts[1].lstrip("*").rsplit("/", 1)[-1]] = parts[0].lower()
    dest.unlink()
    return sums


# Downloaded sets kept per source (the imported versions live in the store; these folders only
# let an operator look at the recent raw files).
_KEEP_DOWNLOADS = 5


def _prune(home: Path, keep: Path) -> None:
    folders = [p for p in home.iterdir() if p.is_dir() and not p.is_symlink()]
    folders = [p for p in folders if not p.name.startswith(".") and p != keep]
    folders.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in folders[_KEEP_DOWNLOADS - 1 :]:
        shutil.rmtree(stale, ignore_errors=True)


def fetch_source(
    source: ListSource,
    downloads_dir: Path,
    *,
    base_url: str = "",
    retries: int = 3,
    timeout: float = 60.0,
    sleep: Callable[[float], None] = time.sleep,
) -> FetchedFiles:
    """Download every file of a source and swap it into `downloads_dir/<source>/current`."""
    home = downloads_dir / source.value
    home.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".partial-", dir=home))
    try:
        sums = _published_sums(base_url, source, staging, retries, timeout, sleep)
        combined = hashlib.sha256()
        last_modified: date | None = None
        for name, url in source_urls(source, base_url).items():
            dest = staging / name
            try:
                got = _with_retries(partial(_download, url, dest, timeout), url, retries, sleep)
            except FetchError as exc:
                if _optional(source, name) and "HTTP 404" in str(exc):
                    dest.unlink(missing_ok=True)
                    continue
                raise
            if name in sums and sums[name] != got.sha256:
                raise FetchError(
                    f"{url}: SHA-256 {got.sha256} does not match SHA256SUMS {sums[name]}"
                )
            combined.update(name.encode() + b"\0" + got.sha256.encode())
            last_modified = last_modified or got.last_modified
        content_id = combined.hexdigest()
        final = home / content_id[:16]
        current = home / "current"
        changed = not (current.exists() and current.resolve() == final.resolve())
        if final.exists():
            shutil.rmtree(staging)
        else:
            os.replace(staging, final)
        link_tmp = home / f".current-{os.getpid()}"
        link_tmp.unlink(missing_ok=True)
        link_tmp.symlink_to(final.name)
        os.replace(link_tmp, current)  # atomic: readers see the old set or the new one
        _prune(home, keep=final)
        main_name = next(iter(OFFICIAL_FILES[source]))
        return FetchedFiles(source, final, final / main_name, content_id, last_modified, changed)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
