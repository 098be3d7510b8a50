"""Forms of the stock pages. They check shapes only; the rules live in `actions`."""

from __future__ import annotations

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import queries


class _RuleErrors:
    def add_rule_errors(self, exc: ValidationError) -> None:
        """Put the errors raised by an action next to their fields (or on top)."""
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, exc.messages)


class ReceiptForm(_RuleErrors, forms.Form):
    municipality = forms.ModelChoiceField(queryset=None, label=_("Municipality"))
    item = forms.ModelChoiceField(queryset=None, to_field_name="code", label=_("Item"))
    quantity = forms.IntegerField(min_value=1, label=_("Quantity received"))
    occurred_on = forms.DateField(label=_("Received on"),
                                  widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(max_length=120, required=False,
                                label=_("Reference (waybill, donor…)"))

    def __init__(self, user, *args, **kwargs):
        kwargs.setdefault("initial", {"occurred_on": timezone.localdate().isoformat()})
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = queries.managed_municipalities(user)
        self.fields["item"].queryset = queries.active_items()


class AdjustmentForm(_RuleErrors, forms.Form):
    municipality = forms.ModelChoiceField(queryset=None, label=_("Municipality"))
    item = forms.ModelChoiceField(queryset=None, to_field_name="code", label=_("Item"))
    quantity = forms.IntegerField(label=_("Change (negative to remove)"))
    occurred_on = forms.DateField(label=_("Counted on"),
                                  widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(max_length=120, label=_("Reason (count, loss, expiry…)"))

    def __init__(self, user, *args, **kwargs):
        kwargs.setdefault("initial", {"occurred_on": timezone.localdate().isoformat()})
        kwargs.setdefault("prefix", "adjust")
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = queries.managed_municipalities(user)
        self.fields["item"].queryset = queries.active_items()


class DeliveryForm(_RuleErrors, forms.Form):
    item = forms.ModelChoiceField(queryset=None, to_field_name="code", label=_("Item"))
    quantity = forms.IntegerField(min_value=1, initial=1, label=_("Quantity"))
    delivered_on = forms.DateField(label=_("Delivered on"),
                                   widget=forms.DateInput(attrs={"type": "date"}))
    # Made when the form is shown, so that sending it twice records one delivery.
    delivery_id = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"delivered_on": timezone.localdate().isoformat(),
                                      "delivery_id": str(uuid.uuid4()), "quantity": 1})
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = queries.active_items()
