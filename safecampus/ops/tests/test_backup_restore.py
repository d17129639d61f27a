"""Back up, wipe, restore: every row and every uploaded file comes back, the audit chain holds."""

from __future__ import annotations

import datetime
import hashlib
import json
import shutil
import tarfile

import pytest
from django.core.management import call_command
from django.db import connection

from safecampus.accounts.models import User
from safecampus.audit.verify import verify_chain
from safecampus.hazards.models import Hazard, HazardPhoto
from safecampus.hazards.tests.helpers import jpeg, report
from safecampus.ops.archive import DUMP_FILES
from safecampus.ops.backup import create_backup, safecampus_version
from safecampus.ops.tests.conftest import leftovers, media_hashes, row_counts, run

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_backs_up_wipes_and_restores_every_row_and_file(city_data, categories, media, tmp_path):
    rows_before = row_counts()
    files_before = media_hashes(media)
    assert len(files_before) == 6  # three photos, each with its thumbnail
    assert rows_before["audit_auditevent"] >= 3
    assert rows_before["django_session"] == 1
    events_before = verify_chain().checked

    out = run("backup", f"--output-dir={tmp_path / 'backups'}")
    [archive] = (tmp_path / "backups").iterdir()
    assert f"Backup written: {archive}" in out
    assert "uploaded files: 6" in out

    call_command("flush", interactive=False)
    shutil.rmtree(media)
    assert Hazard.objects.count() == 0
    assert row_counts()["audit_auditevent"] == 0

    out = run("restore", str(archive), "--yes")

    assert "Checksums verified: 7 files." in out
    assert "all match" in out
    assert "Restore complete: the data matches the archive." in out
    assert row_counts() == rows_before
    assert media_hashes(media) == files_before
    assert leftovers(media) == []
    audit = run("audit_verify")
    assert f"audit chain OK: {events_before} events verified" in audit
    photo = HazardPhoto.objects.filter(hazard=city_data.hazard).get()
    with photo.image.open("rb") as stream:
        assert stream.read(2) == b"\xff\xd8"  # the JPEG itself is back
    # The restored database keeps working: ids continue after the restored rows.
    teacher = User.objects.get(username="teacher")
    later = report(teacher, city_data.hazard.org, categories, photos=[("before", jpeg())])
    assert later.pk > city_data.hazard.pk
    assert verify_chain().ok


def test_the_archive_holds_the_dump_the_uploads_and_a_manifest(city_data, media, tmp_path):
    result = create_backup(tmp_path / "backups")

    with tarfile.open(result.path) as tar:
        names = tar.getnames()
        contents = {name: tar.extractfile(name).read() for name in names}  # type: ignore[union-attr]
    manifest = json.loads(contents["manifest.json"])
    dump = DUMP_FILES[connection.vendor]
    assert names[0] == dump
    assert names[-1] == "manifest.json"
    assert set(names[1:-1]) == {f"media/{name}" for name in media_hashes(media)}
    assert manifest["format"] == "safecampus-backup"
    assert manifest["format_version"] == 1
    created = datetime.datetime.fromisoformat(manifest["created_at"])
    assert created.utcoffset() == datetime.timedelta(hours=8)  # Asia/Shanghai
    assert result.path.name == f"safecampus-backup-{created:%Y%m%dT%H%M%S%z}.tar"
    assert manifest["safecampus_version"] == safecampus_version() != "unknown"
    assert manifest["database"] == {"vendor": connection.vendor, "file": dump}
    assert manifest["migrations"]["audit"] == "0002_append_only_triggers"
    assert {"auth", "sessions", "axes", "hazards", "orgs"} <= set(manifest["migrations"])
    assert manifest["tables"] == row_counts()
    assert {"axes_accessattempt", "django_session", "auth_permission"} <= set(manifest["tables"])
    assert set(manifest["files"]) == set(names) - {"manifest.json"}
    for name, entry in manifest["files"].items():
        data = contents[name]
        assert entry == {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    assert result.path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in result.path.parent.iterdir()] == [result.path.name]  # no work files


def test_check_verifies_an_archive_and_changes_nothing(city_data, media, tmp_path):
    archive = create_backup(tmp_path / "backups").path
    Hazard.objects.filter(pk=city_data.hazard.pk).update(title="changed after the backup")

    out = run("restore", str(archive), "--check")

    assert "Archive OK: 7 files match their checksums." in out
    assert Hazard.objects.get(pk=city_data.hazard.pk).title == "changed after the backup"


def test_a_backup_without_any_uploaded_file_restores_to_an_empty_folder(world, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "no-media-yet")
    archive = create_backup(tmp_path / "backups")
    assert archive.manifest.media == {}
    assert list(archive.manifest.files) == [DUMP_FILES[connection.vendor]]

    out = run("restore", str(archive.path), "--yes")

    assert "uploaded files: 0, all checksums match" in out
    assert list((tmp_path / "no-media-yet").iterdir()) == []
    assert row_counts() == archive.manifest.tables
