from django import template
from django.utils import formats

register = template.Library()


@register.filter
def pct(value) -> str:
    """A percentage with one decimal in the active language's format; "–" without a value."""
    if value is None:
        return "–"
    return f"{formats.number_format(value, 1)} %"


@register.filter
def num(value, decimals: int = 2) -> str:
    """A number in the active language's format, at most `decimals` decimals."""
    if value is None:
        return "–"
    rounded = round(float(value), decimals)
    if rounded == int(rounded):
        return formats.number_format(int(rounded), 0, use_l10n=True, force_grouping=True)
    return formats.number_format(rounded, decimals, use_l10n=True, force_grouping=True)
