"""Where batch files live: local paths, or any fsspec URL (`s3://…` once s3fs is installed).

fsspec is the file layer Dask itself reads through, so a location a Dask user already writes
(`s3://`, `gs://`, `abfs://`, `file://`, `memory://`) works here unchanged.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import BinaryIO, cast
from urllib.parse import urlsplit

from clearance.screening.batch import staging_name

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


class Staged:
    """A batch's output while it is written: a temporary name beside `target` (a path or a
    URL, with the target's extension), moved onto `target` by `publish()` once the run and
    its record are complete. Until then `target` is untouched: a run that stops leaves no
    output and an earlier file at that path as it was."""

    def __init__(self, target: str | Path) -> None:
        self.target = target
        name = name_path(target)
        temporary = staging_name(name.name, name.suffix)
        self.location: str | Path
        if is_url(target):
            self.location = f"{str(target).rsplit('/', 1)[0]}/{temporary}"
        else:
            path = Path(target)
            path.parent.mkdir(parents=True, exist_ok=True)
            self.location = path.with_name(temporary)
        self.published = False

    def publish(self) -> None:
        """Move the written output onto the target (a rename on a local disk)."""
        if is_url(self.target):
            import fsspec.core

            fs, source = fsspec.core.url_to_fs(str(self.location))
            _, target = fsspec.core.url_to_fs(str(self.target))
            fs.mv(source, target)
        else:
            os.replace(self.location, self.target)
        self.published = True

    def discard(self) -> None:
        """Remove what was written, unless it was published."""
        if self.published:
            return
        if is_url(self.location):
            import fsspec.core

            fs, source = fsspec.core.url_to_fs(str(self.location))
            if fs.exists(source):
                fs.rm(source)
        else:
            Path(self.location).unlink(missing_ok=True)


@contextmanager
def staged(target: str | Path) -> Iterator[Staged]:
    """A `Staged` output for `target`, discarded at the end of the block unless published."""
    stage = Staged(target)
    try:
        yield stage
    finally:
        stage.discard()
