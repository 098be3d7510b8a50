"""Every write of the imports app: upload, check (dry run), commit.

A job goes uploaded → validating → validated (with its report) → importing → done, or ends
in failed when the file cannot be read at all. The check and the commit run as django-tasks
tasks (`tasks.py`, run by `crecer worker`); small files (up to CRECER_IMPORT_INLINE_ROWS rows,
2000 by default) run inline in the request so that the pages work without a worker. A step
is claimed with a conditional UPDATE, so a worker and an inline run never both do it.
"""

from __future__ import annotations

import logging
import os
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crecer.accounts import policies, scope
from crecer.territory.models import OrgUnit

from . import reader
from .models import ImportJob, ImportStatus
from .policies import can_see_job
from .reader import Refused
from .save import save_plan
from .validate import Plan, check_rows

log = logging.getLogger(__name__)

PROGRESS_EVERY = 100  # rows between two progress writes


class NotReady(Exception):
    """The job cannot take this step now; `str(exc)` is a message for the user."""


def inline_rows() -> int:
    return int(getattr(settings, "CRECER_IMPORT_INLINE_ROWS", 2000))


def media_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def scope_unit(user) -> OrgUnit | None:
    """The unit holding all the user's territories (their deepest common ancestor)."""
    paths = scope.root_paths(user)
    if not paths:
        return None
    parts = [p.strip("/").split("/") for p in paths]
    common = os.path.commonprefix(parts)
    unit_id = int(common[-1]) if common else int(parts[0][-1])
    return OrgUnit.objects.filter(pk=unit_id).first()


# -- upload -----------------------------------------------------------------------------------

def start_import(*, actor, upload, language: str | None = None) -> ImportJob:
    """Store an uploaded file and start checking it. Raises Refused (with a message for the
    user) for an empty, oversized or non-spreadsheet file, PermissionDenied for users who may
    not import."""
    if not policies.can_import(actor):
        raise PermissionDenied(_("You cannot import files."))
    unit = scope_unit(actor)
    if unit is None:
        raise PermissionDenied(_("You have no territory assigned, so you cannot import."))
    size = int(getattr(upload, "size", 0) or 0)
    if size > reader.max_bytes():
        raise Refused(reader.too_big_message())
    job_id = uuid.uuid4()
    path = media_dir() / f"{job_id}.upload"
    written = 0
    try:
        with path.open("wb") as out:
            for chunk in upload.chunks():
                written += len(chunk)
                if written > reader.max_bytes():
                    raise Refused(reader.too_big_message())
                out.write(chunk)
        with path.open("rb") as fh:
            head = fh.read(8192)
        fmt = reader.sniff(head, written, path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    final = path.with_suffix(f".{fmt}")
    path.rename(final)
    name = os.path.basename(str(getattr(upload, "name", "") or "upload"))[:255]
    job = ImportJob.objects.create(
        id=job_id, uploaded_by=actor, territory=unit, file_name=name,
        file_path=str(final.relative_to(settings.MEDIA_ROOT)), file_format=fmt, file_size=written,
        estimated_rows=_estimate_rows(final, fmt), language=language or translation.get_language(),
    )
    _schedule(job, "validate")
    job.refresh_from_db()
    return job


def _estimate_rows(path: Path, fmt: str) -> int:
    """A cheap guess of the number of rows, to decide between running inline and queueing."""
    try:
        if fmt == reader.CSV:
            with path.open("rb") as fh:
                return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 16), b""))
        import zipfile

        with zipfile.ZipFile(path) as archive:
            sheet = next((i for i in archive.infolist()
                          if i.filename.startswith("xl/worksheets/sheet")), None)
            if sheet is None:
                return 0
            count, tail = 0, b""
            with archive.open(sheet) as fh:  # the size was checked by reader.sniff
                for chunk in iter(lambda: fh.read(1 << 16), b""):
                    count += (tail + chunk).count(b"<row ") - tail.count(b"<row ")
                    tail = chunk[-4:]
            return count
    except Exception:  # noqa: BLE001 - only a guess; the check reports real problems
        return 0


def _schedule(job: ImportJob, step: str) -> None:
    from . import tasks

    if job.estimated_rows <= inline_rows():
        (run_validation if step == "validate" else run_commit)(str(job.pk))
    else:
        task = tasks.validate_import if step == "validate" else tasks.commit_import
        task.enqueue(str(job.pk))


# -- check (dry run) ----------------------------------------------------------------------------

def run_validation(job_id: str) -> str:
    """Check a queued job's file and store the report. Never raises: a problem ends the job
    as failed with a message."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportStatus.UPLOADED).update(
        status=ImportStatus.VALIDATING, step_started_at=timezone.now(), progress_done=0,
        progress_total=0, updated_at=timezone.now())
    if not claimed:
        return "skipped"
    job = ImportJob.objects.select_related("uploaded_by").get(pk=job_id)
    with translation.override(job.language):
        try:
            plan = _check(job, job.uploaded_by)
        except Refused as exc:
            _fail(job, str(exc))
            return "refused"
        except Exception:
            log.exception("import %s: the check failed", job.pk)
            _fail(job, _("The file could not be checked because of an internal error; nothing "
                         "was saved."))
            return "failed"
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.VALIDATED, report=plan.report(), validated_at=timezone.now(),
            message="", updated_at=timezone.now())
    return "validated"


def _check(job: ImportJob, user, *, likely_duplicates: bool = True) -> Plan:
    path = job_path(job)
    if path is None or not path.exists():
        raise Refused(_("The uploaded file is no longer available; upload it again."))
    cache = rows_path(job)
    if cache is not None and cache.exists():
        sheet = reader.load_rows(cache)
    else:
        sheet = reader.read_sheet(path, job.file_format)
        if cache is not None:
            reader.dump_rows(sheet, cache)
    last = [-PROGRESS_EVERY]

    def progress(done: int, total: int) -> None:
        if done - last[0] >= PROGRESS_EVERY or done >= total:
            last[0] = done
            ImportJob.objects.filter(pk=job.pk).update(progress_done=done, progress_total=total)

    return check_rows(sheet, user=user, progress=progress, likely_duplicates=likely_duplicates)


def job_path(job: ImportJob) -> Path | None:
    return Path(settings.MEDIA_ROOT) / job.file_path if job.file_path else None


def rows_path(job: ImportJob) -> Path | None:
    """The rows read from the file, kept as JSON between the check and the commit."""
    path = job_path(job)
    return path.with_name(f"{path.name}.rows.json") if path is not None else None


def _fail(job: ImportJob, message: str) -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.FAILED, message=message[:500], finished_at=timezone.now(),
        file_path="", updated_at=timezone.now())
    _delete_file(job)


def _delete_file(job: ImportJob) -> None:
    for path in (job_path(job), rows_path(job)):
        if path is not None:
            path.unlink(missing_ok=True)


# -- commit --------------------------------------------------------------------------------------

def request_commit(*, actor, job: ImportJob, skip_duplicates: bool = False) -> ImportJob:
    """Import a checked job without errors, all or nothing. Raises PermissionDenied or
    NotReady (with a message)."""
    if not can_see_job(actor, job):
        raise PermissionDenied(_("You cannot import this file."))
    if job.status != ImportStatus.VALIDATED:
        raise NotReady(_("This file cannot be imported now (it is %(status)s).")
                       % {"status": job.get_status_display()})
    if not job.can_commit:
        raise NotReady(_("Correct the errors of the report and upload the file again; nothing "
                         "was saved."))
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.VALIDATED).update(
        status=ImportStatus.IMPORTING, committed_by=actor, skip_duplicates=skip_duplicates,
        step_started_at=None, progress_done=0, progress_total=0, updated_at=timezone.now())
    if not claimed:
        raise NotReady(_("This file is already being imported."))
    job.refresh_from_db()
    _schedule(job, "commit")
    job.refresh_from_db()
    return job


def run_commit(job_id: str) -> str:
    """Check the file again (the registry may have changed since the dry run) and, when it
    still has no errors, save everything in one transaction. Never raises."""
    claimed = ImportJob.objects.filter(
        pk=job_id, status=ImportStatus.IMPORTING, step_started_at__isnull=True
    ).update(step_started_at=timezone.now(), updated_at=timezone.now())
    if not claimed:
        return "skipped"
    job = ImportJob.objects.select_related("committed_by").get(pk=job_id)
    actor = job.committed_by
    with translation.override(job.language):
        try:
            if actor is None or not policies.can_import(actor):
                raise PermissionDenied
            # Likely duplicates are warnings: searched again only when they are to be skipped.
            plan = _check(job, actor, likely_duplicates=job.skip_duplicates)
            if not plan.ok:
                ImportJob.objects.filter(pk=job.pk).update(
                    status=ImportStatus.VALIDATED, report=plan.report(),
                    validated_at=timezone.now(), updated_at=timezone.now(),
                    message=_("New problems were found when importing; nothing was saved."))
                return "invalid"
            units = {h.territory for h in plan.households.values() if h.territory}
            if not all(scope.covers(actor, u) for u in units):
                raise PermissionDenied
            saved = save_plan(plan, actor=actor, job_id=str(job.pk),
                              skip_duplicates=job.skip_duplicates)
        except PermissionDenied:
            _fail(job, _("You may not import into these communities; nothing was saved."))
            return "refused"
        except Refused as exc:
            _fail(job, str(exc))
            return "refused"
        except Exception:
            log.exception("import %s: the commit failed", job.pk)
            _fail(job, _("The import failed because of an internal error; nothing was saved."))
            return "failed"
        report = dict(job.report or plan.report())
        report["counts"] = {**report.get("counts", {}), "skipped": saved.skipped}
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.DONE, report=report, created_households=saved.households,
            created_persons=saved.persons, skipped_persons=saved.skipped,
            finished_at=timezone.now(), file_path="", message="", updated_at=timezone.now())
        _delete_file(job)
    return "done"


# -- without a worker -----------------------------------------------------------------------------

def is_waiting(job: ImportJob) -> bool:
    """Queued and not yet picked up by any worker."""
    return job.status == ImportStatus.UPLOADED or (
        job.status == ImportStatus.IMPORTING and job.step_started_at is None)


def run_pending(*, actor, job: ImportJob) -> None:
    """Run the queued step of a job in this process (when no worker is running)."""
    if not can_see_job(actor, job):
        raise PermissionDenied(_("You cannot import this file."))
    if job.status == ImportStatus.UPLOADED:
        run_validation(str(job.pk))
    elif job.status == ImportStatus.IMPORTING and job.step_started_at is None:
        run_commit(str(job.pk))
