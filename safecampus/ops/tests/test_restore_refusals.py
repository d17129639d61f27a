"""A restore refuses what it cannot restore exactly, and then nothing has changed."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management.base import CommandError
from django.db import connection

from safecampus.accounts.models import User
from safecampus.lib.testing.factories import make_user
from safecampus.ops.archive import BackupError
from safecampus.ops.backup import create_backup
from safecampus.ops.tests.conftest import (
    leftovers,
    media_hashes,
    rewrite_archive,
    row_counts,
    run,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def archive(city_data: Any, media: Path, tmp_path: Path) -> Path:
    path = create_backup(tmp_path / "backups").path
    # Changes after the backup, which a refused restore must leave in place.
    make_user("joined_after_the_backup")
    (media / "later.txt").write_bytes(b"uploaded after the backup")
    return path


def _flip_a_byte_of_the_dump(archive: Path) -> None:
    with tarfile.open(archive) as tar:
        member = tar.getmembers()[0]
    with archive.open("r+b") as stream:
        stream.seek(member.offset_data + member.size // 2)
        byte = stream.read(1)
        stream.seek(-1, io.SEEK_CUR)
        stream.write(bytes([byte[0] ^ 0xFF]))


def _truncate(archive: Path) -> None:
    with archive.open("r+b") as stream:
        stream.truncate(archive.stat().st_size // 2)


def _drop_a_photo(archive: Path) -> None:
    def change(manifest: dict[str, Any], members: dict[str, bytes]) -> None:
        del members[next(name for name in members if name.startswith("media/"))]

    rewrite_archive(archive, change)


def _smuggle_a_file(archive: Path) -> None:
    def change(manifest: dict[str, Any], members: dict[str, bytes]) -> None:
        members["media/extra.jpg"] = b"not listed in the manifest"

    rewrite_archive(archive, change)


def _escape_the_folder(archive: Path) -> None:
    def change(manifest: dict[str, Any], members: dict[str, bytes]) -> None:
        members["media/../../escaped.txt"] = b"x"
        manifest["files"]["media/../../escaped.txt"] = {
            "sha256": "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881",
            "size": 1,
        }

    rewrite_archive(archive, change)


def _foreign_tar(archive: Path) -> None:
    with tarfile.open(archive, "w") as tar:
        info = tarfile.TarInfo("notes.txt")
        info.size = 5
        tar.addfile(info, io.BytesIO(b"hello"))


def _not_a_tar(archive: Path) -> None:
    archive.write_bytes(b"PK\x03\x04 a zip file, not ours")


def _someone_elses_manifest(archive: Path) -> None:
    rewrite_archive(archive, lambda manifest, members: manifest.update(format="other-tool"))


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (_flip_a_byte_of_the_dump, "checksum does not match"),
        (_truncate, "damaged or incomplete|not a complete SafeCampus backup"),
        (_drop_a_photo, "is missing"),
        (_smuggle_a_file, "unexpected entry media/extra.jpg"),
        (_escape_the_folder, "manifest.json is not ours"),
        (_foreign_tar, "it has no manifest.json"),
        (_not_a_tar, "not a tar archive"),
        (_someone_elses_manifest, "manifest.json is not ours"),
    ],
)
def test_a_damaged_or_foreign_archive_is_refused_and_nothing_changes(
    archive, media, tmp_path, damage, message
):
    rows, files = row_counts(), media_hashes(media)
    damage(archive)

    with pytest.raises(CommandError, match=message):
        run("restore", str(archive), "--yes")
    with pytest.raises(CommandError, match=message):
        run("restore", str(archive), "--check")

    assert row_counts() == rows
    assert media_hashes(media) == files
    assert leftovers(media) == []
    assert not (tmp_path / "escaped.txt").exists()


def test_an_archive_of_the_other_database_is_refused(archive, media):
    rows, files = row_counts(), media_hashes(media)
    other = "sqlite" if connection.vendor == "postgresql" else "postgresql"
    other_file = "database.sqlite3" if other == "sqlite" else "database.pgdump"

    def change(manifest: dict[str, Any], members: dict[str, bytes]) -> None:
        dump = manifest["database"]["file"]
        manifest["database"] = {"vendor": other, "file": other_file}
        manifest["files"][other_file] = manifest["files"].pop(dump)
        members[other_file] = members.pop(dump)

    rewrite_archive(archive, change)

    with pytest.raises(CommandError, match=r"holds a (PostgreSQL|SQLite) database but SafeCampus"):
        run("restore", str(archive), "--yes")
    assert row_counts() == rows
    assert media_hashes(media) == files
    assert run("restore", str(archive), "--check").count("Archive OK") == 1


def test_an_archive_of_a_newer_release_is_refused(archive, media):
    rows = row_counts()
    rewrite_archive(
        archive, lambda manifest, members: manifest["migrations"].update(hazards="0999_future")
    )

    with pytest.raises(CommandError, match=r"newer SafeCampus .*hazards\.0999_future"):
        run("restore", str(archive), "--yes")
    assert row_counts() == rows


def test_it_asks_before_replacing_the_data(archive, media):
    rows, files = row_counts(), media_hashes(media)

    # No terminal to ask on (cron, a pipe): it refuses instead of guessing.
    with pytest.raises(CommandError, match="Run again with --yes to confirm"):
        run("restore", str(archive))

    assert row_counts() == rows
    assert media_hashes(media) == files
    assert leftovers(media) == []


def test_a_failed_database_restore_puts_the_old_files_back(archive, media, monkeypatch):
    rows, files = row_counts(), media_hashes(media)

    def fail(dump: Path) -> None:
        assert (media / "later.txt").exists() is False  # the archive's files are in place now
        raise BackupError("the database refused")

    monkeypatch.setattr("safecampus.ops.restore.restore_database", fail)

    with pytest.raises(CommandError, match="the database refused"):
        run("restore", str(archive), "--yes")

    assert row_counts() == rows
    assert media_hashes(media) == files
    assert leftovers(media) == []


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("answer", "restored"), [("no", False), ("yes", True)])
def test_at_a_terminal_it_restores_only_after_yes(archive, media, monkeypatch, answer, restored):
    monkeypatch.setattr("sys.stdin", _Terminal())
    monkeypatch.setattr("builtins.input", lambda prompt: answer)

    if restored:
        run("restore", str(archive))
    else:
        with pytest.raises(CommandError, match="Restore cancelled; nothing was changed"):
            run("restore", str(archive))

    assert (media / "later.txt").exists() is not restored
    assert User.objects.filter(username="joined_after_the_backup").exists() is not restored


def test_a_restore_gives_up_while_the_application_holds_a_table(archive, media, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no lock timeout for the backup API to hit")
    rows, files = row_counts(), media_hashes(media)
    monkeypatch.setattr("safecampus.ops.database.LOCK_TIMEOUT", "1s")
    application = connection.copy()
    application.set_autocommit(False)
    try:
        with application.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM hazards_hazard")  # an open transaction
        with pytest.raises(CommandError, match=r"psql failed: .*lock timeout"):
            run("restore", str(archive), "--yes")
    finally:
        application.rollback()
        application.close()

    assert row_counts() == rows
    assert media_hashes(media) == files


def test_an_archive_kept_among_the_uploads_is_refused(archive, media):
    inside = media / archive.name
    archive.rename(inside)
    rows, files = row_counts(), media_hashes(media)

    with pytest.raises(CommandError, match="Move the archive out of MEDIA_ROOT"):
        run("restore", str(inside), "--yes")

    assert row_counts() == rows
    assert media_hashes(media) == files
