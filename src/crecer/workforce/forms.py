"""Forms of the workforce pages. They check shapes only; the rules live in `actions`."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crecer.accounts.models import User
from crecer.accounts.scope import units_for

from . import queries
from .models import (
    CareerStage,
    CertificationLevel,
    Institution,
    LeaveReason,
    TrainingMode,
    Worker,
)
from .models import WorkerKind as Kind

DATE = {"type": "date"}


class _RuleErrors:
    def add_rule_errors(self, exc: ValidationError) -> None:
        """Put the errors raised by an action next to their fields (or on top)."""
        if hasattr(exc, "error_dict"):
            for name, errors in exc.message_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, exc.messages)


class WorkerFilterForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=None, required=False, label=_("Territory"),
                                  empty_label=_("all my territories"))
    kind = forms.ChoiceField(required=False, label=_("Kind"))
    status = forms.ChoiceField(required=False, label=_("Status"), choices=[
        ("active", _("active")), ("left", _("left")), ("all", _("all"))])
    level = forms.ChoiceField(required=False, label=_("Certification"))
    q = forms.CharField(required=False, max_length=100, label=_("Name"))

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_for(user).filter(kind="area").order_by("path")
        self.fields["kind"].choices = [("", _("all kinds"))] + list(Kind.choices)
        self.fields["level"].choices = [("", _("all levels"))] + list(CertificationLevel.choices)


class WorkerForm(_RuleErrors, forms.Form):
    given_names = forms.CharField(max_length=120, label=_("Given names"))
    surnames = forms.CharField(max_length=120, label=_("Surnames"))
    kind = forms.ChoiceField(choices=Kind.choices, label=_("Kind"))
    territory = forms.ModelChoiceField(queryset=None, label=_("Territory"))
    institution = forms.ModelChoiceField(queryset=Institution.objects.all(), required=False,
                                         to_field_name="code", label=_("Institution"))
    start_date = forms.DateField(label=_("Start date"), widget=forms.DateInput(attrs=DATE))
    user = forms.ModelChoiceField(queryset=None, required=False, label=_("User account"),
                                  help_text=_("The worker's login, if she has one."))
    certification_level = forms.ChoiceField(choices=CertificationLevel.choices,
                                            initial=CertificationLevel.NONE,
                                            label=_("Certification level"))
    career_stage = forms.ChoiceField(choices=CareerStage.choices, initial=CareerStage.TRAINEE,
                                     label=_("Career stage"))

    def __init__(self, user, *args, **kwargs):
        kwargs.setdefault("initial", {"start_date": timezone.localdate().isoformat()})
        super().__init__(*args, **kwargs)
        units = units_for(user).filter(kind="area")
        self.fields["territory"].queryset = units.order_by("path")
        busy = Worker.objects.filter(user__isnull=False, leave_date__isnull=True)
        self.fields["user"].queryset = (User.objects.filter(territories__in=units)
                                        .exclude(pk__in=busy.values("user_id"))
                                        .distinct().order_by("username"))


class LeaveForm(_RuleErrors, forms.Form):
    leave_date = forms.DateField(label=_("Leave date"), widget=forms.DateInput(attrs=DATE))
    leave_reason = forms.ChoiceField(choices=LeaveReason.choices, label=_("Reason"))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"leave_date": timezone.localdate().isoformat()})
        super().__init__(*args, **kwargs)


class CareerForm(_RuleErrors, forms.Form):
    career_stage = forms.ChoiceField(choices=CareerStage.choices, label=_("Career stage"))


class SessionForm(_RuleErrors, forms.Form):
    """The session and who attended. The attendance list itself is the checkboxes
    `attended` (worker ids) and the optional `score-<worker id>` inputs of the page."""

    territory = forms.ModelChoiceField(queryset=None, label=_("Territory"))
    module = forms.ModelChoiceField(queryset=None, label=_("Module"))
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs=DATE))
    mode = forms.ChoiceField(choices=TrainingMode.choices, initial=TrainingMode.IN_PERSON,
                             label=_("Mode"))
    trainer = forms.ModelChoiceField(queryset=None, label=_("Trainer"))
    notes = forms.CharField(required=False, label=_("Notes"),
                            widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["territory"].queryset = units_for(user).filter(kind="area").order_by("path")
        self.fields["module"].queryset = queries.active_modules()
        self.fields["module"].label_from_instance = (
            lambda m: f"{m.curriculum.code} · {m.order}. {m.name}")
        self.fields["trainer"].queryset = queries.trainers_for(user).order_by(
            "surnames", "given_names")
        self.fields["trainer"].label_from_instance = (
            lambda w: f"{w.full_name} ({w.get_kind_display()}, {w.territory.name})")


class SessionFilterForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=None, required=False, label=_("Territory"),
                                  empty_label=_("all my territories"))
    module = forms.ModelChoiceField(queryset=None, required=False, label=_("Module"),
                                    empty_label=_("all modules"))
    date_from = forms.DateField(required=False, label=_("From"),
                                widget=forms.DateInput(attrs=DATE))
    date_to = forms.DateField(required=False, label=_("To"), widget=forms.DateInput(attrs=DATE))

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_for(user).filter(kind="area").order_by("path")
        self.fields["module"].queryset = queries.active_modules()
