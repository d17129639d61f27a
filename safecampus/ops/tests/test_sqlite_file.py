"""The laptop set-up end to end: a WAL-mode SQLite file and var/media, driven by manage.py.

The other tests restore into the suite's database (in memory on SQLite); this one proves the
file path itself, with the commands as an operator runs them, whatever database the suite uses.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def _manage(var: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "MEDIA_ROOT"}}
    env.update(SAFECAMPUS_VAR_DIR=str(var), SAFECAMPUS_MODE="laptop")
    env.pop("BACKUP_DIR", None)
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def _cities(database: Path) -> list[str]:
    with sqlite3.connect(database) as db:
        return [row[0] for row in db.execute("SELECT code FROM orgs_organization ORDER BY code")]


def _files(media: Path) -> dict[str, str]:
    return {
        p.relative_to(media).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in media.rglob("*")
        if p.is_file()
    }


def test_backup_and_restore_of_the_sqlite_file_with_the_commands(tmp_path):
    var = tmp_path / "var"
    database, media = var / "safecampus.sqlite3", var / "media"
    _manage(var, "migrate", "--noinput", "-v0")
    _manage(var, "create_city", "--name", "江城市", "--code", "439900", "--admin", "admin")
    (media / "hazards" / "1").mkdir(parents=True)
    (media / "hazards" / "1" / "photo.jpg").write_bytes(b"\xff\xd8 a photo")
    files = _files(media)

    _manage(var, "backup")
    [archive] = (var / "backups").iterdir()
    # Life goes on after the backup: another city, a photo replaced.
    _manage(var, "create_city", "--name", "河城市", "--code", "439800", "--admin", "admin2")
    (media / "hazards" / "1" / "photo.jpg").unlink()
    (media / "hazards" / "2").mkdir()
    (media / "hazards" / "2" / "new.jpg").write_bytes(b"\xff\xd8 newer")
    assert _cities(database) == ["439800", "439900"]

    _manage(var, "restore", str(archive), "--yes")

    assert _cities(database) == ["439900"]
    assert _files(media) == files
    _manage(var, "audit_verify")
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
