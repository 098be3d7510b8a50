"""Implementation checklists (components and steps per territory) and teams and committees
(members, meetings, agreements). No personal data of families: rows are scoped by territory."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from crecer.core.models import BaseModel
from crecer.core.uploads import StoredFileFields
from crecer.territory.models import OrgUnit


def _spanish() -> bool:
    return (get_language() or "").startswith("es")


# --- components and steps ------------------------------------------------------------------------

class Checklist(BaseModel):
    """A template copied into one territory (a state, a zone, a municipality), with the
    territory's start date from which the phases' due dates are counted."""

    territory = models.ForeignKey(OrgUnit, on_delete=models.PROTECT,
                                  related_name="implementation_checklists")
    template_code = models.CharField(max_length=64)
    template_version = models.PositiveSmallIntegerField(default=1)
    name = models.CharField(max_length=200)
    name_es = models.CharField(max_length=200, blank=True)
    start_date = models.DateField()
    # The template's calendar when instantiated: [{"code", "name", "name_es", "ends_month"}].
    phases = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["territory", "template_code"],
                                               name="implementation_checklist_unique")]

    def __str__(self) -> str:
        return f"{self.label} · {self.territory}"

    @property
    def label(self) -> str:
        return self.name_es if self.name_es and _spanish() else self.name

    def phase_label(self, code: str) -> str:
        for p in self.phases:
            if p.get("code") == code:
                return (p.get("name_es") if _spanish() and p.get("name_es") else p.get("name")) \
                    or code
        return code


class Component(BaseModel):
    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="components")
    code = models.CharField(max_length=64)
    number = models.CharField(max_length=8)
    name = models.CharField(max_length=255)
    name_es = models.CharField(max_length=255, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    # Key factors and progression indicators: [{"text", "text_es", "stage"}].
    factors = models.JSONField(default=list, blank=True)
    indicators = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["checklist", "position"]
        constraints = [models.UniqueConstraint(fields=["checklist", "code"],
                                               name="implementation_component_unique")]

    def __str__(self) -> str:
        return f"{self.number}. {self.label}"

    @property
    def label(self) -> str:
        return self.name_es if self.name_es and _spanish() else self.name

    @staticmethod
    def _texts(items: list[dict]) -> list[dict]:
        es = _spanish()
        return [{"label": (i.get("text_es") if es and i.get("text_es") else i.get("text", "")),
                 "stage": i.get("stage", "")} for i in items]

    @property
    def factor_labels(self) -> list[dict]:
        return self._texts(self.factors)

    @property
    def indicator_labels(self) -> list[dict]:
        return self._texts(self.indicators)


class StepStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    IN_PROGRESS = "in_progress", _("in progress")
    DONE = "done", _("done")
    BLOCKED = "blocked", _("blocked")


class Step(BaseModel):
    """One numbered step of a component in one territory. `territory` and `component_code` copy
    the checklist's and the component's, so that roll-ups are one grouped query on this table."""

    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="steps")
    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="steps")
    territory = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    component_code = models.CharField(max_length=64, db_index=True)
    number = models.PositiveSmallIntegerField()
    code = models.CharField(max_length=16)  # "4a.3": the component's number and the step's
    title = models.CharField(max_length=500)
    title_es = models.CharField(max_length=500, blank=True)
    phase = models.CharField(max_length=32)
    due_date = models.DateField()
    status = models.CharField(max_length=16, choices=StepStatus.choices,
                              default=StepStatus.PENDING)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="implementation_steps")
    owner_text = models.CharField(max_length=200, blank=True)
    completed_on = models.DateField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["checklist", "position"]
        constraints = [models.UniqueConstraint(fields=["component", "number"],
                                               name="implementation_step_unique")]
        indexes = [models.Index(fields=["territory", "status"]),
                   models.Index(fields=["due_date", "status"])]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"

    @property
    def label(self) -> str:
        return self.title_es if self.title_es and _spanish() else self.title

    @property
    def owner_label(self) -> str:
        parts = [str(self.owner)] if self.owner_id else []
        if self.owner_text:
            parts.append(self.owner_text)
        return " · ".join(parts)

    def is_late(self, today) -> bool:
        return self.status != StepStatus.DONE and self.due_date < today


class StepComment(BaseModel):
    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(blank=True)
    # The status change made with the comment ("pending → done"), if any.
    status_from = models.CharField(max_length=16, blank=True)
    status_to = models.CharField(max_length=16, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def status_change(self) -> str:
        if not self.status_to:
            return ""
        labels = dict(StepStatus.choices)
        return f"{labels.get(self.status_from, self.status_from)} → " \
               f"{labels.get(self.status_to, self.status_to)}"


class StepEvidence(BaseModel, StoredFileFields):
    """A file attached to a step (stored by crecer.core.uploads, served as a download)."""

    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="evidence")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.original_name


# --- teams and committees ------------------------------------------------------------------------

class CommitteeKind(models.TextChoices):
    MUNICIPAL_COUNCIL = "municipal_council", _("municipal council")
    CENTRAL_COMMITTEE = "central_committee", _("central implementation committee")
    STATE_COMMITTEE = "state_committee", _("state implementation committee")
    REGIONAL_TEAM = "regional_team", _("regional team")
    ZONAL_TEAM = "zonal_team", _("zonal team")
    OTHER = "other", _("other team")


class Committee(BaseModel):
    territory = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="committees")
    kind = models.CharField(max_length=32, choices=CommitteeKind.choices)
    name = models.CharField(max_length=200)
    purpose = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["territory__path", "kind", "name"]

    def __str__(self) -> str:
        return self.name


class Member(BaseModel):
    """A member: a user of Crecer or a named person (many members never log in)."""

    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="committee_memberships")
    person_name = models.CharField(max_length=200, blank=True)
    position = models.CharField(max_length=200)
    institution = models.CharField(max_length=200, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["committee", "end_date", "position"]
        constraints = [models.CheckConstraint(
            condition=Q(user__isnull=False) | ~Q(person_name=""),
            name="implementation_member_user_or_name")]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.position})"

    @property
    def display_name(self) -> str:
        if self.person_name:
            return self.person_name
        return str(self.user) if self.user_id else ""


class Meeting(BaseModel):
    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="meetings")
    date = models.DateField()
    place = models.CharField(max_length=200, blank=True)
    minutes = models.TextField(blank=True)
    attendees = models.ManyToManyField(Member, blank=True, related_name="meetings")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["committee", "-date"]

    def __str__(self) -> str:
        return f"{self.committee} · {self.date:%Y-%m-%d}"


class MeetingFile(BaseModel, StoredFileFields):
    """The minutes (or an annex) of a meeting as a file."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="files")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.original_name


class AgreementStatus(models.TextChoices):
    OPEN = "open", _("open")
    IN_PROGRESS = "in_progress", _("in progress")
    DONE = "done", _("done")
    CANCELLED = "cancelled", _("cancelled")


OPEN_AGREEMENT_STATUSES = (AgreementStatus.OPEN, AgreementStatus.IN_PROGRESS)


class Agreement(BaseModel):
    """An agreement (acuerdo) of a committee, usually taken at a meeting, followed to its end."""

    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="agreements")
    meeting = models.ForeignKey(Meeting, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="agreements")
    number = models.PositiveIntegerField()
    text = models.TextField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="committee_agreements")
    owner_text = models.CharField(max_length=200, blank=True)
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=AgreementStatus.choices,
                              default=AgreementStatus.OPEN)
    completed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["committee", "number"]
        constraints = [models.UniqueConstraint(fields=["committee", "number"],
                                               name="implementation_agreement_number")]
        indexes = [models.Index(fields=["status", "due_date"])]

    def __str__(self) -> str:
        return f"{self.committee} #{self.number}"

    @property
    def owner_label(self) -> str:
        parts = [str(self.owner)] if self.owner_id else []
        if self.owner_text:
            parts.append(self.owner_text)
        return " · ".join(parts)

    def is_overdue(self, today) -> bool:
        return (self.status in OPEN_AGREEMENT_STATUSES and self.due_date is not None
                and self.due_date < today)


class AgreementUpdate(BaseModel):
    """One follow-up of an agreement: the status it moved to and a note."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    status_from = models.CharField(max_length=16, blank=True)
    status_to = models.CharField(max_length=16, choices=AgreementStatus.choices)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.agreement} → {self.status_to}"
