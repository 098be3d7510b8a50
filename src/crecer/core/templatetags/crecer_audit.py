"""`{% load crecer_audit %}{% if user|can_view_audit %}…{% endif %}`: show audit links only to
the roles that may read the audit trail (the pages check again)."""

from django import template

register = template.Library()


@register.filter
def can_view_audit(user) -> bool:
    from crecer.accounts import policies

    return policies.can_view_audit(user)
