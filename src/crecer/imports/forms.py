from django import forms
from django.utils.translation import gettext_lazy as _


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={
            "accept": ".xlsx,.csv,text/csv,application/vnd.openxmlformats-officedocument."
                      "spreadsheetml.sheet"}))


class CommitForm(forms.Form):
    skip_duplicates = forms.BooleanField(
        label=_("Skip the persons that are likely already registered"), required=False)
