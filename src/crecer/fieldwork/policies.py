"""Who may record contacts, keep a worklist and supervise (territory scope is checked apart)."""

from __future__ import annotations

from crecer.accounts.models import Role
from crecer.accounts.policies import _role

FIELD_WORKERS = {Role.VOLUNTEER, Role.FACILITATOR}
SUPERVISORS = {Role.FACILITATOR, Role.MUNICIPAL_OFFICER, Role.ADMIN}


def can_record_contact(user) -> bool:
    return _role(user) in FIELD_WORKERS


def can_view_worklist(user) -> bool:
    return _role(user) in FIELD_WORKERS


def can_supervise(user) -> bool:
    return _role(user) in SUPERVISORS


ACCOMPANIERS = {Role.FACILITATOR, Role.ADMIN}


def can_accompany_visits(user) -> bool:
    """Record (and list) accompanied visits with the supervision checklist."""
    return _role(user) in ACCOMPANIERS
