"""The default hazard categories (DOMAIN.md §3.1, as named in the hazard issue)."""

from django.db import migrations

from safecampus.hazards.defaults import CATEGORIES



def add(apps, schema_editor):
    category = apps.get_model("hazards", "HazardCategory")
    for sort, (code, zh, en) in enumerate(CATEGORIES, start=1):
        category.objects.update_or_create(
            code=code, defaults={"name_zh": zh, "name_en": en, "sort": sort * 10}
        )


def remove(apps, schema_editor):
    apps.get_model("hazards", "HazardCategory").objects.filter(
        code__in=[c[0] for c in CATEGORIES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("hazards", "0001_initial")]

    operations = [migrations.RunPython(add, remove)]
