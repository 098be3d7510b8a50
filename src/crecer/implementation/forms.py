"""Forms of the implementation pages: they only parse input (dates, choices limited to what the
user may pick); the rules are checked by `actions`. Files are read from `request.FILES` by the
views (several per field) and checked by `crecer.core.uploads` inside the actions."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from crecer.accounts import scope
from crecer.territory.models import Kind

from . import queries
from .actions import FieldError
from .models import AgreementStatus, CommitteeKind, Meeting, Member, StepStatus

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def add_errors(form: forms.Form, errors: list[FieldError]) -> None:
    """Put the actions' errors on the form's fields (or on the form when it has no such field)."""
    for e in errors:
        if e.field in form.fields:
            form.add_error(e.field, e.message)
        else:
            form.add_error(None, str(e))


def _owner_field(label) -> forms.ModelChoiceField:
    """A choice of users; the page sets the queryset to those working in the territory."""
    return forms.ModelChoiceField(label=label, required=False,
                                  queryset=get_user_model().objects.none(), empty_label="—")


class StepForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=StepStatus.choices)
    owner = _owner_field(_("Owner"))
    owner_text = forms.CharField(label=_("Owner (other)"), required=False, max_length=200,
                                 help_text=_("A person or office that does not use Crecer."))
    due_date = forms.DateField(label=_("Due date"), widget=DATE)
    comment = forms.CharField(label=_("Comment"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, step, **kwargs):
        initial = {"status": step.status, "owner": step.owner_id, "owner_text": step.owner_text,
                   "due_date": step.due_date}
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["owner"].queryset = queries.owner_choices(step.territory)


class CommitteeForm(forms.Form):
    territory = forms.IntegerField(label=_("Territory"), widget=forms.Select)
    kind = forms.ChoiceField(label=_("Kind"), choices=CommitteeKind.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    purpose = forms.CharField(label=_("Purpose"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        units = scope.units_for(user).filter(kind=Kind.AREA).order_by("path")
        self.fields["territory"].widget.choices = [
            (u.pk, f"{'· ' * u.depth}{u.name}") for u in units[:2000]]


class MemberForm(forms.Form):
    user = _owner_field(_("User of Crecer"))
    person_name = forms.CharField(label=_("Name"), required=False, max_length=200,
                                  help_text=_("For members who do not use Crecer."))
    position = forms.CharField(label=_("Position"), max_length=200)
    institution = forms.CharField(label=_("Institution"), required=False, max_length=200)
    start_date = forms.DateField(label=_("Member since"), required=False, widget=DATE)

    def __init__(self, *args, committee, **kwargs):
        super().__init__(*args, prefix="member", **kwargs)
        self.fields["user"].queryset = queries.owner_choices(committee.territory)


class MeetingForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE)
    place = forms.CharField(label=_("Place"), required=False, max_length=200)
    minutes = forms.CharField(label=_("Minutes"), required=False,
                              widget=forms.Textarea(attrs={"rows": 5}))
    attendees = forms.ModelMultipleChoiceField(label=_("Attendees"), required=False,
                                               queryset=Member.objects.none(),
                                               widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, committee, **kwargs):
        super().__init__(*args, prefix="meeting", **kwargs)
        self.fields["attendees"].queryset = committee.members.filter(end_date__isnull=True)


class AgreementForm(forms.Form):
    text = forms.CharField(label=_("Agreement"), widget=forms.Textarea(attrs={"rows": 3}))
    meeting = forms.ModelChoiceField(label=_("Meeting"), required=False,
                                     queryset=Meeting.objects.none(), empty_label="—")
    owner = _owner_field(_("Owner"))
    owner_text = forms.CharField(label=_("Owner (other)"), required=False, max_length=200)
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DATE)

    def __init__(self, *args, committee, **kwargs):
        super().__init__(*args, prefix="agreement", **kwargs)
        self.fields["meeting"].queryset = committee.meetings.order_by("-date")
        self.fields["owner"].queryset = queries.owner_choices(committee.territory)


class AgreementUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=AgreementStatus.choices)
    note = forms.CharField(label=_("Note"), required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, agreement, **kwargs):
        super().__init__(*args, initial={"status": agreement.status}, **kwargs)
