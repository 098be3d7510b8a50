"""What every browser test shares: the system Chromium (skipped when missing, unless required),
its launch arguments, and the fixture that lets a transactional test end on SQLite despite the
append-only audit triggers.

    from tests.browser_support import ARGS, CHROMIUM, clear_audit_on_sqlite, require_chromium
    require_chromium()   # at module level, before importing playwright

Chromium comes from the system (CRECER_CHROMIUM, default /usr/bin/chromium); a module that calls
`require_chromium()` is skipped without it, unless CRECER_REQUIRE_ALL=1 (or
CRECER_REQUIRE_BROWSER=1), in which case it fails.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the live server's sync ORM calls

CHROMIUM = os.environ.get("CRECER_CHROMIUM", "/usr/bin/chromium")
REQUIRED = "1" in (os.environ.get("CRECER_REQUIRE_ALL"), os.environ.get("CRECER_REQUIRE_BROWSER"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        if REQUIRED:
            raise RuntimeError(f"Chromium not found at {CHROMIUM} and CRECER_REQUIRE_ALL=1")
        pytest.skip(f"Chromium not found at {CHROMIUM}", allow_module_level=True)


@pytest.fixture
def clear_audit_on_sqlite(transactional_db):
    """Let the flush that ends a transactional test pass the append-only audit triggers.

    SQLite flushes with DELETE, which the row trigger refuses; PostgreSQL flushes with
    TRUNCATE, which row triggers do not see. Torn down before the flush: drop the triggers,
    empty the table, put the triggers back (a DELETE of no rows fires no row trigger).
    """
    yield
    from django.db import connection

    if connection.vendor != "sqlite":
        return
    migration = importlib.import_module("crecer.core.migrations.0002_audit_append_only")
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS core_auditevent_no_update")
        cursor.execute("DROP TRIGGER IF EXISTS core_auditevent_no_delete")
        cursor.execute("DELETE FROM core_auditevent")
        for sql in migration.SQLITE:
            cursor.execute(sql)
