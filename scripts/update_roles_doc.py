"""Rewrite the generated tables of docs/roles.md from safecampus/orgs/roles.py.

.venv/bin/python scripts/update_roles_doc.py
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safecampus.settings")

import django  # noqa: E402

django.setup()

from django.utils import translation  # noqa: E402

from safecampus.web.tests.test_docs import capabilities_table, roles_table  # noqa: E402


def main() -> None:
    doc = ROOT / "docs" / "roles.md"
    text = doc.read_text(encoding="utf-8")
    with translation.override("en"):
        for name, table in (
            ("roles-table", roles_table()),
            ("capabilities-table", capabilities_table()),
        ):
            text = re.sub(
                rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)",
                lambda m, t=table: m.group(1) + t + m.group(2),
                text,
                flags=re.S,
            )
    doc.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
