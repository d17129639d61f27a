"""The same transition fired by 20 people at once: exactly one wins, the others get 409.

Row locks (select_for_update) do nothing on SQLite, where the whole database is locked per
write, so this runs on PostgreSQL only, with real threads, each with its own connection, in a
transactional test (committed data the threads can see).
"""

import datetime
import threading

import pytest
from django.db import connection

from safecampus.accounts.models import User
from safecampus.audit.models import AuditEvent
from safecampus.audit.verify import verify_chain
from safecampus.hazards import actions
from safecampus.hazards.models import Hazard, HazardEvent
from safecampus.hazards.tests.helpers import FOUND, report
from safecampus.lib.errors import Conflict

THREADS = 20
DEADLINE = FOUND + datetime.timedelta(days=7)


def _fire_at_once(action, count: int = THREADS) -> list[str]:
    """Run ``action()`` in ``count`` threads released together; what each one got."""
    barrier = threading.Barrier(count)
    results: list[str] = []
    lock = threading.Lock()

    def run() -> None:
        outcome = "did not run"
        try:
            try:
                prepared = action.prepare()  # each thread reads its own copies first
            except Exception:
                barrier.abort()  # release the others at once instead of waiting for a timeout
                raise
            barrier.wait(timeout=60)  # only ever waited out when a thread failed to start
            try:
                prepared()
                outcome = "ok"
            except Conflict:
                outcome = "conflict"
        except Exception as exc:  # anything else is a failure the assertion will show
            outcome = repr(exc)
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


class Assign:
    """Assign the hazard with expected_state="reported", as a stale page would."""

    def __init__(self, hazard_pk: int, officer_pk: int, teacher_pk: int):
        self.hazard_pk, self.officer_pk, self.teacher_pk = hazard_pk, officer_pk, teacher_pk

    def prepare(self):
        hazard = Hazard.objects.select_related("org").get(pk=self.hazard_pk)
        officer = User.objects.get(pk=self.officer_pk)
        teacher = User.objects.get(pk=self.teacher_pk)

        def assign() -> None:
            actions.do_assign(
                officer, hazard, responsible=teacher, deadline=DEADLINE, expected_state="reported"
            )

        return assign


@pytest.mark.django_db(transaction=True)
def test_twenty_people_assigning_at_once_make_exactly_one_assignment(
    world, categories, teacher, safety_officer
):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a no-op on SQLite; run with DATABASE_URL=postgres://...")
    hazard = report(teacher, world.school_a1, categories)

    results = _fire_at_once(Assign(hazard.pk, safety_officer.pk, teacher.pk))

    assert len(results) == THREADS
    assert sorted(results) == ["conflict"] * (THREADS - 1) + ["ok"], results
    hazard.refresh_from_db()
    assert hazard.state == "assigned" and hazard.responsible == teacher
    assert HazardEvent.objects.filter(hazard=hazard, verb="assign").count() == 1
    assert AuditEvent.objects.filter(verb="hazard.assign", object_id=str(hazard.pk)).count() == 1
    assert verify_chain().ok


class Verify:
    """Verify and close without an expected state: the transition table refuses the late ones."""

    def __init__(self, hazard_pk: int, verifier_pk: int):
        self.hazard_pk, self.verifier_pk = hazard_pk, verifier_pk

    def prepare(self):
        hazard = Hazard.objects.select_related("org", "supervising_org").get(pk=self.hazard_pk)
        verifier = User.objects.get(pk=self.verifier_pk)

        def verify() -> None:
            actions.do_verify(verifier, hazard, opinion="验收合格")

        return verify


@pytest.mark.django_db(transaction=True)
def test_twenty_verifications_at_once_close_the_hazard_once(
    world, categories, teacher, safety_officer, school_principal
):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a no-op on SQLite; run with DATABASE_URL=postgres://...")
    hazard = report(teacher, world.school_a1, categories)
    hazard = actions.do_assign(safety_officer, hazard, responsible=teacher, deadline=DEADLINE)
    actions.do_submit(teacher, hazard, note="已整改")

    results = _fire_at_once(Verify(hazard.pk, school_principal.pk))

    assert sorted(results) == ["conflict"] * (THREADS - 1) + ["ok"], results
    hazard.refresh_from_db()
    assert hazard.state == "closed" and hazard.verifier == school_principal
    assert HazardEvent.objects.filter(hazard=hazard, verb="verify").count() == 1
    assert verify_chain().ok
