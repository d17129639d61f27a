"""The standard risk library (data/library.json): 19 categories, 300+ risk points."""

from django.db import migrations

from safecampus.risks import library


def load(apps, schema_editor):
    library.load(apps.get_model("risks", "RiskCategory"), apps.get_model("risks", "LibraryItem"))


class Migration(migrations.Migration):
    dependencies = [("risks", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
