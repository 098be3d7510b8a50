"""Who may see and import a job. Importing itself needs `accounts.policies.can_import`."""

from __future__ import annotations

from crecer.accounts import policies, scope
from crecer.accounts.models import Role

# Besides the uploader, these roles see the jobs uploaded inside their territories.
SUPERVISORS = {Role.DATA_OFFICER, Role.ADMIN}


def sees_others_jobs(user) -> bool:
    return policies.can_import(user) and getattr(user, "role", None) in SUPERVISORS


def can_see_job(user, job) -> bool:
    """The uploader, or a data officer / administrator whose territories hold the job's."""
    if not policies.can_import(user):
        return False
    if job.uploaded_by_id == user.pk:
        return True
    return sees_others_jobs(user) and scope.covers(user, job.territory)
