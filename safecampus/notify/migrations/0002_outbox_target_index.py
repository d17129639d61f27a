"""An index for "the latest message to this target" on the outbox, built CONCURRENTLY on
PostgreSQL so that actions can queue messages meanwhile (lib/migration_ops.py)."""

from django.db import migrations, models

from safecampus.lib.migration_ops import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("notify", "0001_initial"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="outboxmessage",
            index=models.Index(fields=["target", "-id"], name="outbox_target_last"),
        ),
    ]
