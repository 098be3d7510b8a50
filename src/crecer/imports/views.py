"""Thin pages over `actions` and `queries`: upload and check, report and progress, commit.

Users who may not import get 403 on the upload page; a job outside what the user may see is
404. Refused files come back to the form with status 400 and the reason, never a 500.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crecer.accounts import policies

from . import actions, queries, reader, template
from .columns import COLUMNS
from .forms import CommitForm, UploadForm

WAIT_HINT_SECONDS = 10  # after this long in the queue, offer to run the step in the page
UPLOAD_SLACK = 64 * 1024  # multipart overhead allowed above the file size limit


@login_required
@require_http_methods(["GET", "POST"])
def index(request):
    user = request.user
    if not policies.can_import(user):
        raise PermissionDenied(_("You cannot import files."))
    status, refusal = 200, ""
    if request.method == "POST":
        # Refuse an oversized upload from its announced length, before reading the body.
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if length > reader.max_bytes() + UPLOAD_SLACK:
            form, refusal, status = UploadForm(), reader.too_big_message(), 400
        else:
            form = UploadForm(request.POST, request.FILES)
            if form.is_valid():
                try:
                    job = actions.start_import(actor=user, upload=form.cleaned_data["file"],
                                               language=request.LANGUAGE_CODE)
                except reader.Refused as exc:
                    form.add_error("file", str(exc))
                except PermissionDenied as exc:
                    form.add_error(None, str(exc))
                else:
                    return redirect("imports:job", pk=job.pk)
            status = 400
    else:
        form = UploadForm()
    jobs = queries.jobs_for(user).order_by("-created_at")[:50]
    return render(request, "imports/index.html",
                  {"form": form, "refusal": refusal, "jobs": jobs, "columns": COLUMNS,
                   "max_mb": reader.megabytes(reader.max_bytes()), "max_rows": reader.max_rows()},
                  status=status)


@login_required
@require_GET
def template_xlsx(request):
    response = HttpResponse(
        template.template_xlsx(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="crecer-households-template.xlsx"'
    return response


@login_required
@require_GET
def template_csv(request):
    response = HttpResponse(template.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="crecer-households-template.csv"'
    return response


def _job_context(job, **extra):
    waiting = actions.is_waiting(job) and (
        timezone.now() - job.updated_at).total_seconds() > WAIT_HINT_SECONDS
    report = job.report or {}
    return {"job": job, "report": report, "problems": report.get("problems", []),
            "waiting": waiting, "commit_form": extra.pop("commit_form", None) or CommitForm(),
            **extra}


@login_required
@require_GET
def job_detail(request, pk):
    job = queries.job_for(request.user, pk)
    return render(request, "imports/job.html", _job_context(job))


@login_required
@require_GET
def job_status(request, pk):
    """The job's body alone: polled every second by HTMX while the job runs."""
    job = queries.job_for(request.user, pk)
    return render(request, "imports/_job.html", _job_context(job))


@login_required
@require_POST
def job_commit(request, pk):
    job = queries.job_for(request.user, pk)
    form = CommitForm(request.POST)
    form.is_valid()
    try:
        actions.request_commit(actor=request.user, job=job,
                               skip_duplicates=form.cleaned_data.get("skip_duplicates", False))
    except (actions.NotReady, PermissionDenied) as exc:
        return render(request, "imports/job.html",
                      _job_context(job, commit_form=form, refusal=str(exc)), status=400)
    return redirect("imports:job", pk=job.pk)


@login_required
@require_POST
def job_run(request, pk):
    """Run a queued step here, for installations without a running worker."""
    job = queries.job_for(request.user, pk)
    try:
        actions.run_pending(actor=request.user, job=job)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect("imports:job", pk=job.pk)
