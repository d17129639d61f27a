import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("hazards", "0003_stats_covering_index"),
        ("risks", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="hazard",
            name="risk_point",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="hazards",
                to="risks.riskpoint",
                verbose_name="risk point",
            ),
        ),
    ]
