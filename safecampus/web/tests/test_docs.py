"""The operator docs say what the code does (docs/configure.md, docs/roles.md).

When one of these fails after a change to settings.py or orgs/roles.py, update the doc: the
failure message prints the table to paste.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.utils import translation

from safecampus.orgs.choices import Level
from safecampus.orgs.roles import CAPABILITIES, ROLE_LEVELS, Cap, Role

REPO = Path(__file__).resolve().parents[3]
DOCS = REPO / "docs"


def _between(text: str, name: str) -> str:
    match = re.search(rf"<!-- {name}:start -->\n(.*?)<!-- {name}:end -->", text, re.S)
    assert match, f"marker {name} missing"
    return match.group(1)


def roles_table() -> str:
    with translation.override("en"):
        caps = list(Cap)
        lines = [
            "| role | code | "
            + " | ".join(f"`{cap.value}`" for cap in caps)
            + " | may be held at |",
            "|---|---|" + "|".join([":-:"] * len(caps)) + "|---|",
        ]
        for role in Role:
            marks = " | ".join("✓" if cap in CAPABILITIES[role] else "" for cap in caps)
            levels = ", ".join(str(level.label) for level in Level if level in ROLE_LEVELS[role])
            lines.append(f"| {role.label} | `{role.value}` | {marks} | {levels} |")
    return "\n".join(lines) + "\n"


def capabilities_table() -> str:
    with translation.override("en"):
        lines = ["| capability | allows |", "|---|---|"]
        lines += [f"| `{cap.value}` | {cap.label} |" for cap in Cap]
    return "\n".join(lines) + "\n"


def test_it_documents_every_role_with_exactly_its_capabilities_and_levels():
    documented = _between((DOCS / "roles.md").read_text(encoding="utf-8"), "roles-table")
    expected = roles_table()
    assert documented == expected, "docs/roles.md is out of date; paste:\n" + expected


def test_it_documents_every_capability():
    documented = _between((DOCS / "roles.md").read_text(encoding="utf-8"), "capabilities-table")
    expected = capabilities_table()
    assert documented == expected, "docs/roles.md is out of date; paste:\n" + expected


def test_it_documents_every_environment_variable_that_settings_read():
    # gunicorn.conf.py reads the web server's variables the same way (env_int / env_str).
    settings_source = "".join(
        (REPO / name).read_text(encoding="utf-8")
        for name in ("safecampus/settings.py", "gunicorn.conf.py")
    )
    read = set(re.findall(r'env_(?:str|bool|int|list)\(\s*"([A-Z][A-Z0-9_]*)"', settings_source))
    configure = (DOCS / "configure.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", configure, re.M))

    assert len(read) > 20
    assert read - documented == set(), "add these to docs/configure.md"
    assert documented - read == set(), "docs/configure.md lists variables nobody reads"


def test_it_links_only_to_docs_that_exist():
    for doc in DOCS.glob("*.md"):
        for target in re.findall(r"\]\(([a-z_]+\.md)\)", doc.read_text(encoding="utf-8")):
            assert (DOCS / target).exists(), f"{doc.name} links to missing {target}"
