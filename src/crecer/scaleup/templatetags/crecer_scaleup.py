"""Formatting of gate values: the same for a live gate check and a decision's frozen evidence
(a dataclass or its dict)."""

from __future__ import annotations

import math

from django import template
from django.utils import formats
from django.utils.translation import gettext as _

register = template.Library()


def _get(obj, key, default=None):
    if isinstance(obj, dict):
        return obj.get(key, default)
    return getattr(obj, key, default)


def number(value, decimals: int = 1) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return formats.number_format(round(float(value), decimals), decimal_pos=decimals,
                                 use_l10n=True, force_grouping=True)


def _with_unit(text: str, unit: str) -> str:
    return f"{text} {unit}" if unit and text != "–" else text


@register.filter
def gate_value(criterion) -> str:
    """The criterion's value with the indicator's decimals and unit ("84,0 %")."""
    return _with_unit(number(_get(criterion, "value"), _get(criterion, "decimals", 1)),
                      _get(criterion, "unit", ""))


@register.filter
def gate_threshold(criterion) -> str:
    """"≥ 80 %"."""
    signs = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "=": "="}
    threshold = _get(criterion, "threshold")
    decimals = 0 if float(threshold).is_integer() else _get(criterion, "decimals", 1)
    text = _with_unit(number(threshold, decimals), _get(criterion, "unit", ""))
    return f"{signs.get(_get(criterion, 'comparison'), '')} {text}"


@register.filter
def gate_part(value) -> str:
    """A numerator or denominator (up to two decimals, no trailing zeros)."""
    if value is None:
        return "–"
    value = float(value)
    return number(value, 0 if value.is_integer() else 2)


@register.filter
def criterion_status(status: str) -> str:
    return {"pass": _("met"), "fail": _("not met"), "no_data": _("no data")}.get(status, status)


@register.filter
def gate_status(status: str) -> str:
    from crecer.scaleup.pages import gate_label

    return gate_label(status)
