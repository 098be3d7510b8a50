"""The RIL cycle of a city (stages, maturity diagnosis, improvement opportunities, objectives
with metrics, actions, co-designed projects), evaluation rounds with parenting-scale scores and
published findings, and the risk register. Every row hangs from a territory (directly or through
its cycle or round), which is how scope is applied."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crecer.core.models import BaseModel
from crecer.core.uploads import StoredFileFields
from crecer.territory.models import OrgUnit

# --- the cycle ---------------------------------------------------------------------------------


class Stage(models.TextChoices):
    """The stages of a RIL cycle (seeds/003, "Hoja de ruta"), in order."""

    TEAM = "team", _("team and roles")
    DIAGNOSIS = "diagnosis", _("diagnosis")
    PRIORITISATION = "prioritisation", _("prioritisation")
    PLANNING = "planning", _("planning and data")
    CO_DESIGN = "co_design", _("co-design")
    IMPLEMENTATION = "implementation", _("implementation")
    EVALUATION = "evaluation", _("evaluation")


class Cycle(BaseModel):
    """One city's (or municipality's) pass through the RIL cycle, for example "RIL 2026"."""

    territory = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120)
    starts_on = models.DateField()
    ends_on = models.DateField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-starts_on", "name"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "name"], name="planning_cycle_unique"),
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")),
                                   name="planning_cycle_dates"),
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.territory}"


class StageState(models.TextChoices):
    DONE = "done", _("done")
    LATE = "late", _("late")
    CURRENT = "current", _("in progress")
    UPCOMING = "upcoming", _("upcoming")


class CycleStage(BaseModel):
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="stages")
    stage = models.CharField(max_length=16, choices=Stage.choices)
    position = models.PositiveSmallIntegerField()
    planned_start = models.DateField()
    planned_end = models.DateField()
    completed_on = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "stage"], name="planning_stage_unique"),
            models.CheckConstraint(condition=models.Q(planned_end__gte=models.F("planned_start")),
                                   name="planning_stage_dates"),
        ]

    def __str__(self) -> str:
        return self.get_stage_display()

    def state(self, today: dt.date) -> str:
        if self.completed_on:
            return StageState.DONE
        if today > self.planned_end:
            return StageState.LATE
        if today >= self.planned_start:
            return StageState.CURRENT
        return StageState.UPCOMING


# --- diagnosis -----------------------------------------------------------------------------------


class Diagnosis(BaseModel):
    """The maturity questionnaire answered for a cycle (one per cycle)."""

    cycle = models.OneToOneField(Cycle, on_delete=models.CASCADE, related_name="diagnosis")
    template = models.CharField(max_length=64)
    template_version = models.PositiveSmallIntegerField()
    assessed_on = models.DateField()
    participants = models.CharField(max_length=255, blank=True)
    notes = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.template} v{self.template_version} · {self.cycle}"


class Answer(BaseModel):
    """The score given to one question; `dimension` is copied from the template so that the
    scores per dimension are one grouped query."""

    diagnosis = models.ForeignKey(Diagnosis, on_delete=models.CASCADE, related_name="answers")
    dimension = models.CharField(max_length=32)
    question = models.CharField(max_length=64)
    score = models.PositiveSmallIntegerField()
    comment = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["diagnosis", "question"],
                                               name="planning_answer_unique")]

    def __str__(self) -> str:
        return f"{self.question}: {self.score}"


class Criticality(models.IntegerChoices):
    HIGH = 3, _("high")
    MEDIUM = 2, _("medium")
    LOW = 1, _("low")


class Horizon(models.IntegerChoices):
    SHORT = 1, _("short term")
    MEDIUM = 2, _("medium term")
    LONG = 3, _("long term")


class OpportunityStatus(models.TextChoices):
    SUGGESTED = "suggested", _("suggested")
    CONFIRMED = "confirmed", _("confirmed")
    DISCARDED = "discarded", _("discarded")


class Opportunity(BaseModel):
    """An improvement opportunity, ranked by criticality (high first) then horizon (short
    first). Generated ones start as suggestions that the team confirms or discards."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="opportunities")
    dimension = models.CharField(max_length=32, blank=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    criticality = models.PositiveSmallIntegerField(choices=Criticality.choices)
    horizon = models.PositiveSmallIntegerField(choices=Horizon.choices)
    status = models.CharField(max_length=10, choices=OpportunityStatus.choices,
                              default=OpportunityStatus.CONFIRMED)
    generated = models.BooleanField(default=False)

    class Meta:
        ordering = ["-criticality", "horizon", "title"]

    def __str__(self) -> str:
        return self.title


# --- the action plan -------------------------------------------------------------------------------


class Objective(BaseModel):
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="objectives")
    opportunity = models.ForeignKey(Opportunity, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="objectives")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    horizon = models.PositiveSmallIntegerField(choices=Horizon.choices, default=Horizon.MEDIUM)

    class Meta:
        ordering = ["horizon", "title"]

    def __str__(self) -> str:
        return self.title


class Metric(BaseModel):
    """How an objective is measured: an indicator of the catalogue with its baseline and
    target; the current value is read from the indicator engine for the cycle's territory."""

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="metrics")
    indicator = models.ForeignKey("indicators.Indicator", on_delete=models.PROTECT,
                                  related_name="+")
    baseline = models.FloatField()
    baseline_period = models.CharField(max_length=8, blank=True)
    target = models.FloatField()
    target_period = models.CharField(max_length=8)

    def __str__(self) -> str:
        return f"{self.indicator_id}: {self.baseline} → {self.target}"


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    IN_PROGRESS = "in_progress", _("in progress")
    BLOCKED = "blocked", _("blocked")
    DONE = "done", _("done")
    CANCELLED = "cancelled", _("cancelled")


OPEN_ACTION = [ActionStatus.PLANNED, ActionStatus.IN_PROGRESS, ActionStatus.BLOCKED]


class PlanAction(BaseModel):
    """An action of the plan. Late: still open after its end date."""

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(max_length=200)
    owner = models.CharField(max_length=150)
    starts_on = models.DateField()
    ends_on = models.DateField()
    status = models.CharField(max_length=12, choices=ActionStatus.choices,
                              default=ActionStatus.PLANNED)
    completed_on = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["ends_on", "title"]
        constraints = [models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")),
                                              name="planning_action_dates")]
        indexes = [models.Index(fields=["status", "ends_on"])]

    def __str__(self) -> str:
        return self.title

    def is_late(self, today: dt.date) -> bool:
        return self.status in OPEN_ACTION and self.ends_on < today


class ProjectStage(models.TextChoices):
    IDEA = "idea", _("idea")
    PROTOTYPE = "prototype", _("prototype")
    PILOT = "pilot", _("pilot")
    SCALED = "scaled", _("scaled")


class Project(BaseModel):
    """A project co-designed with mentors to address a prioritised opportunity."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="projects")
    opportunity = models.ForeignKey(Opportunity, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="projects")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    mentors = models.CharField(max_length=255, blank=True)
    stage = models.CharField(max_length=10, choices=ProjectStage.choices,
                             default=ProjectStage.IDEA)
    stage_since = models.DateField()

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


# --- evaluation rounds ----------------------------------------------------------------------------

SCALE_MIN, SCALE_MAX = 0, 100  # the parenting-practices scale (as the aggregates' elements)


class Moment(models.TextChoices):
    BASELINE = "baseline", _("baseline")
    FOLLOW_UP = "follow_up", _("follow-up")


class EvaluationRound(BaseModel):
    """An evaluation round of a territory (the Honduras model evaluates every two years): the
    parenting-practices scale of its caregivers at baseline and at follow-up."""

    territory = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120)
    year = models.PositiveSmallIntegerField()
    baseline_on = models.DateField()
    follow_up_on = models.DateField()
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-year", "name"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "name"], name="planning_round_unique"),
            models.CheckConstraint(condition=models.Q(follow_up_on__gt=models.F("baseline_on")),
                                   name="planning_round_dates"),
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.territory}"


class ScaleScore(BaseModel):
    """A caregiver's parenting-practices score (0-100) at one moment of a round. Personal
    data: read through scoped queries, written by audited actions."""

    round = models.ForeignKey(EvaluationRound, on_delete=models.CASCADE, related_name="scores")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    moment = models.CharField(max_length=10, choices=Moment.choices)
    score = models.DecimalField(max_digits=5, decimal_places=1)
    assessed_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "person", "moment"],
                                    name="planning_score_unique"),
            models.CheckConstraint(condition=models.Q(score__gte=SCALE_MIN, score__lte=SCALE_MAX),
                                   name="planning_score_range"),
        ]
        indexes = [models.Index(fields=["round", "moment"])]

    def __str__(self) -> str:
        return f"{self.person_id} {self.moment}: {self.score}"


class Finding(StoredFileFields, BaseModel):
    """A published finding of a round, with its report attached (checked and stored by
    `crecer.core.uploads`; the file fields are empty when there is no report)."""

    round = models.ForeignKey(EvaluationRound, on_delete=models.CASCADE, related_name="findings")
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    published_on = models.DateField()

    class Meta:
        ordering = ["-published_on", "title"]

    def __str__(self) -> str:
        return self.title

    @property
    def has_file(self) -> bool:
        return bool(self.file_name)


# --- risks -----------------------------------------------------------------------------------


class RiskCategory(models.TextChoices):
    """Risks named by the seeds (insecurity, over-centralisation, staff turnover) and others."""

    INSECURITY = "insecurity", _("insecurity")
    OVER_CENTRALISATION = "over_centralisation", _("over-centralisation")
    STAFF_TURNOVER = "staff_turnover", _("staff turnover")
    FUNDING = "funding", _("funding")
    POLITICAL_CHANGE = "political_change", _("change of government")
    PARTICIPATION = "participation", _("low community participation")
    SUPPLY = "supply", _("supplies and logistics")
    DATA = "data", _("data and information systems")
    OTHER = "other", _("other")


class Likelihood(models.IntegerChoices):
    RARE = 1, _("rare")
    UNLIKELY = 2, _("unlikely")
    POSSIBLE = 3, _("possible")
    LIKELY = 4, _("likely")
    ALMOST_CERTAIN = 5, _("almost certain")


class Impact(models.IntegerChoices):
    MINIMAL = 1, _("minimal")
    MINOR = 2, _("minor")
    MODERATE = 3, _("moderate")
    MAJOR = 4, _("major")
    SEVERE = 5, _("severe")


class RiskStatus(models.TextChoices):
    OPEN = "open", _("open")
    MITIGATING = "mitigating", _("being mitigated")
    CLOSED = "closed", _("closed")


class Risk(BaseModel):
    """A risk of a territory; its level is likelihood × impact (1-25)."""

    territory = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=24, choices=RiskCategory.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    likelihood = models.PositiveSmallIntegerField(choices=Likelihood.choices)
    impact = models.PositiveSmallIntegerField(choices=Impact.choices)
    mitigation = models.TextField(blank=True)
    owner = models.CharField(max_length=150, blank=True)
    status = models.CharField(max_length=10, choices=RiskStatus.choices, default=RiskStatus.OPEN)
    review_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    @property
    def level(self) -> int:
        return self.likelihood * self.impact
