from django import template

from crecer.accounts import policies

register = template.Library()


@register.filter
def can_view_workforce(user) -> bool:
    """Whether the main menu shows the workforce pages (the pages check it again)."""
    return policies.can_view_workforce(user)


@register.filter
def percent(value) -> str:
    """A share (0-1) as a whole percentage, or a dash when there is none."""
    return "–" if value is None else f"{round(100 * value)} %"
