"""Where batch files live: local paths, or any fsspec URL (`s3://…` once s3fs is installed).

fsspec is the file layer Dask itself reads through, so a location a Dask user already writes
(`s3://`, `gs://`, `abfs://`, `file://`, `memory://`) works here unchanged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import BinaryIO, cast
from urllib.parse import urlsplit

BLOCK = 1 << 20


def is_url(location: str | Path) -> bool:
    """True for `scheme://…` (fsspec), false for a plain local path."""
    return isinstance(location, str) and "://" in location


def absolute(location: str | Path) -> str:
    """A location any process on this machine can open: URLs as they are, local paths made
    absolute (Dask workers need not share the caller's working directory)."""
    return (
        location
        if is_url(location) and isinstance(location, str)
        else str(Path(location).absolute())
    )


def name_path(location: str | Path) -> Path:
    """A path whose name and extension are the location's (to tell CSV from Parquet)."""
    if is_url(location):
        return Path(PurePosixPath(urlsplit(str(location)).path).name or "output")
    return Path(location)


@contextmanager
def open_binary(location: str | Path, mode: str = "rb") -> Iterator[BinaryIO]:
    import fsspec  # on first use: `clearance screen NAME` starts without it (issue 13)

    with fsspec.open(str(location), mode) as handle:
        yield cast(BinaryIO, handle)


def exists(location: str | Path) -> bool:
    if not is_url(location):
        return Path(location).is_file()
    import fsspec.core

    fs, path = fsspec.core.url_to_fs(str(location))
    return bool(fs.isfile(path))


def sha256_of(location: str | Path) -> str:
    """The SHA-256 of the bytes at `location`, read in blocks."""
    digest = hashlib.sha256()
    with open_binary(location) as handle:
        while block := handle.read(BLOCK):
            digest.update(block)
    return digest.hexdigest()
