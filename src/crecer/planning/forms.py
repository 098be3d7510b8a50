"""Forms: they parse what was typed; the rules are checked again by the actions, whose
`ValidationError`s are shown on the same form (`show_errors`)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import template as tpl
from .models import (
    ActionStatus,
    Criticality,
    Horizon,
    Impact,
    Likelihood,
    Moment,
    OpportunityStatus,
    ProjectStage,
    RiskCategory,
    RiskStatus,
)

DATE = {"widget": forms.DateInput(attrs={"type": "date"})}


def show_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put an action's errors on the form: on the field they name, else on the whole form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for e in errors:
                form.add_error(field if field in form.fields else None, e.messages)
    else:
        form.add_error(None, exc.messages)


def unit_choices(units) -> list[tuple[str, str]]:
    return [(str(u.pk), ("· " * u.depth) + u.name) for u in units]


class UnitForm(forms.Form):
    territory = forms.TypedChoiceField(label=_("Territory"), coerce=int)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["territory"].choices = unit_choices(units)


class CycleForm(UnitForm):
    name = forms.CharField(label=_("Name"), max_length=120,
                           help_text=_("For example “RIL 2026”."))
    starts_on = forms.DateField(label=_("Start"), **DATE)
    ends_on = forms.DateField(label=_("End"), required=False,
                              help_text=_("Blank: seven months after the start."), **DATE)


class StageForm(forms.Form):
    planned_start = forms.DateField(label=_("Start"), **DATE)
    planned_end = forms.DateField(label=_("End"), **DATE)
    completed_on = forms.DateField(label=_("Completed on"), required=False, **DATE)
    note = forms.CharField(label=_("Note"), max_length=255, required=False)


class DiagnosisForm(forms.Form):
    """One radio group (the scale) and one comment per question of the template."""

    assessed_on = forms.DateField(label=_("Date of the diagnosis"), **DATE)
    participants = forms.CharField(label=_("Participants"), max_length=255, required=False)
    notes = forms.CharField(label=_("Notes"), required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, template: tpl.Template, **kwargs):
        super().__init__(*args, **kwargs)
        self.template = template
        choices = [("", _("not answered"))] + [
            (str(lv.value), f"{lv.value} · {lv.label()}") for lv in template.levels]
        for d in template.dimensions:
            for q in d.questions:
                self.fields[f"q-{q.code}"] = forms.ChoiceField(
                    label=q.text(), choices=choices, required=False, widget=forms.RadioSelect)
                self.fields[f"c-{q.code}"] = forms.CharField(
                    label=_("Comment"), max_length=500, required=False)

    def sections(self):
        """(dimension, [(question, score field, comment field)]) for the template."""
        for d in self.template.dimensions:
            yield d, [(q, self[f"q-{q.code}"], self[f"c-{q.code}"]) for q in d.questions]

    def scores(self) -> dict[str, str]:
        return {q: self.cleaned_data.get(f"q-{q}", "") for q in self.template.questions}

    def comments(self) -> dict[str, str]:
        return {q: self.cleaned_data.get(f"c-{q}", "") for q in self.template.questions}


class OpportunityForm(forms.Form):
    title = forms.CharField(label=_("Opportunity"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    dimension = forms.ChoiceField(label=_("Dimension"), required=False)
    criticality = forms.TypedChoiceField(label=_("Criticality"), choices=Criticality.choices,
                                         coerce=int)
    horizon = forms.TypedChoiceField(label=_("Horizon"), choices=Horizon.choices, coerce=int)

    def __init__(self, *args, template: tpl.Template, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dimension"].choices = [("", "—")] + [
            (d.code, d.label()) for d in template.dimensions]


class OpportunityUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=OpportunityStatus.choices)
    criticality = forms.TypedChoiceField(label=_("Criticality"), choices=Criticality.choices,
                                         coerce=int)
    horizon = forms.TypedChoiceField(label=_("Horizon"), choices=Horizon.choices, coerce=int)


class ObjectiveForm(forms.Form):
    title = forms.CharField(label=_("Objective"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    horizon = forms.TypedChoiceField(label=_("Horizon"), choices=Horizon.choices, coerce=int,
                                     initial=Horizon.MEDIUM)
    opportunity = forms.ChoiceField(label=_("Opportunity it addresses"), required=False)

    def __init__(self, *args, opportunities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["opportunity"].choices = [("", "—")] + [
            (str(o.pk), o.title) for o in opportunities]


class MetricForm(forms.Form):
    indicator = forms.ChoiceField(label=_("Indicator"))
    baseline = forms.FloatField(label=_("Baseline"))
    baseline_period = forms.CharField(label=_("Baseline period"), max_length=8, required=False,
                                      help_text=_("202603, 2026Q1, 2026S1 or 2026"))
    target = forms.FloatField(label=_("Target"))
    target_period = forms.CharField(label=_("Target period"), max_length=8,
                                    help_text=_("202603, 2026Q1, 2026S1 or 2026"))

    def __init__(self, *args, indicators=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = [(i.code, f"{i.code} · {i.label()}")
                                            for i in indicators]


class ActionForm(forms.Form):
    title = forms.CharField(label=_("Action"), max_length=200)
    owner = forms.CharField(label=_("Owner"), max_length=150)
    starts_on = forms.DateField(label=_("Start"), **DATE)
    ends_on = forms.DateField(label=_("End"), **DATE)
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices,
                               initial=ActionStatus.PLANNED)


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices)
    note = forms.CharField(label=_("Note"), max_length=255, required=False)


class ProjectForm(forms.Form):
    title = forms.CharField(label=_("Project"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    mentors = forms.CharField(label=_("Mentors"), max_length=255, required=False)
    stage = forms.ChoiceField(label=_("Stage"), choices=ProjectStage.choices,
                              initial=ProjectStage.IDEA)
    opportunity = forms.ChoiceField(label=_("Opportunity it addresses"), required=False)

    def __init__(self, *args, opportunities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["opportunity"].choices = [("", "—")] + [
            (str(o.pk), o.title) for o in opportunities]


class ProjectStageForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), choices=ProjectStage.choices)


class RoundForm(UnitForm):
    name = forms.CharField(label=_("Name"), max_length=120,
                           help_text=_("For example “Biannual evaluation 2026”."))
    year = forms.IntegerField(label=_("Year of the results"), min_value=2000, max_value=2100)
    baseline_on = forms.DateField(label=_("Baseline date"), **DATE)
    follow_up_on = forms.DateField(label=_("Follow-up date"), **DATE)
    notes = forms.CharField(label=_("Notes"), required=False,
                            widget=forms.Textarea(attrs={"rows": 2}))


class ScoreForm(forms.Form):
    person = forms.UUIDField(label=_("Caregiver"),
                             widget=forms.Select())
    moment = forms.ChoiceField(label=_("Moment"), choices=Moment.choices)
    score = forms.CharField(label=_("Score (0-100)"), max_length=8)
    assessed_on = forms.DateField(label=_("Assessed on"), **DATE)

    def __init__(self, *args, caregivers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].widget.choices = [("", "—")] + [
            (str(p.pk), p.full_name) for p in caregivers]
        self.fields["assessed_on"].initial = timezone.localdate()


class ImportForm(forms.Form):
    file = forms.FileField(label=_("File (CSV or Excel)"))


class FindingForm(forms.Form):
    title = forms.CharField(label=_("Finding"), max_length=200)
    summary = forms.CharField(label=_("Summary"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))
    published_on = forms.DateField(label=_("Published on"), **DATE)
    file = forms.FileField(label=_("Report (PDF, Word, Excel…)"), required=False)


class RiskForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=RiskCategory.choices)
    title = forms.CharField(label=_("Risk"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    likelihood = forms.TypedChoiceField(label=_("Likelihood"), choices=Likelihood.choices,
                                        coerce=int)
    impact = forms.TypedChoiceField(label=_("Impact"), choices=Impact.choices, coerce=int)
    mitigation = forms.CharField(label=_("Mitigation"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 2}))
    owner = forms.CharField(label=_("Owner"), max_length=150, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=RiskStatus.choices,
                               initial=RiskStatus.OPEN)
    review_on = forms.DateField(label=_("Next review"), required=False, **DATE)


class NewRiskForm(UnitForm, RiskForm):
    pass
