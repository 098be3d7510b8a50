"""Seed the starter catalogue of items (see `crecer.deliveries.catalogue`)."""

from django.db import migrations


def seed(apps, schema_editor):
    from crecer.deliveries.catalogue import load_items

    load_items(apps.get_model("deliveries", "Item"))


class Migration(migrations.Migration):
    dependencies = [("deliveries", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
