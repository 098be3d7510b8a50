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


# ---- planning: the RIL cycle (diagnosis, action plan), evaluation rounds, risks ------------------
PLANNING_MANAGERS = {Role.MUNICIPAL_OFFICER, Role.REGIONAL_MANAGER, Role.DATA_OFFICER, Role.ADMIN}
PLANNING_VIEWERS = PLANNING_MANAGERS | {Role.NATIONAL_MANAGER, Role.FACILITATOR}


def can_manage_planning(user) -> bool:
    """Fill in diagnoses, build action plans, enter evaluation scores, keep the risk register."""
    return _role(user) in PLANNING_MANAGERS


def can_view_planning(user) -> bool:
    """Read the planning pages of the territories in scope (aggregates; no caregiver's score)."""
    return _role(user) in PLANNING_VIEWERS


# ---- finance ------------------------------------------------------------------------------------
# Budgets and expenditures are aggregates (no personal record), read per territory subtree.
FINANCE_MANAGERS = {Role.MUNICIPAL_OFFICER, Role.DATA_OFFICER, Role.ADMIN}
FINANCE_VIEWERS = FINANCE_MANAGERS | {Role.REGIONAL_MANAGER, Role.NATIONAL_MANAGER}


def can_manage_finance(user) -> bool:
    """Record budgets, expenditures and group purchases for territories in scope (a municipal
    officer for her municipality); add funding sources (data officers and administrators)."""
    return _role(user) in FINANCE_MANAGERS


def can_view_finance(user) -> bool:
    """See budgets, expenditures, shares, cost per beneficiary and projections."""
    return _role(user) in FINANCE_VIEWERS


# ---- workforce and training (crecer.workforce) --------------------------------------------------
# Workers' names are personal data: scope is applied by `scope.within(user, "territory")`.
WORKFORCE_MANAGERS = {Role.FACILITATOR, Role.MUNICIPAL_OFFICER, Role.DATA_OFFICER, Role.ADMIN}
WORKFORCE_VIEWERS = WORKFORCE_MANAGERS | {Role.REGIONAL_MANAGER, Role.NATIONAL_MANAGER}


def can_view_workforce(user) -> bool:
    """See the workers, sessions, cascade and turnover of her territories."""
    return _role(user) in WORKFORCE_VIEWERS


def can_manage_workforce(user) -> bool:
    """Record training sessions, register workers and their departures, certify completions
    (a facilitator for the workers and sessions of her own territory)."""
    return _role(user) in WORKFORCE_MANAGERS


# ---- scale-up ------------------------------------------------------------------------------------
PHASE_DECIDERS = {Role.NATIONAL_MANAGER, Role.ADMIN}


def can_decide_phase(user) -> bool:
    """Record a scale-up decision (advance, hold, go back) for a territory in scope."""
    return _role(user) in PHASE_DECIDERS


# ---- implementation: components and steps, teams and committees (crecer.implementation) ---------
# Checklists, committees and agreements are not personal data; read per territory subtree.
IMPLEMENTATION_VIEWERS = TABLERO_VIEWERS
IMPLEMENTATION_MANAGERS = {Role.MUNICIPAL_OFFICER, Role.REGIONAL_MANAGER, Role.NATIONAL_MANAGER,
                           Role.DATA_OFFICER, Role.ADMIN}


def can_view_implementation(user) -> bool:
    """See checklists, roll-ups, late steps, committees, meetings and agreements in scope."""
    return _role(user) in IMPLEMENTATION_VIEWERS


def can_manage_implementation(user) -> bool:
    """Start a territory's checklist, update its steps (status, owner, due date, comments,
    evidence files)."""
    return _role(user) in IMPLEMENTATION_MANAGERS


def can_manage_committees(user) -> bool:
    """Create committees and teams, add members, record meetings and agreements and follow them."""
    return _role(user) in IMPLEMENTATION_MANAGERS
