"""Writing nodes into the materialized-path tree, one at a time or in bulk."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import F

from safecampus.orgs.models import Organization


def add_root(**fields: Any) -> Organization:
    return Organization.objects.add_root(create_kwargs=fields)


def add_child(parent: Organization, **fields: Any) -> Organization:
    return Organization.objects.add_child(parent, create_kwargs=fields)


def parent_of(org: Organization) -> Organization | None:
    return Organization.objects.get_parent(org)


def bulk_add_children(
    parent: Organization, children: Sequence[Organization], batch_size: int = 500
) -> list[Organization]:
    """Append many children under ``parent`` in a few INSERTs (imports, demo data).

    Paths are computed here as treebeard would: the next free steps after the last child.
    The caller holds a row lock on ``parent`` (or is the only writer) inside a transaction.
    """
    if not children:
        return []
    last = (
        Organization.objects.filter(path__startswith=parent.path, depth=parent.depth + 1)
        .order_by("-path")
        .values_list("path", flat=True)
        .first()
    )
    step = Organization._str2int(last[-Organization.steplen :]) + 1 if last else 1
    for offset, child in enumerate(children):
        child.depth = parent.depth + 1
        child.numchild = 0
        child.path = Organization._get_path(parent.path, child.depth, step + offset)
    created = Organization.objects.bulk_create(children, batch_size=batch_size)
    Organization.objects.filter(pk=parent.pk).update(numchild=F("numchild") + len(children))
    parent.numchild += len(children)
    if created and created[0].pk is None:  # backends without RETURNING: fetch the ids back
        ids = dict(
            Organization.objects.filter(path__in=[c.path for c in children]).values_list(
                "path", "pk"
            )
        )
        for child in created:
            child.pk = ids[child.path]
    return created
