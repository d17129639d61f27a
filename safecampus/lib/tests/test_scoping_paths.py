"""The two path helpers every scoped query uses (lib/scoping.py)."""

from safecampus.hazards.models import Hazard
from safecampus.lib.scoping import path_and_ancestors, under_paths


def test_path_and_ancestors_lists_the_path_and_every_org_above_it():
    assert path_and_ancestors("000100020003") == ["0001", "00010002", "000100020003"]
    assert path_and_ancestors("0001") == ["0001"]


def test_under_paths_selects_nothing_without_paths_and_prefixes_otherwise(db):
    assert "startswith" not in str(under_paths([]))
    assert not Hazard.objects.filter(under_paths([])).exists()
    query = under_paths(["0001", "0002"], "parent_path")
    assert [child[0] for child in query.children] == [
        "parent_path__startswith",
        "parent_path__startswith",
    ]
