"""The audit log is append-only and hash-chained; audit_verify finds the first broken row."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from safecampus.audit.log import record
from safecampus.audit.models import AuditEvent
from safecampus.audit.verify import verify_chain


@pytest.fixture
def events(db, world):
    return [record(f"test.event{i}", org=world.county_a, changes={"n": i}) for i in range(5)]


def _raw(sql, params=()):
    """Tamper as an attacker with database access would: bypassing the triggers."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")  # triggers off (superuser)
        else:
            cursor.execute("DROP TRIGGER IF EXISTS audit_no_update")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")


def test_each_event_links_to_the_one_before(events):
    assert events[1].prev_hash == events[0].hash
    assert verify_chain().ok and verify_chain().checked == 5


def test_the_verify_command_reports_success(events, capsys):
    call_command("audit_verify")
    assert "5 events verified" in capsys.readouterr().out


def test_altered_content_is_found_at_the_first_broken_row(events):
    _raw("UPDATE audit_auditevent SET verb = 'x' WHERE id = %s", [events[2].pk])
    with pytest.raises(CommandError, match=f"id={events[2].pk}.*altered"):
        call_command("audit_verify")


def test_a_deleted_row_breaks_the_link_of_the_next(events):
    _raw("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
    report = verify_chain()
    assert (report.broken_id, report.reason) == (events[2].pk, "link")


def test_rows_cannot_be_changed_through_the_orm(events):
    event = AuditEvent.objects.get(pk=events[0].pk)
    event.verb = "changed"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).update(verb="x")
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()


def test_the_database_refuses_updates(events):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET verb = 'x' WHERE id = %s", [events[0].pk])


def test_non_json_values_are_stored_as_hashed(db):
    import datetime
    from decimal import Decimal

    record("test.values", changes={"when": datetime.date(2026, 1, 2), "cost": Decimal("1.50")})
    assert verify_chain().ok
