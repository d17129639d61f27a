"""Data worth backing up: hazards with photos (so uploads exist), audit rows and a session.

pg_dump sees only committed rows, so every backup test runs with transaction=True.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from safecampus.audit.log import record
from safecampus.hazards.models import Hazard
from safecampus.hazards.tests.helpers import jpeg, report
from safecampus.ops.archive import MANIFEST, WORK_PREFIX


@dataclass
class CityData:
    hazard: Hazard
    teacher: Any


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    """A MEDIA_ROOT of this test's own: a restore swaps the whole folder's content."""
    root = tmp_path / "media"
    settings.MEDIA_ROOT = str(root)
    return root


@pytest.fixture
def city_data(world: Any, teacher: Any, county_officer: Any, categories: Any, media: Path) -> Any:
    hazard = report(teacher, world.school_a1, categories, photos=[("before", jpeg())])
    report(
        teacher,
        world.school_a1,
        categories,
        title="围墙裂缝",
        photos=[("before", jpeg("a.jpg")), ("before", jpeg("b.jpg", size=(80, 60)))],
    )
    record("test.backup_fixture", actor=county_officer, org=world.county_a)
    Client().force_login(teacher)  # a session row
    return CityData(hazard, teacher)


def row_counts() -> dict[str, int]:
    """Rows of every model's table, counted through the ORM (not the code under test)."""
    counts = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy:
            counts[model._meta.db_table] = model._base_manager.count()
    return counts


def media_hashes(root: Path) -> dict[str, str]:
    if not root.exists():
        return {}
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def leftovers(root: Path) -> list[str]:
    """Work folders a backup or restore left behind (there must be none)."""
    if not root.exists():
        return []
    return [p.name for p in root.iterdir() if p.name.startswith(WORK_PREFIX)]


def run(*args: str) -> str:
    """A management command's output, in English."""
    out = io.StringIO()
    with translation.override("en"):
        call_command(*args, stdout=out)
    return out.getvalue()


def rewrite_archive(
    archive: Path,
    change: Callable[[dict[str, Any], dict[str, bytes]], None],
) -> None:
    """Rebuild ``archive`` after ``change`` edited its manifest and members (name → bytes)."""
    with tarfile.open(archive) as tar:
        members = {}
        for member in tar.getmembers():
            stream = tar.extractfile(member)
            assert stream is not None
            members[member.name] = stream.read()
    manifest = json.loads(members.pop(MANIFEST))
    change(manifest, members)
    members[MANIFEST] = json.dumps(manifest).encode()
    with tarfile.open(archive, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
