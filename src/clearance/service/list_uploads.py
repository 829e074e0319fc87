"""A list sent over a door (`POST /lists/import`): where the upload goes, how an archive of a
folder (an OFAC CSV set is four files) is unpacked, and the import itself, which is the same
use case as `clearance lists import` (`lists.import_list_file`).

The upload lives in a folder of its own under `data_dir/uploads/lists/`, removed after the
import whatever its outcome. A zip or tar archive (plain or compressed) is unpacked there
first, refusing members that would land outside the folder and a total unpacked size over
the upload limit; a folder inside the archive that holds everything is what gets imported.
Parser messages name the file as uploaded (`sdn.csv:12: ...`), not the server's folder.
"""

from __future__ import annotations

import re
import shutil
import tarfile
import uuid
import zipfile
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any

from clearance.lists.errors import ListFormatError
from clearance.model import ListSource
from clearance.service.handle import Clearance
from clearance.service.lists import Imported, import_list_file

UPLOAD_NAME = "upload.part"
# What a raw (not archived) upload is called on disk when the client names no file: format
# detection reads the content, and a name only helps for OFAC CSV parts and FtM JSON.
DEFAULT_FILENAME = "upload"
# The formats whose lists come as a folder of files (`lists import FOLDER`).
FOLDER_FORMATS = frozenset({ListSource.OFAC_SDN, ListSource.OFAC_CONS, ListSource.FTM})
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


def new_list_upload(app: Clearance) -> Path:
    """A fresh, empty folder for one upload; the door streams the body into `UPLOAD_NAME`."""
    folder = app.settings.data_dir / "uploads" / "lists" / uuid.uuid4().hex
    folder.mkdir(parents=True)
    return folder


def discard_upload(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def safe_filename(name: str | None) -> str:
    """The base name a client gave, reduced to characters safe in any file system."""
    base = PurePosixPath((name or "").replace("\\", "/")).name
    cleaned = _SAFE_NAME.sub("_", base).lstrip(".")
    return cleaned[:200] or DEFAULT_FILENAME


def _refuse(name: str, reason: str) -> ListFormatError:
    return ListFormatError(name, reason)


def _check_member(name: str) -> None:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts:
        raise _refuse(name, "archive member outside the archive's folder")


def _unzip(archive: Path, into: Path, max_bytes: int) -> None:
    try:
        with zipfile.ZipFile(archive) as zipped:
            members = [m for m in zipped.infolist() if not m.is_dir()]
            if sum(m.file_size for m in members) > max_bytes:
                raise _refuse("upload", f"unpacks to more than {max_bytes} bytes")
            for member in members:
                _check_member(member.filename)
                target = into / member.filename
                target.parent.mkdir(parents=True, exist_ok=True)
                with zipped.open(member) as source, target.open("wb") as out:
                    shutil.copyfileobj(source, out)
    except (zipfile.BadZipFile, EOFError) as exc:
        raise _refuse("upload", f"not a readable zip archive ({exc})") from exc


def _untar(archive: Path, into: Path, max_bytes: int) -> None:
    try:
        with tarfile.open(archive) as tarred:
            members = [m for m in tarred.getmembers() if m.isfile() or m.isdir()]
            if sum(m.size for m in members if m.isfile()) > max_bytes:
                raise _refuse("upload", f"unpacks to more than {max_bytes} bytes")
            for member in members:
                _check_member(member.name)
            tarred.extractall(into, members=members, filter="data")
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise _refuse("upload", f"not a readable tar archive ({exc})") from exc


def _root_of(folder: Path) -> Path:
    """What an archive holds: the one file in it, else the folder of its files (itself, or
    the one folder it contains)."""
    children = [p for p in folder.iterdir() if not p.name.startswith((".", "__MACOSX"))]
    if len(children) == 1:
        return _root_of(children[0]) if children[0].is_dir() else children[0]
    if not children:
        raise _refuse("upload", "the archive holds no file")
    return folder


def _check_fits(path: Path, source: ListSource | None) -> None:
    """A folder only for the formats that come as several files."""
    if path.is_dir() and source is not None and source not in FOLDER_FORMATS:
        count = sum(1 for p in path.rglob("*") if p.is_file())
        raise _refuse(
            "upload", f"a {source.value} list is one file, but the archive holds {count} files"
        )


def unpack_upload(folder: Path, filename: str | None, max_bytes: int) -> Path:
    """What to import: what an archive holds (see `_root_of`), or the uploaded file renamed."""
    upload = folder / UPLOAD_NAME
    if zipfile.is_zipfile(upload):
        unpacked = folder / "unpacked"
        _unzip(upload, unpacked, max_bytes)
        return _root_of(unpacked)
    if tarfile.is_tarfile(upload):
        unpacked = folder / "unpacked"
        _untar(upload, unpacked, max_bytes)
        return _root_of(unpacked)
    named = folder / "file" / safe_filename(filename)
    named.parent.mkdir()
    return upload.rename(named)


def _as_uploaded(exc: ListFormatError, folder: Path) -> ListFormatError:
    """The parser's error, naming the file relative to the upload (never the server's path)."""
    path = exc.path
    for base in (folder / "unpacked", folder / "file", folder):
        prefix = f"{base}/"
        if path.startswith(prefix):
            path = path.removeprefix(prefix)
            break
    else:
        if path == str(folder / "unpacked"):
            path = "upload"
    return ListFormatError(path, exc.message, exc.line, exc.record)


def import_upload(
    app: Clearance,
    folder: Path,
    *,
    filename: str | None = None,
    source: ListSource | None = None,
    published: date | None = None,
    **options: Any,
) -> list[Imported]:
    """Import what was uploaded into `folder` (see `new_list_upload`), as `lists import` does.

    `options` go to `import_list_file` as they are (keyword arguments a later import option
    adds need no change here)."""
    try:
        path = unpack_upload(folder, filename, app.settings.api_max_upload_bytes)
        _check_fits(path, source)
        return import_list_file(app, path, source=source, published=published, **options)
    except ListFormatError as exc:
        raise _as_uploaded(exc, folder) from exc
