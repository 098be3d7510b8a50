"""Who may do what. Territory scope is applied separately, by `scope`."""

from __future__ import annotations

from .models import Role

EDITORS = {Role.VOLUNTEER, Role.FACILITATOR, Role.MUNICIPAL_OFFICER, Role.ADMIN}
IMPORTERS = {Role.MUNICIPAL_OFFICER, Role.DATA_OFFICER, Role.ADMIN}
MERGERS = {Role.MUNICIPAL_OFFICER, Role.DATA_OFFICER, Role.ADMIN}
AUDITORS = {Role.DATA_OFFICER, Role.ADMIN}
TERRITORY_ADMINS = {Role.DATA_OFFICER, Role.ADMIN}
REFERRERS = {Role.VOLUNTEER, Role.FACILITATOR, Role.MUNICIPAL_OFFICER, Role.ADMIN}
# Staff of a service point: users whose territory is the service point (or above it).
REFERRAL_ATTENDERS = {Role.FACILITATOR, Role.MUNICIPAL_OFFICER, Role.ADMIN}
STOCK_MANAGERS = {Role.MUNICIPAL_OFFICER, Role.ADMIN}
DELIVERERS = {Role.VOLUNTEER, Role.FACILITATOR, Role.MUNICIPAL_OFFICER, Role.ADMIN}


def _role(user) -> str | None:
    return getattr(user, "role", None) if getattr(user, "is_authenticated", False) else None


def can_view_registry(user) -> bool:
    return _role(user) is not None


def can_edit_registry(user) -> bool:
    return _role(user) in EDITORS


def can_import(user) -> bool:
    return _role(user) in IMPORTERS


def can_review_duplicates(user) -> bool:
    return _role(user) in MERGERS


def can_view_audit(user) -> bool:
    return _role(user) in AUDITORS


def can_manage_territory(user) -> bool:
    return _role(user) in TERRITORY_ADMINS


def can_manage_users(user) -> bool:
    return bool(getattr(user, "is_superuser", False)) or _role(user) == Role.ADMIN


def can_manage_stock(user) -> bool:
    """Record receipts (and adjustments) of items in a municipality's stock."""
    return _role(user) in STOCK_MANAGERS


def can_deliver(user) -> bool:
    """Hand items from the municipality's stock to a household."""
    return _role(user) in DELIVERERS


def can_refer(user) -> bool:
    return _role(user) in REFERRERS


def can_attend_referrals(user) -> bool:
    """Receive, answer (counter-referral) or reject referrals; the service point must also be
    within the user's territories (checked by the referral actions)."""
    return _role(user) in REFERRAL_ATTENDERS


COMPLIANCE_VERIFIERS = {Role.MUNICIPAL_OFFICER, Role.DATA_OFFICER, Role.ADMIN}


def can_verify_coresponsibility(user) -> bool:
    """Verify co-responsibilities, import health/education files, export payment rosters."""
    return _role(user) in COMPLIANCE_VERIFIERS


# ---- indicators and the tablero -----------------------------------------------------------------
# Aggregates only (no personal record), so every role that manages sees them for its subtree.
TABLERO_VIEWERS = {Role.FACILITATOR, Role.MUNICIPAL_OFFICER, Role.REGIONAL_MANAGER,
                   Role.NATIONAL_MANAGER, Role.DATA_OFFICER, Role.ADMIN}
AGGREGATE_ENTERERS = {Role.MUNICIPAL_OFFICER, Role.REGIONAL_MANAGER, Role.DATA_OFFICER, Role.ADMIN}
PERIOD_APPROVERS = {Role.REGIONAL_MANAGER, Role.NATIONAL_MANAGER, Role.DATA_OFFICER, Role.ADMIN}
INDICATOR_EDITORS = {Role.DATA_OFFICER, Role.ADMIN}  # the M&E officer


def can_view_tablero(user) -> bool:
    return _role(user) in TABLERO_VIEWERS


def can_enter_aggregates(user) -> bool:
    """Enter aggregate values (budgets, workshops…) for territories in scope."""
    return _role(user) in AGGREGATE_ENTERERS


def can_approve_period(user) -> bool:
    """Approve a territory's period (locks it); also undo an approval."""
    return _role(user) in PERIOD_APPROVERS


def can_undo_approval(user) -> bool:
    return _role(user) in {Role.DATA_OFFICER, Role.ADMIN}


def can_manage_indicators(user) -> bool:
    """Add and edit indicators (reference sheets), targets and DHIS2 mappings."""
    return _role(user) in INDICATOR_EDITORS
