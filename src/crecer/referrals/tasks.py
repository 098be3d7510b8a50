"""Background work of referrals, run by `crecer worker` (inline in tests)."""

from __future__ import annotations

from django_tasks import task

from . import actions


@task()
def expire_referrals() -> dict:
    """Expire every referral past its due date with no answer (run it daily)."""
    return {"expired": actions.expire_overdue_referrals()}
