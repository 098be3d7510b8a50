"""Reads of import jobs, each limited to what the caller may see (see `policies`)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from crecer.accounts import policies as account_policies
from crecer.accounts.scope import within

from .models import ImportJob
from .policies import sees_others_jobs


def jobs_for(user) -> QuerySet[ImportJob]:
    if not account_policies.can_import(user):
        return ImportJob.objects.none()
    visible = Q(uploaded_by=user)
    if sees_others_jobs(user):
        visible |= within(user, "territory")
    return ImportJob.objects.filter(visible).select_related("uploaded_by", "territory")


def job_for(user, pk) -> ImportJob:
    """One job the user may see, or 404 (outsiders learn nothing)."""
    job = jobs_for(user).filter(pk=pk).first()
    if job is None:
        raise Http404
    return job
