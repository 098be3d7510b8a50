"""Forms of the indicator pages. They check shapes only; the rules (expressions, thresholds,
disaggregations) live in `catalogue.clean_definition`, called by `actions`."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .catalogue import DEFAULTS, FIELDS
from .models import Direction, Indicator, Periodicity, ResultsChain

DIMENSION_LABELS = [("sex", _("sex")), ("age_band", _("age band")),
                    ("area", _("rural / urban area")), ("ethnicity", _("ethnicity")),
                    ("programme", _("programme"))]
_CODE = {"spellcheck": "false", "autocomplete": "off", "class": "code", "rows": 3,
         "style": "font-family:monospace;width:100%"}


class IndicatorForm(forms.Form):
    code = forms.SlugField(max_length=64, label=_("Code"),
                           help_text=_("Lower-case letters, digits and '-' (for example "
                                       "hn-caregiver-registry). It cannot change later."))
    name = forms.CharField(max_length=200, label=_("Name (Spanish)"))
    name_en = forms.CharField(max_length=200, required=False, label=_("Name (English)"))
    short_name = forms.CharField(max_length=80, required=False, label=_("Short name"))
    definition = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}),
                                 label=_("Definition (Spanish)"))
    definition_en = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False,
                                    label=_("Definition (English)"))
    numerator = forms.CharField(widget=forms.Textarea(attrs=_CODE), label=_("Numerator"),
                                help_text=_('For example: count(persons where caregiver)'))
    numerator_label = forms.CharField(max_length=200, required=False,
                                      label=_("What the numerator counts"))
    denominator = forms.CharField(widget=forms.Textarea(attrs=_CODE), required=False,
                                  label=_("Denominator"),
                                  help_text=_("Leave empty for a count or a sum."))
    denominator_label = forms.CharField(max_length=200, required=False,
                                        label=_("What the denominator counts"))
    factor = forms.FloatField(initial=1, label=_("Factor"),
                              help_text=_("value = factor × numerator ÷ denominator (100 for "
                                          "a percentage)."))
    unit = forms.CharField(max_length=32, required=False, label=_("Unit"),
                           help_text=_("%, USD, persons…"))
    decimals = forms.IntegerField(min_value=0, max_value=6, initial=1, label=_("Decimals"))
    periodicity = forms.ChoiceField(choices=Periodicity.choices, initial=Periodicity.MONTH,
                                    label=_("Periodicity"))
    disaggregations = forms.MultipleChoiceField(
        choices=DIMENSION_LABELS, required=False, widget=forms.CheckboxSelectMultiple,
        label=_("Disaggregations"),
        help_text=_("Only those every source of the numerator supports."))
    results_chain = forms.ChoiceField(choices=ResultsChain.choices, label=_("Results chain"))
    programme_group = forms.CharField(max_length=64, required=False,
                                      label=_("Programme group"))
    data_source = forms.CharField(max_length=255, required=False, label=_("Data source"))
    responsible = forms.CharField(max_length=255, required=False, label=_("Responsible"))
    direction = forms.ChoiceField(choices=Direction.choices, initial=Direction.HIGHER,
                                  label=_("Direction"))
    green_at = forms.FloatField(initial=100, label=_("Green at (% of the target)"))
    yellow_at = forms.FloatField(initial=80, label=_("Yellow at (% of the target)"),
                                 help_text=_("When lower is better, yellow is at or above "
                                             "green (for example green 100, yellow 115)."))
    limitations = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False,
                                  label=_("Limitations"))
    field_level = forms.BooleanField(required=False, label=_(
        "Can be split by volunteer (contacts and enrolments only)"))
    active = forms.BooleanField(required=False, initial=True, label=_("Active"))

    def __init__(self, *args, indicator: Indicator | None = None, **kwargs):
        if indicator is not None:
            kwargs.setdefault("initial", {f: getattr(indicator, f) for f in FIELDS})
        super().__init__(*args, **kwargs)
        self.indicator = indicator
        check = reverse("indicators:check")
        for name in ("numerator", "denominator"):  # live check while typing (HTMX)
            self.fields[name].widget.attrs.update({
                "hx-post": f"{check}?field={name}", "hx-trigger": "keyup changed delay:500ms",
                "hx-target": f"#{name}-check", "hx-swap": "innerHTML"})
        if indicator is not None:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _("The code cannot change.")

    def clean(self):
        data = super().clean()
        for name in FIELDS:  # optional fields left empty take the catalogue's default
            if data.get(name) in (None, "") and name in DEFAULTS and not isinstance(
                    DEFAULTS[name], str):
                data[name] = DEFAULTS[name]
        return data

    def add_rule_errors(self, exc: ValidationError) -> None:
        """Put the errors raised by an action next to their fields (or on top)."""
        if hasattr(exc, "error_dict"):
            for name, errors in exc.message_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, exc.messages)


class TargetImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file (columns indicator, unit_code, period, value)"))
