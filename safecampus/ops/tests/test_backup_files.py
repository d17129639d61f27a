"""Where archives go, what --keep deletes, and that a failed backup leaves nothing behind."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management.base import CommandError

from safecampus.ops.archive import media_files
from safecampus.ops.tests.conftest import run

pytestmark = pytest.mark.django_db(transaction=True)

OLD = [
    "safecampus-backup-20250101T013000+0800.tar",
    "safecampus-backup-20250102T013000+0800.tar",
    "safecampus-backup-20250103T013000+0800.tar",
]
NOT_OURS = ["safecampus-backup-before-upgrade.tar", "notes.txt"]


def test_keep_deletes_the_oldest_archives_and_nothing_else(world, media, tmp_path):
    backups = tmp_path / "backups"
    backups.mkdir()
    for name in OLD + NOT_OURS:
        (backups / name).write_bytes(b"x")

    out = run("backup", f"--output-dir={backups}", "--keep=2")

    remaining = sorted(p.name for p in backups.iterdir())
    [new] = [name for name in remaining if name not in OLD + NOT_OURS]
    assert remaining == sorted([new, OLD[2], *NOT_OURS])
    assert f"Removed old backup: {backups / OLD[0]}" in out
    assert f"Removed old backup: {backups / OLD[1]}" in out


def test_keep_must_keep_at_least_one(world, media, tmp_path):
    with pytest.raises(CommandError, match="--keep must be at least 1"):
        run("backup", f"--output-dir={tmp_path / 'backups'}", "--keep=0")
    assert not (tmp_path / "backups").exists()


def test_the_default_folder_is_backup_dir(world, media, settings, tmp_path):
    settings.BACKUP_DIR = tmp_path / "configured"

    run("backup")

    [archive] = (tmp_path / "configured").iterdir()
    assert archive.name.startswith("safecampus-backup-")


def test_a_failed_backup_leaves_no_archive(city_data, media, tmp_path, monkeypatch):
    def unreadable(root: Path):
        yield from list(media_files(root))[:1]
        raise PermissionError(13, "Permission denied", str(root / "hazards"))

    monkeypatch.setattr("safecampus.ops.backup.media_files", unreadable)

    with pytest.raises(CommandError, match="The backup failed and was removed"):
        run("backup", f"--output-dir={tmp_path / 'backups'}")

    assert list((tmp_path / "backups").iterdir()) == []


def test_backups_are_never_written_among_the_uploads(world, media, tmp_path):
    with pytest.raises(CommandError, match="cannot be written inside MEDIA_ROOT"):
        run("backup", f"--output-dir={media / 'backups'}")
    assert not (media / "backups").exists()
