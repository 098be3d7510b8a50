from django import template

from crecer.accounts import policies

register = template.Library()


@register.filter
def can_view_planning(user) -> bool:
    """Whether the main menu shows the planning pages (the pages check it again)."""
    return policies.can_view_planning(user)


@register.filter
def get_item(mapping, key):
    """`mapping[key]` in a template ({{ values|get_item:metric.pk }}); None when missing."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None
