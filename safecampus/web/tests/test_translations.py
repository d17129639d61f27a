"""Every user-visible string is translated into zh-hans (and the catalog is up to date)."""

import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
IGNORE = [".venv", "var", "test-artifacts", "node_modules"]


def _statistics(po: Path) -> str:
    result = subprocess.run(
        ["msgfmt", "--statistics", "--check-format", "-o", "/dev/null", str(po)],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stderr


def test_the_zh_hans_catalog_is_complete_and_covers_every_string_in_the_source(tmp_path):
    # One test, not two: it rewrites the catalog for a moment, so nothing may read it meanwhile.
    committed = _statistics(PO)
    assert "translated message" in committed
    assert "untranslated" not in committed and "fuzzy" not in committed, committed
    backup = tmp_path / "django.po"
    shutil.copy(PO, backup)
    try:
        # msgmerge keeps existing translations; any new source string shows up untranslated.
        call_command(
            "makemessages",
            locale=["zh_Hans"],
            ignore_patterns=IGNORE,
            no_location=True,
            verbosity=0,
        )
        stats = _statistics(PO)
    finally:
        shutil.copy(backup, PO)
    assert "untranslated" not in stats and "fuzzy" not in stats, stats
