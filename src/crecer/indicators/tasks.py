"""Background refresh of the indicators, queued after data changes."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django_tasks import task


@task()
def refresh_indicators(full: bool = False) -> dict:
    from . import engine

    report = engine.refresh(full=full)
    return {"seconds": round(report.seconds, 3), "indicators": report.indicators,
            "values": report.values, "rows_read": report.rows_read,
            "skipped": report.skipped}


def _pending() -> bool:
    """A refresh is already queued and not started (it will see this change too)."""
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover
        return False
    return DBTaskResult.objects.filter(
        task_path=refresh_indicators.module_path, status="READY").exists()


def schedule_refresh() -> None:
    """Queue one incremental refresh after the current transaction commits, unless one is
    already waiting. Off when settings.CRECER_INDICATORS_AUTO_REFRESH is False (tests)."""
    if not getattr(settings, "CRECER_INDICATORS_AUTO_REFRESH", True):
        return
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
            func is _enqueue for _sids, func, *_rest in connection.run_on_commit):
        return  # already queued by an earlier change of this transaction
    transaction.on_commit(_enqueue)


def _enqueue() -> None:
    if "django_tasks_db" in settings.TASKS.get("default", {}).get("BACKEND", "") and _pending():
        return
    refresh_indicators.enqueue()
