"""Workers of the programmes, their curricula and training sessions, and the training cascade.

Every table has `created_at` / `updated_at` (indexed, from `BaseModel`) so that the indicator
engine can extract the rows changed since its last run. Writes go through `actions.py`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crecer.core.models import BaseModel
from crecer.territory.models import OrgUnit


class WorkerKind(models.TextChoices):
    VOLUNTEER = "volunteer", _("community volunteer")
    FACILITATOR = "facilitator", _("facilitator")
    SUPERVISOR = "supervisor", _("supervisor")
    MUNICIPAL_STAFF = "municipal_staff", _("municipal staff")


# Kinds that may give a training session (volunteers are trained, they do not train).
TRAINER_KINDS = (WorkerKind.FACILITATOR, WorkerKind.SUPERVISOR, WorkerKind.MUNICIPAL_STAFF)


class CertificationLevel(models.TextChoices):
    """The certification path of the seeds' career plan (Honduras, pillar 1): a curriculum
    grants a level when a completion of it is certified; a level never goes down."""

    NONE = "none", _("not certified")
    BASIC = "basic", _("basic")
    INTERMEDIATE = "intermediate", _("intermediate")
    ADVANCED = "advanced", _("advanced")


CERTIFICATION_ORDER = {level: n for n, level in enumerate(CertificationLevel.values)}


class CareerStage(models.TextChoices):
    TRAINEE = "trainee", _("in initial training")
    PRACTITIONER = "practitioner", _("practitioner")
    MENTOR = "mentor", _("mentor (trains and accompanies others)")
    COORDINATOR = "coordinator", _("coordinator")


class LeaveReason(models.TextChoices):
    RESIGNED = "resigned", _("resigned")
    MOVED = "moved", _("moved away")
    OTHER_JOB = "other_job", _("took another job")
    END_OF_CONTRACT = "end_of_contract", _("end of contract")
    DISMISSED = "dismissed", _("dismissed")
    HEALTH = "health", _("health or family reasons")
    DECEASED = "deceased", _("deceased")
    OTHER = "other", _("other")


class Institution(BaseModel):
    """Where a worker comes from (health or education secretariat, municipality, community,
    a cooperation agency…). `local` says whether its staff count as local staff for the
    gate "share of workshops given by local staff"."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    local = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Worker(BaseModel):
    """A volunteer, facilitator, supervisor or member of a municipal team.

    One row per engagement: a worker who leaves and comes back later is registered again, so
    that turnover counts the departure. Names are personal data, scoped by `territory`.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="workers")
    given_names = models.CharField(max_length=120)
    surnames = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=WorkerKind.choices)
    institution = models.ForeignKey(Institution, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="workers")
    territory = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="workers")
    start_date = models.DateField()
    leave_date = models.DateField(null=True, blank=True)
    leave_reason = models.CharField(max_length=20, choices=LeaveReason.choices, blank=True)
    certification_level = models.CharField(max_length=16, choices=CertificationLevel.choices,
                                           default=CertificationLevel.NONE)
    career_stage = models.CharField(max_length=16, choices=CareerStage.choices,
                                    default=CareerStage.TRAINEE)

    class Meta:
        ordering = ["surnames", "given_names"]
        indexes = [models.Index(fields=["territory", "kind"]),
                   models.Index(fields=["start_date"]), models.Index(fields=["leave_date"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(leave_date__isnull=True)
                | models.Q(leave_date__gte=models.F("start_date")),
                name="worker_leaves_after_start"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_names} {self.surnames}".strip()

    @property
    def active(self) -> bool:
        return self.leave_date is None


class Curriculum(BaseModel):
    """A training plan: a common core (modules for every kind) plus role-specific modules.

    `for_kinds` lists the worker kinds that follow it; a worker completes it by attending
    every core module and every module for her kind.
    """

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    for_kinds = models.JSONField(default=list)  # list of WorkerKind values
    grants_level = models.CharField(max_length=16, choices=CertificationLevel.choices,
                                    default=CertificationLevel.BASIC)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "curricula"

    def __str__(self) -> str:
        return self.name


class TrainingMode(models.TextChoices):
    IN_PERSON = "in_person", _("in person")
    DIGITAL = "digital", _("digital")


class Module(BaseModel):
    """A module of a curriculum. Core modules (`is_core`) are for every kind of the
    curriculum; a role-specific module names its kind in `for_kind`."""

    curriculum = models.ForeignKey(Curriculum, on_delete=models.PROTECT, related_name="modules")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=200)
    order = models.PositiveSmallIntegerField(default=0)
    is_core = models.BooleanField(default=True)
    for_kind = models.CharField(max_length=20, choices=WorkerKind.choices, blank=True)
    hours = models.DecimalField(max_digits=5, decimal_places=1, default=0)
    mode = models.CharField(max_length=16, choices=TrainingMode.choices,
                            default=TrainingMode.IN_PERSON)  # the usual mode

    class Meta:
        ordering = ["curriculum", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["curriculum", "code"], name="module_code_unique"),
            models.CheckConstraint(
                condition=(models.Q(is_core=True, for_kind="")
                           | (models.Q(is_core=False) & ~models.Q(for_kind=""))),
                name="module_core_or_for_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"


class TrainingSession(BaseModel):
    """A workshop of one module given by a trainer in a territory, in person or digital."""

    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="sessions")
    trainer = models.ForeignKey(Worker, on_delete=models.PROTECT, related_name="sessions_given")
    territory = models.ForeignKey(OrgUnit, on_delete=models.PROTECT,
                                  related_name="training_sessions")
    date = models.DateField()
    mode = models.CharField(max_length=16, choices=TrainingMode.choices,
                            default=TrainingMode.IN_PERSON)
    # Given by local staff (government or municipal institutions): the Honduras gate "share of
    # workshops given by local staff". Set from the trainer's institution unless told.
    trainer_is_local_staff = models.BooleanField(default=False)
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-date", "-created_at"]
        indexes = [models.Index(fields=["territory", "date"]), models.Index(fields=["date"])]

    def __str__(self) -> str:
        return f"{self.date} · {self.module}"


class Attendance(BaseModel):
    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE,
                                related_name="attendances")
    worker = models.ForeignKey(Worker, on_delete=models.PROTECT, related_name="attendances")
    attended = models.BooleanField(default=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)  # 0-100

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "worker"], name="attendance_unique"),
            models.CheckConstraint(condition=models.Q(score__isnull=True)
                                   | models.Q(score__lte=100), name="attendance_score_range"),
        ]
        indexes = [models.Index(fields=["worker", "attended"])]

    def __str__(self) -> str:
        return f"{self.session_id} · {self.worker_id}"


class Completion(BaseModel):
    """A worker attended every module of a curriculum meant for her (derived by
    `actions.derive_completions`); a facilitator or officer may then certify it."""

    worker = models.ForeignKey(Worker, on_delete=models.PROTECT, related_name="completions")
    curriculum = models.ForeignKey(Curriculum, on_delete=models.PROTECT,
                                   related_name="completions")
    completed_on = models.DateField()
    certified = models.BooleanField(default=False)
    certified_on = models.DateField(null=True, blank=True)
    certified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-completed_on"]
        constraints = [
            models.UniqueConstraint(fields=["worker", "curriculum"], name="completion_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.worker_id} · {self.curriculum_id}"
