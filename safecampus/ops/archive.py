"""The backup archive (docs/backup.md): one uncompressed tar holding the database dump, every
uploaded file under ``media/`` and ``manifest.json``, which lists each of them with its size and
sha256, so that a restore proves the archive complete before it touches anything.

The manifest is the last member because it can only be written once every file is hashed.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import stat
import tarfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.utils.translation import gettext as _

FORMAT = "safecampus-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MEDIA_DIR = "media"
DUMP_FILES = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
VENDOR_NAMES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
STAMP = "%Y%m%dT%H%M%S%z"
ARCHIVE_NAME = re.compile(r"^safecampus-backup-(\d{8}T\d{6}[+-]\d{4})\.tar$")
# Work folders of a running (or interrupted) backup or restore start with this; they are never
# backed up, restored over or counted as uploads.
WORK_PREFIX = ".safecampus-"
MAX_MANIFEST_BYTES = 512 * 1024 * 1024
CHUNK = 1024 * 1024
MAX_PROBLEMS_SHOWN = 10


class BackupError(Exception):
    """A backup or restore refused or failed; the (translated) message says what to do."""


def archive_name(created_at: datetime.datetime) -> str:
    return f"safecampus-backup-{created_at.strftime(STAMP)}.tar"


def archive_time(name: str) -> datetime.datetime | None:
    """When an archive called ``name`` was made, or None if the name is not ours."""
    match = ARCHIVE_NAME.match(name)
    if match is None:
        return None
    try:
        return datetime.datetime.strptime(match.group(1), STAMP)
    except ValueError:
        return None


def vendor_name(vendor: str) -> str:
    return VENDOR_NAMES.get(vendor, vendor)


class HashingReader:
    """Hands a file to tarfile and hashes exactly the bytes that go into the archive."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.sha256 = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.sha256.update(data)
        return data


def digest(stream: IO[bytes], sink: IO[bytes] | None = None) -> tuple[str, int]:
    """(sha256, size) of a stream, copying it into ``sink`` on the way when given."""
    sha256 = hashlib.sha256()
    size = 0
    while chunk := stream.read(CHUNK):
        sha256.update(chunk)
        size += len(chunk)
        if sink is not None:
            sink.write(chunk)
    return sha256.hexdigest(), size


def file_digest(path: Path) -> tuple[str, int]:
    with path.open("rb") as stream:
        return digest(stream)


def media_files(root: Path) -> Iterator[tuple[Path, str]]:
    """Every regular file under MEDIA_ROOT as (path, archive name), in a stable order.

    Symbolic links and other special files are left out: a backup holds the files themselves.
    """
    if not root.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        top = here == root
        dirnames[:] = sorted(d for d in dirnames if not (top and d.startswith(WORK_PREFIX)))
        for filename in sorted(filenames):
            if top and filename.startswith(WORK_PREFIX):
                continue
            path = here / filename
            if stat.S_ISREG(path.lstat().st_mode):
                yield path, f"{MEDIA_DIR}/{path.relative_to(root).as_posix()}"


def is_media_name(name: str) -> bool:
    """A relative path under ``media/`` with no ``..``: safe to write below a folder."""
    path = PurePosixPath(name)
    return (
        str(path) == name
        and not path.is_absolute()
        and len(path.parts) >= 2
        and path.parts[0] == MEDIA_DIR
        and all(part not in {".", ".."} for part in path.parts)
        and "\x00" not in name
    )


@dataclass(frozen=True)
class FileEntry:
    sha256: str
    size: int


@dataclass
class Manifest:
    created_at: str
    safecampus_version: str
    vendor: str
    migrations: dict[str, str]
    tables: dict[str, int]
    files: dict[str, FileEntry]

    @property
    def database_file(self) -> str:
        return DUMP_FILES[self.vendor]

    @property
    def media(self) -> dict[str, FileEntry]:
        return {name: entry for name, entry in self.files.items() if name != self.database_file}

    @property
    def rows(self) -> int:
        return sum(self.tables.values())

    def to_json(self) -> bytes:
        data = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": self.created_at,
            "safecampus_version": self.safecampus_version,
            "database": {"vendor": self.vendor, "file": self.database_file},
            "migrations": self.migrations,
            "tables": self.tables,
            "files": {name: asdict(entry) for name, entry in self.files.items()},
        }
        return json.dumps(data, ensure_ascii=False, indent=1).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        foreign = BackupError(_("This is not a SafeCampus backup: its manifest.json is not ours."))
        try:
            data = json.loads(raw)
            if not isinstance(data, dict) or data.get("format") != FORMAT:
                raise foreign
            version = data["format_version"]
            if not isinstance(version, int) or version > FORMAT_VERSION:
                raise BackupError(
                    _(
                        "This backup was written by a newer SafeCampus (archive format "
                        "%(version)s); restore it with that version or a later one."
                    )
                    % {"version": version}
                )
            manifest = cls(
                created_at=_text(data["created_at"]),
                safecampus_version=_text(data["safecampus_version"]),
                vendor=_text(data["database"]["vendor"]),
                migrations={_text(k): _text(v) for k, v in _mapping(data["migrations"])},
                tables={_text(k): _count(v) for k, v in _mapping(data["tables"])},
                files={
                    _text(name): FileEntry(_text(entry["sha256"]), _count(entry["size"]))
                    for name, entry in _mapping(data["files"])
                },
            )
        except (ValueError, KeyError, TypeError):
            raise foreign from None
        if manifest.vendor not in DUMP_FILES or manifest.database_file not in manifest.files:
            raise foreign
        if not all(is_media_name(name) for name in manifest.media):
            raise foreign
        return manifest


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(value)
    return value


def _count(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise TypeError(value)
    return value


def _mapping(value: Any) -> list[tuple[Any, Any]]:
    if not isinstance(value, dict):
        raise TypeError(value)
    return list(value.items())


def damaged(path: Path, error: object = "") -> BackupError:
    return BackupError(
        _("%(path)s is damaged or incomplete (%(error)s); nothing was changed.")
        % {"path": path, "error": error or _("unreadable")}
    )


def open_archive(path: Path) -> tuple[tarfile.TarFile, Manifest]:
    """The archive opened for reading and its manifest; refuses anything that is not ours."""
    if not path.is_file():
        raise BackupError(_("There is no backup archive at %(path)s.") % {"path": path})
    try:
        tar = tarfile.open(path, mode="r:")  # noqa: SIM115 (the caller closes it)
    except (tarfile.TarError, EOFError) as exc:
        raise BackupError(
            _("%(path)s is not a SafeCampus backup (not a tar archive: %(error)s).")
            % {"path": path, "error": exc}
        ) from None
    try:
        member = tar.getmember(MANIFEST)
        if not member.isreg() or member.size > MAX_MANIFEST_BYTES:
            raise KeyError(MANIFEST)
        stream = tar.extractfile(member)
        assert stream is not None  # a regular member always has content
        manifest = Manifest.from_json(stream.read())
    except KeyError:
        tar.close()
        raise BackupError(
            _(
                "%(path)s is not a complete SafeCampus backup: it has no manifest.json "
                "(it may be truncated, or another kind of archive). Nothing was changed."
            )
            % {"path": path}
        ) from None
    except (tarfile.TarError, EOFError) as exc:
        tar.close()
        raise damaged(path, exc) from None
    except BaseException:
        tar.close()
        raise
    return tar, manifest


def check_contents(
    path: Path, tar: tarfile.TarFile, manifest: Manifest, dest: Path | None = None
) -> list[str]:
    """Hash every member against the manifest; with ``dest``, also write each file there.

    Returns the problems found (empty: every file is present, complete and unchanged). Names
    are checked against the manifest before anything is written, so nothing lands outside
    ``dest``.
    """
    problems: list[str] = []
    seen: set[str] = set()
    try:
        for member in tar.getmembers():
            name = member.name
            if name == MANIFEST:
                continue
            expected = manifest.files.get(name)
            if expected is None or name in seen or not member.isreg():
                problems.append(_("unexpected entry %(name)s") % {"name": name})
                continue
            seen.add(name)
            if member.size != expected.size:
                problems.append(
                    _("%(name)s has %(actual)d bytes, the manifest says %(expected)d")
                    % {"name": name, "actual": member.size, "expected": expected.size}
                )
                continue
            stream = tar.extractfile(member)
            assert stream is not None  # a regular member always has content
            if dest is None:
                sha256, _size = digest(stream)
            else:
                target = dest / name
                target.parent.mkdir(parents=True, exist_ok=True)
                with target.open("xb") as sink:
                    sha256, _size = digest(stream, sink)
            if sha256 != expected.sha256:
                problems.append(_("%(name)s: checksum does not match") % {"name": name})
    except (tarfile.TarError, EOFError) as exc:
        raise damaged(path, exc) from None
    problems += [
        _("%(name)s is missing") % {"name": name} for name in sorted(manifest.files.keys() - seen)
    ]
    return problems


def describe_problems(problems: list[str]) -> str:
    shown = "; ".join(problems[:MAX_PROBLEMS_SHOWN])
    hidden = len(problems) - MAX_PROBLEMS_SHOWN
    if hidden > 0:
        shown += "; " + _("and %(count)d more") % {"count": hidden}
    return shown
