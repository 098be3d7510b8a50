"""Scale-up: phase models (configuration), each territory's phase and its history, and the
decisions that move a territory from one phase to the next.

    PhaseModel ──< Phase ──< GateCriterion       configuration (presets in data/*.toml,
                                                 editable in the admin)
    OrgUnit × PhaseModel ──< TerritoryPhase      the history: one row per phase a territory
                                                 has been in; the open one is the current one
    OrgUnit × PhaseModel ──< PhaseDecision       advance / hold / revert, with who, when, why
                                                 and a frozen copy of the gate check

A phase's criteria are its *exit gate*: what must hold for the territory to leave the phase for
the next one (for the last phase: what "complete" means).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from crecer.territory.models import OrgUnit


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _pick(obj, name: str) -> str:
    """The Spanish field `name` or, in English when filled, `name_en`."""
    english = getattr(obj, f"{name}_en", "")
    return english if _english() and english else getattr(obj, name)


class PhaseModel(models.Model):
    """A scale-up model: an ordered list of phases applied to territories of some levels."""

    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    # Level codes (territory.Level.code) of the territories that go through the phases.
    levels = models.JSONField(default=list)
    source = models.CharField(max_length=255, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)
    # "preset" when loaded from data/*.toml, "admin" when edited in the admin (kept by
    # `load-models` unless --overwrite).
    origin = models.CharField(max_length=10, default="admin")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """Names are data: Spanish in `name`, English in `name_en`, picked by language."""
        return _pick(self, "name")

    @property
    def description_label(self) -> str:
        return _pick(self, "description")

    def clean(self) -> None:
        levels = self.levels
        if not isinstance(levels, list) or not levels or not all(
                isinstance(x, str) and x for x in levels):
            raise ValidationError({"levels": _("Give a list of level codes, for example "
                                               "[\"municipality\"].")})


class Phase(models.Model):
    model = models.ForeignKey(PhaseModel, on_delete=models.CASCADE, related_name="phases")
    position = models.PositiveSmallIntegerField()  # 1, 2, 3… in the model's order
    code = models.SlugField(max_length=64)
    name = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100, blank=True)
    description = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    coverage = models.CharField(max_length=200, blank=True)  # "pilot municipalities"…
    # Share of the costs the government is expected to assume in this phase (%).
    government_share = models.FloatField(null=True, blank=True)
    # Calendar of the phase, in months counted from the territory's start of the model
    # (MAS-BIENESTAR: planning ends by month 2-3, operation by month 12…); blank: no calendar.
    ends_month_min = models.PositiveSmallIntegerField(null=True, blank=True)
    ends_month_max = models.PositiveSmallIntegerField(null=True, blank=True)
    milestones = models.JSONField(default=list, blank=True)  # list of texts (Spanish)
    milestones_en = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["model", "position"]
        constraints = [
            models.UniqueConstraint(fields=["model", "code"], name="scaleup_phase_code"),
            models.UniqueConstraint(fields=["model", "position"], name="scaleup_phase_position"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """Names are data: Spanish in `name`, English in `name_en`, picked by language."""
        return _pick(self, "name")

    @property
    def description_label(self) -> str:
        return _pick(self, "description")

    @property
    def milestone_labels(self) -> list[str]:
        return list(self.milestones_en if _english() and self.milestones_en
                    else self.milestones)

    def clean(self) -> None:
        errors = {}
        for name in ("milestones", "milestones_en"):
            value = getattr(self, name)
            if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
                errors[name] = _("Give a list of texts.")
        share = self.government_share
        if share is not None and not 0 <= share <= 100:
            errors["government_share"] = _("A share of costs is between 0 and 100 %.")
        low, high = self.ends_month_min, self.ends_month_max
        if low is not None and high is not None and low > high:
            errors["ends_month_max"] = _("The latest month cannot be before the earliest one.")
        if errors:
            raise ValidationError(errors)


class Comparison(models.TextChoices):
    AT_LEAST = ">=", "≥"
    AT_MOST = "<=", "≤"
    ABOVE = ">", ">"
    BELOW = "<", "<"
    EQUAL = "=", "="


class GateCriterion(models.Model):
    """One condition of a phase's exit gate: indicator ⋚ threshold."""

    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField(default=0)
    indicator = models.SlugField(max_length=64)  # an indicator code of the catalogue
    comparison = models.CharField(max_length=2, choices=Comparison.choices)
    threshold = models.FloatField()
    note = models.CharField(max_length=255, blank=True)
    note_en = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["phase", "position", "id"]

    def __str__(self) -> str:
        return f"{self.indicator} {self.comparison} {self.threshold:g}"

    @property
    def note_label(self) -> str:
        return _pick(self, "note")

    def clean(self) -> None:
        from .presets import known_indicators

        errors = {}
        if self.indicator and self.indicator not in known_indicators():
            errors["indicator"] = _("'%(code)s' is not an indicator of the catalogue.") % {
                "code": self.indicator}
        if self.comparison not in Comparison.values:
            errors["comparison"] = _("'%(value)s' is not a comparison; use one of: "
                                     "%(choices)s.") % {"value": self.comparison,
                                                        "choices": ", ".join(Comparison.values)}
        if errors:
            raise ValidationError(errors)


class TerritoryPhase(models.Model):
    """A territory in a phase of a model from `since` until `until` (open: the current one)."""

    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    model = models.ForeignKey(PhaseModel, on_delete=models.PROTECT, related_name="+")
    phase = models.ForeignKey(Phase, on_delete=models.PROTECT, related_name="+")
    since = models.DateField()
    until = models.DateField(null=True, blank=True)
    # The decision that opened this phase (none for phases placed by an import or the demo).
    decision = models.ForeignKey("PhaseDecision", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["unit", "model", "since", "id"]
        constraints = [models.UniqueConstraint(
            fields=["unit", "model"], condition=models.Q(until__isnull=True),
            name="scaleup_one_current_phase")]
        indexes = [models.Index(fields=["model", "until"])]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.phase_id} {self.since}–{self.until or ''}"


class Decision(models.TextChoices):
    ADVANCE = "advance", _("advance to the next phase")
    HOLD = "hold", _("hold in the current phase")
    REVERT = "revert", _("go back to the previous phase")


class PhaseDecision(models.Model):
    """Who decided what for a territory, when and why, with the gate check as it stood then
    (`evidence`: the frozen criteria, values, periods, numerators and denominators)."""

    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    model = models.ForeignKey(PhaseModel, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=8, choices=Decision.choices)
    from_phase = models.ForeignKey(Phase, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    to_phase = models.ForeignKey(Phase, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    comment = models.TextField()
    effective_on = models.DateField()
    gate_status = models.CharField(max_length=12, blank=True)  # met / not_met / incomplete…
    evidence = models.JSONField(default=dict, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_by_name = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-decided_at", "-id"]
        indexes = [models.Index(fields=["unit", "model", "decided_at"])]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.decision} {self.decided_at:%Y-%m-%d}"
