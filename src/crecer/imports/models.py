"""An uploaded household/person file and what became of it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crecer.core.models import BaseModel
from crecer.territory.models import OrgUnit


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("waiting to be checked")
    VALIDATING = "validating", _("checking")
    VALIDATED = "validated", _("checked")
    FAILED = "failed", _("refused")
    IMPORTING = "importing", _("importing")
    DONE = "done", _("imported")


RUNNING = (ImportStatus.UPLOADED, ImportStatus.VALIDATING, ImportStatus.IMPORTING)


class ImportJob(BaseModel):
    """One uploaded file: checked first (dry run, nothing saved), then imported all at once.

    `territory` is the uploader's scope when she uploaded (the unit that holds all her
    territories): data officers and administrators working there may see the job too.
    `report` holds the counts and every problem found, in the uploader's language
    (`language`). `progress_done / progress_total` count work units of the step running.
    """

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="import_jobs"
    )
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    territory = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(max_length=255)
    # Relative to MEDIA_ROOT ("imports/<id>.xlsx"); emptied when the file is deleted.
    file_path = models.CharField(max_length=255, blank=True)
    file_format = models.CharField(max_length=8)  # "csv" or "xlsx"
    file_size = models.PositiveIntegerField(default=0)
    estimated_rows = models.PositiveIntegerField(default=0)
    language = models.CharField(max_length=8, default="es")
    status = models.CharField(max_length=16, choices=ImportStatus.choices,
                              default=ImportStatus.UPLOADED, db_index=True)
    skip_duplicates = models.BooleanField(default=False)
    # Why the file was refused or the import failed, in the uploader's language.
    message = models.CharField(max_length=500, blank=True)
    report = models.JSONField(default=dict, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    # When the step now queued or running was picked up (None: still waiting for a worker).
    step_started_at = models.DateTimeField(null=True, blank=True)
    validated_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_households = models.PositiveIntegerField(default=0)
    created_persons = models.PositiveIntegerField(default=0)
    skipped_persons = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["uploaded_by", "created_at"])]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.status})"

    @property
    def is_running(self) -> bool:
        return self.status in RUNNING

    @property
    def percent(self) -> int:
        if not self.progress_total:
            return 0
        return min(100, round(100 * self.progress_done / self.progress_total))

    @property
    def counts(self) -> dict:
        return (self.report or {}).get("counts", {})

    @property
    def error_count(self) -> int:
        return int(self.counts.get("errors", 0))

    @property
    def warning_count(self) -> int:
        return int(self.counts.get("warnings", 0))

    @property
    def can_commit(self) -> bool:
        return (self.status == ImportStatus.VALIDATED and bool(self.report)
                and self.error_count == 0 and int(self.counts.get("persons", 0)) > 0)
