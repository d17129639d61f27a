"""``manage.py backup``: one dated archive with the database, the uploads and a manifest
(docs/backup.md). The archive is written under a temporary name and renamed when complete, so a
failed backup never leaves a half archive that looks like a good one."""

from __future__ import annotations

import datetime
import io
import os
import sqlite3
import tarfile
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.ops.archive import (
    DUMP_FILES,
    MANIFEST,
    WORK_PREFIX,
    BackupError,
    FileEntry,
    HashingReader,
    Manifest,
    archive_name,
    archive_time,
    media_files,
)
from safecampus.ops.database import dump_database, require_supported

ARCHIVE_MODE = 0o600  # it holds password hashes and personal data


@dataclass
class BackupResult:
    path: Path
    manifest: Manifest
    size: int
    removed: list[Path] = field(default_factory=list)


def safecampus_version() -> str:
    try:
        with (Path(settings.BASE_DIR) / "pyproject.toml").open("rb") as stream:
            return str(tomllib.load(stream)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


def create_backup(
    output_dir: Path | None = None,
    keep: int | None = None,
    now: datetime.datetime | None = None,
) -> BackupResult:
    """Back up the configured database and MEDIA_ROOT into one archive in ``output_dir``
    (default BACKUP_DIR); with ``keep``, then delete all but the newest ``keep`` archives."""
    if keep is not None and keep < 1:
        raise BackupError(_("--keep must be at least 1."))
    require_supported(connection.vendor)
    directory = Path(output_dir or settings.BACKUP_DIR)
    if directory.resolve().is_relative_to(Path(settings.MEDIA_ROOT).resolve()):
        # Each backup would otherwise contain all the ones before it.
        raise BackupError(
            _("Backups cannot be written inside MEDIA_ROOT (%(path)s); choose another folder.")
            % {"path": settings.MEDIA_ROOT}
        )
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(
            _("Cannot create the backup folder %(path)s: %(error)s")
            % {"path": directory, "error": exc.strerror}
        ) from None
    created_at = timezone.localtime(now or timezone.now(), timezone.get_default_timezone())
    created_at = created_at.replace(microsecond=0)
    final = directory / archive_name(created_at)
    if final.exists():
        raise BackupError(
            _("%(path)s already exists; wait a second and run the backup again.") % {"path": final}
        )
    try:
        with tempfile.TemporaryDirectory(prefix=WORK_PREFIX + "backup-", dir=directory) as work:
            manifest = _write_archive(Path(work), final, created_at)
    except (OSError, sqlite3.Error, DatabaseError) as exc:
        raise BackupError(
            _("The backup failed and was removed: %(error)s") % {"error": exc}
        ) from None
    removed = prune_backups(directory, keep) if keep is not None else []
    return BackupResult(final, manifest, final.stat().st_size, removed)


def _write_archive(work: Path, final: Path, created_at: datetime.datetime) -> Manifest:
    dump = work / DUMP_FILES[connection.vendor]
    state = dump_database(dump)
    partial = work / (final.name + ".partial")
    files: dict[str, FileEntry] = {}
    with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT, encoding="utf-8") as tar:
        files[dump.name] = _add_file(tar, dump, dump.name)
        for path, name in media_files(Path(settings.MEDIA_ROOT)):
            files[name] = _add_file(tar, path, name)
        manifest = Manifest(
            created_at=created_at.isoformat(),
            safecampus_version=safecampus_version(),
            vendor=connection.vendor,
            migrations=state.migrations,
            tables=state.tables,
            files=files,
        )
        data = manifest.to_json()
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(data)
        info.mtime = int(created_at.timestamp())
        info.mode = ARCHIVE_MODE
        tar.addfile(info, io.BytesIO(data))
    with partial.open("rb") as stream:
        os.fsync(stream.fileno())
    partial.chmod(ARCHIVE_MODE)
    os.replace(partial, final)
    return manifest


def _add_file(tar: tarfile.TarFile, path: Path, name: str) -> FileEntry:
    with path.open("rb") as stream:
        status = os.fstat(stream.fileno())
        info = tarfile.TarInfo(name)
        # The size taken once: a file that grows meanwhile is archived (and hashed) as it was.
        info.size = status.st_size
        info.mtime = int(status.st_mtime)
        info.mode = ARCHIVE_MODE
        reader = HashingReader(stream)
        tar.addfile(info, reader)
    return FileEntry(reader.sha256.hexdigest(), info.size)


def prune_backups(directory: Path, keep: int) -> list[Path]:
    """Delete the archives of our naming pattern in ``directory`` beyond the newest ``keep``."""
    dated = []
    for path in directory.iterdir():
        when = archive_time(path.name)
        if when is not None and path.is_file():
            dated.append((when, path))
    dated.sort(reverse=True)
    stale = [path for _when, path in dated[keep:]]
    for path in stale:
        path.unlink()
    return stale
