"""Forms of the referral pages: they collect values; the rules are in `actions.py`."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from crecer.territory.models import OrgUnit

from .models import DUE_DAYS, ReasonCode, Urgency

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ServiceChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: OrgUnit) -> str:
        sector = obj.get_sector_display() if obj.sector else ""
        return f"{obj.name} ({sector})" if sector else obj.name


class ReferralForm(forms.Form):
    to_service = ServiceChoice(label=_("Service"), queryset=OrgUnit.objects.none(),
                               empty_label=_("Choose a service"))
    reason_code = forms.ChoiceField(label=_("Reason"), choices=ReasonCode.choices)
    reason = forms.CharField(label=_("Details"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices,
                                initial=Urgency.ROUTINE,
                                help_text=_("Due the same day (emergency), in %(p)d days "
                                            "(priority) or in %(r)d days (routine).") % {
                                    "p": DUE_DAYS[Urgency.PRIORITY],
                                    "r": DUE_DAYS[Urgency.ROUTINE]})
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DATE,
                               help_text=_("Leave empty to take the default for the urgency."))

    def __init__(self, *args, services, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_service"].queryset = services

    def add_rule_errors(self, exc: ValidationError) -> None:
        for field, messages in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
            self.add_error(field if field in self.fields else None, messages)


class CounterReferralForm(forms.Form):
    what_was_done = forms.CharField(label=_("What was done"), max_length=2000,
                                    widget=forms.Textarea(attrs={"rows": 3}))
    follow_up_advice = forms.CharField(label=_("Follow-up advice"), required=False,
                                       max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    attended_at = forms.DateTimeField(label=_("Attended at"), required=False,
                                      widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                      help_text=_("Leave empty for now."))
    attended_by_name = forms.CharField(label=_("Attended by"), required=False, max_length=200,
                                       help_text=_("The professional, if not you."))

    add_rule_errors = ReferralForm.add_rule_errors


class RejectForm(forms.Form):
    rejection_reason = forms.CharField(label=_("Why it is rejected"), max_length=2000,
                                       widget=forms.Textarea(attrs={"rows": 2}))

    add_rule_errors = ReferralForm.add_rule_errors
