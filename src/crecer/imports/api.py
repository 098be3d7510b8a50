"""Imports over the REST API. Mount with the prefix "/imports/":

    POST /imports/                 multipart: file, dry_run (default true), skip_duplicates
    GET  /imports/{job_id}         the job, its progress and its report
    POST /imports/{job_id}/commit  import a checked job without errors (skip_duplicates)

Small files are checked (and imported) during the request; large ones are queued for the
worker and answered with status "uploaded": poll GET until `status` is final. A refused file
is 400 with `detail`; a job the caller may not see is 404.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema
from ninja.errors import HttpError
from ninja.files import UploadedFile

from crecer.accounts import policies

from . import actions, queries, reader
from .models import ImportJob, ImportStatus

router = Router(tags=["imports"])


class ProblemOut(Schema):
    row: int
    column: str
    message: str
    level: str


class JobOut(Schema):
    id: uuid.UUID
    file_name: str
    status: str
    message: str
    created_at: dt.datetime
    progress_done: int
    progress_total: int
    counts: dict[str, int]
    problems: list[ProblemOut]
    problems_truncated: bool
    created_households: int
    created_persons: int
    skipped_persons: int


class CommitIn(Schema):
    skip_duplicates: bool = False


class ErrorOut(Schema):
    detail: str


def _out(job: ImportJob) -> dict:
    report = job.report or {}
    return {
        "id": job.pk, "file_name": job.file_name, "status": job.status, "message": job.message,
        "created_at": job.created_at, "progress_done": job.progress_done,
        "progress_total": job.progress_total, "counts": report.get("counts", {}),
        "problems": report.get("problems", []), "problems_truncated": report.get("truncated", False),
        "created_households": job.created_households, "created_persons": job.created_persons,
        "skipped_persons": job.skipped_persons,
    }


def _job(request, job_id: uuid.UUID) -> ImportJob:
    try:
        return queries.job_for(request.user, job_id)
    except Http404:
        raise HttpError(404, "Not found") from None


@router.post("/", response={200: JobOut, 400: ErrorOut, 403: ErrorOut})
def upload(request, file: File[UploadedFile], dry_run: Form[bool] = True,
           skip_duplicates: Form[bool] = False):
    """Upload a CSV or XLSX file; it is checked, and imported too unless `dry_run`."""
    if not policies.can_import(request.user):
        return 403, {"detail": _("You cannot import files.")}
    try:
        job = actions.start_import(actor=request.user, upload=file,
                                   language=getattr(request, "LANGUAGE_CODE", None))
    except reader.Refused as exc:
        return 400, {"detail": str(exc)}
    except PermissionDenied as exc:
        return 403, {"detail": str(exc)}
    if not dry_run and job.status == ImportStatus.VALIDATED and job.can_commit:
        job = actions.request_commit(actor=request.user, job=job,
                                     skip_duplicates=skip_duplicates)
    return 200, _out(job)


@router.get("/{job_id}", response={200: JobOut, 404: ErrorOut})
def get_job(request, job_id: uuid.UUID):
    return 200, _out(_job(request, job_id))


@router.post("/{job_id}/commit", response={200: JobOut, 400: ErrorOut, 403: ErrorOut,
                                            404: ErrorOut})
def commit(request, job_id: uuid.UUID, payload: CommitIn | None = None):
    job = _job(request, job_id)
    try:
        job = actions.request_commit(actor=request.user, job=job,
                                     skip_duplicates=bool(payload and payload.skip_duplicates))
    except actions.NotReady as exc:
        return 400, {"detail": str(exc)}
    except PermissionDenied as exc:
        return 403, {"detail": str(exc)}
    return 200, _out(job)
