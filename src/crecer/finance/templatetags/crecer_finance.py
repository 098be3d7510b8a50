from django import template

from crecer.accounts import policies

register = template.Library()


@register.filter
def can_view_finance(user) -> bool:
    """Whether the main menu shows the finance pages (each page checks it again)."""
    return policies.can_view_finance(user)


@register.filter
def kind_label(kind: str) -> str:
    from ..forms import KIND_LABELS

    return str(KIND_LABELS.get(kind, kind)).capitalize()


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None
