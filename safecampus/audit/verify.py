"""Proving the chain: every row's hash matches its content and links to the row before."""

from __future__ import annotations

from dataclasses import dataclass

from safecampus.audit.models import GENESIS_HASH, AuditEvent


@dataclass
class ChainReport:
    checked: int
    broken_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_id is None


def verify_chain(batch: int = 5000) -> ChainReport:
    expected_prev = GENESIS_HASH
    checked = 0
    last_id = 0
    while True:
        rows = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:batch])
        if not rows:
            return ChainReport(checked)
        for event in rows:
            if event.prev_hash != expected_prev:
                return ChainReport(checked, event.id, "link")
            if event.compute_hash() != event.hash:
                return ChainReport(checked, event.id, "content")
            expected_prev = event.hash
            checked += 1
            last_id = event.id
