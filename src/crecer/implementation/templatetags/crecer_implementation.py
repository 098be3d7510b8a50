from django import template

from crecer.accounts import policies

register = template.Library()


@register.filter
def can_view_implementation(user) -> bool:
    """Whether the main menu shows the implementation pages (the pages check it again)."""
    return policies.can_view_implementation(user)
