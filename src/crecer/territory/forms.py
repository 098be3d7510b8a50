from django import forms
from django.utils.translation import gettext_lazy as _

FILE_KINDS = [
    ("tree", _("Tree of units (CSV)")),
    ("population", _("Population estimates (CSV)")),
    ("boundaries", _("Boundaries and points (GeoJSON)")),
]


class UploadForm(forms.Form):
    kind = forms.ChoiceField(choices=FILE_KINDS, widget=forms.HiddenInput)
    file = forms.FileField(label=_("File"))
    dry_run = forms.BooleanField(label=_("Only check the file, save nothing"), required=False)
