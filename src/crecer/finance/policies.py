"""Finance rules. The two main ones live with the others in `crecer.accounts.policies`:
`can_view_finance` (municipal officers, regional and national managers, data officers,
administrators) and `can_manage_finance` (municipal officers for their municipality, data
officers, administrators). Territory scope is checked separately (`scope.covers`)."""

from __future__ import annotations

from crecer.accounts import policies
from crecer.accounts.models import Role


def can_manage_sources(user) -> bool:
    """Add funding sources or stop using one: they are shared by every territory, so only
    data officers and administrators."""
    return policies.can_manage_finance(user) and getattr(user, "role", None) in {
        Role.DATA_OFFICER, Role.ADMIN}
