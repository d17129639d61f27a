"""The index on hazards.risk_point, built CONCURRENTLY on PostgreSQL (lib/migration_ops.py):
hazards can be written meanwhile on a live database."""

from django.db import migrations, models

from safecampus.lib.migration_ops import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("hazards", "0004_hazard_risk_point")]

    operations = [
        AddIndexConcurrently(
            model_name="hazard",
            index=models.Index(fields=["risk_point"], name="hazard_risk_point"),
        ),
    ]
