"""Who may open the aggregate pages. The rules themselves are in `crecer.accounts.policies`:
`can_enter_aggregates`, `can_approve_period`, `can_undo_approval`."""

from __future__ import annotations

from crecer.accounts import policies


def can_view_aggregates(user) -> bool:
    """Open the data-entry pages and the approvals list (read only without the other rules)."""
    return (policies.can_enter_aggregates(user) or policies.can_approve_period(user)
            or policies.can_undo_approval(user))
