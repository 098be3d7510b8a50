"""`{% load crecer_aggregates %}{% if user|can_view_aggregates %}…{% endif %}`: show the link to
aggregate data entry only to the roles that may open it (the pages check again)."""

from django import template

register = template.Library()


@register.filter
def can_view_aggregates(user) -> bool:
    from crecer.aggregates.policies import can_view_aggregates as allowed

    return allowed(user)
