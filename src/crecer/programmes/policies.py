"""Who may configure programmes and enrol households (territory scope is checked apart)."""

from __future__ import annotations

from crecer.accounts.models import Role
from crecer.accounts.policies import _role

ENROLLERS = {Role.FACILITATOR, Role.MUNICIPAL_OFFICER, Role.ADMIN}


def can_view_programmes(user) -> bool:
    return _role(user) is not None


def can_manage_programmes(user) -> bool:
    return bool(getattr(user, "is_superuser", False)) or _role(user) == Role.ADMIN


def can_enrol(user) -> bool:
    return _role(user) in ENROLLERS
