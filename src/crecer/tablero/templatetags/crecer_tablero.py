from django import template

from crecer.accounts import policies

register = template.Library()


@register.filter
def can_view_tablero(user) -> bool:
    """Whether the main menu shows the tablero (the page checks it again)."""
    return policies.can_view_tablero(user)
