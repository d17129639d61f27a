"""``manage.py restore``: put a backup archive back (docs/backup.md).

Nothing is touched until the whole archive has been unpacked into a work folder and every file
matched its checksum. Then the uploads are swapped in, the database is replaced in one
transaction (if that fails, the old uploads are swapped back), and the result is counted and
hashed again against the manifest.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _

from safecampus.ops.archive import (
    MEDIA_DIR,
    WORK_PREFIX,
    BackupError,
    Manifest,
    check_contents,
    describe_problems,
    file_digest,
    media_files,
    open_archive,
    vendor_name,
)
from safecampus.ops.database import (
    current_state,
    pending_migrations,
    require_supported,
    restore_database,
    unknown_migrations,
)


@dataclass
class RestoreReport:
    manifest: Manifest
    row_mismatches: list[tuple[str, int, int | None]] = field(default_factory=list)
    migration_mismatches: list[tuple[str, str, str | None]] = field(default_factory=list)
    missing_files: list[str] = field(default_factory=list)
    changed_files: list[str] = field(default_factory=list)
    extra_files: list[str] = field(default_factory=list)
    pending_migrations: int = 0

    @property
    def ok(self) -> bool:
        return not (
            self.row_mismatches
            or self.migration_mismatches
            or self.missing_files
            or self.changed_files
            or self.extra_files
        )


def check_archive(path: Path) -> Manifest:
    """Prove an archive complete and unchanged without restoring it (``restore --check``)."""
    tar, manifest = open_archive(path)
    with tar:
        problems = check_contents(path, tar, manifest)
    if problems:
        raise _corrupted(path, problems)
    return manifest


def restore_backup(path: Path, confirm: Callable[[Manifest], bool]) -> RestoreReport:
    """Replace the database and MEDIA_ROOT by the archive's, once ``confirm`` agrees."""
    media_root = Path(settings.MEDIA_ROOT)
    if path.resolve().is_relative_to(media_root.resolve()):
        # The uploads are replaced: an archive among them would be deleted with them.
        raise BackupError(
            _("Move the archive out of MEDIA_ROOT (%(path)s) first; nothing was changed.")
            % {"path": media_root}
        )
    tar, manifest = open_archive(path)
    with tar:
        _refuse_foreign(manifest)
        media_root.mkdir(parents=True, exist_ok=True)
        # Inside MEDIA_ROOT, so that swapping the uploads in is a rename on the same disk.
        work = Path(tempfile.mkdtemp(prefix=WORK_PREFIX + "restore-", dir=media_root))
        try:
            problems = check_contents(path, tar, manifest, work)
            if problems:
                raise _corrupted(path, problems)
            if not confirm(manifest):
                raise BackupError(_("Restore cancelled; nothing was changed."))
            staged = work / MEDIA_DIR
            staged.mkdir(exist_ok=True)
            swap = MediaSwap(media_root, staged)
            swap.apply()
            try:
                restore_database(work / manifest.database_file)
            except BaseException:
                swap.rollback()
                raise
            swap.commit()
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return verify_restored(manifest)


def _corrupted(path: Path, problems: list[str]) -> BackupError:
    return BackupError(
        _("%(path)s does not match its manifest, so it was not restored (nothing was changed): ")
        % {"path": path}
        + describe_problems(problems)
    )


def _refuse_foreign(manifest: Manifest) -> None:
    require_supported(connection.vendor)
    if manifest.vendor != connection.vendor:
        raise BackupError(
            _(
                "This archive holds a %(archive)s database but SafeCampus is configured for "
                "%(current)s. Restore it where DATABASE_URL points to %(archive)s. "
                "Nothing was changed."
            )
            % {"archive": vendor_name(manifest.vendor), "current": vendor_name(connection.vendor)}
        )
    unknown = unknown_migrations(manifest.migrations)
    if unknown:
        raise BackupError(
            _(
                "This archive was made by a newer SafeCampus (SafeCampus %(version)s; unknown "
                "migrations: %(migrations)s). Install that release first. Nothing was changed."
            )
            % {"version": manifest.safecampus_version, "migrations": ", ".join(unknown)}
        )


class MediaSwap:
    """Exchange the entries of MEDIA_ROOT for the staged ones by renames, undoably.

    Entry by entry rather than the folder itself, because MEDIA_ROOT is often a mount point,
    which cannot be renamed.
    """

    def __init__(self, root: Path, staged: Path) -> None:
        self.root = root
        self.staged = staged
        self.old = root / f"{WORK_PREFIX}old-{secrets.token_hex(4)}"
        self.moved_out: list[str] = []
        self.moved_in: list[str] = []

    def apply(self) -> None:
        self.old.mkdir()
        try:
            for entry in sorted(self.root.iterdir()):
                if not entry.name.startswith(WORK_PREFIX):
                    entry.rename(self.old / entry.name)
                    self.moved_out.append(entry.name)
            for entry in sorted(self.staged.iterdir()):
                entry.rename(self.root / entry.name)
                self.moved_in.append(entry.name)
        except BaseException:
            self.rollback()
            raise

    def rollback(self) -> None:
        for name in reversed(self.moved_in):
            (self.root / name).rename(self.staged / name)
        for name in reversed(self.moved_out):
            (self.old / name).rename(self.root / name)
        self.moved_in, self.moved_out = [], []
        self.old.rmdir()

    def commit(self) -> None:
        shutil.rmtree(self.old, ignore_errors=True)  # a leftover is skipped by backups


def verify_restored(manifest: Manifest) -> RestoreReport:
    """Count every table and hash every upload again, and compare with the manifest."""
    report = RestoreReport(manifest)
    state = current_state()
    for table, expected in manifest.tables.items():
        actual = state.tables.get(table)
        if actual != expected:
            report.row_mismatches.append((table, expected, actual))
    for app, name in manifest.migrations.items():
        if state.migrations.get(app) != name:
            report.migration_mismatches.append((app, name, state.migrations.get(app)))
    expected_files = manifest.media
    found: set[str] = set()
    for path, name in media_files(Path(settings.MEDIA_ROOT)):
        found.add(name)
        entry = expected_files.get(name)
        if entry is None:
            report.extra_files.append(name)
        elif file_digest(path) != (entry.sha256, entry.size):
            report.changed_files.append(name)
    report.missing_files = sorted(expected_files.keys() - found)
    report.pending_migrations = pending_migrations()
    return report
