"""Indexes for the substring search of person names and phones (see registry/fts.py): on
PostgreSQL pg_trgm GIN indexes, a covering index on search_name and a finer histogram of it; on
SQLite an FTS5 trigram table kept by triggers; on both an index on UPPER(household code)."""

from django.db import migrations

from crecer.registry import fts


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(fts.install, fts.uninstall, elidable=False)]
