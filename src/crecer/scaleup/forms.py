from django import forms
from django.utils.translation import gettext_lazy as _

from .actions import MAX_COMMENT
from .models import Decision


class DecisionForm(forms.Form):
    model = forms.SlugField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices,
                                 widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("Why (required)"), max_length=MAX_COMMENT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The reasons of the committee; it is kept with the evidence of the gate."))

    def __init__(self, *args, decisions: list[tuple[str, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if decisions:
            self.fields["decision"].choices = decisions
