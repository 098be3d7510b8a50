"""Background steps of an import, run by `crecer worker` (inline in tests and for small
files: see `actions._schedule`)."""

from __future__ import annotations

from django_tasks import task

from . import actions


@task()
def validate_import(job_id: str) -> str:
    return actions.run_validation(job_id)


@task()
def commit_import(job_id: str) -> str:
    return actions.run_commit(job_id)
