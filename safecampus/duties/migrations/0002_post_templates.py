"""The nine shipped post templates (duties/defaults.py), in Chinese and English."""

from django.db import migrations

from safecampus.duties.defaults import template_rows


def add(apps, schema_editor):
    template = apps.get_model("duties", "PostTemplate")
    for row in template_rows():
        key = row.pop("key")
        template.objects.update_or_create(key=key, defaults=row)


def remove(apps, schema_editor):
    keys = [row["key"] for row in template_rows()]
    apps.get_model("duties", "PostTemplate").objects.filter(key__in=keys).delete()


class Migration(migrations.Migration):
    dependencies = [("duties", "0001_initial")]

    operations = [migrations.RunPython(add, remove)]
