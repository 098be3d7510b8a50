"""/api/v1/households: list, search, read with members, register and update households.

Reads go through `registry.queries` (the caller's subtrees only); writes through
`registry.actions` (policy check, one transaction, audit row). A household outside the
caller's territories is 404 for every method; a visible one the role may not change is 403.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Field, Query, Router

from crecer.accounts import policies
from crecer.accounts.scope import get_in_scope
from crecer.registry import actions, queries
from crecer.registry.validation import HOUSEHOLD_FIELDS

from .errors import Invalid
from .pagination import PageParams, page_of, paginate
from .schemas import HouseholdDetailOut, HouseholdFields, HouseholdIn, HouseholdOut
from .territories import unit_or_404, visible_unit

router = Router(tags=["households"])

# A search returns at most this many households (then narrow it down).
SEARCH_MAX = 1000


class HouseholdFilters(PageParams):
    q: str = Field("", max_length=100,
                   description="Name, ID number, phone or code of a member, or community")
    territory: int | None = Field(None, description="Only households in this unit's subtree")


def require_editor(user) -> None:
    if not policies.can_edit_registry(user):
        raise PermissionDenied(_("Your role cannot change the registry."))


@router.get("", response=page_of(HouseholdOut), summary="Households within my territories")
def list_households(request, filters: Query[HouseholdFilters]):
    user = request.auth
    households = queries.households_for(user)
    if filters.territory is not None:
        unit = visible_unit(user, filters.territory, "territory")
        households = households.filter(territory__path__subtree=unit.path)
    q = filters.q.strip()
    if q:
        found = queries.search_households(user, q, limit=SEARCH_MAX).values("pk")
        households = households.filter(pk__in=found).order_by("code", "pk")
    else:
        households = households.order_by("-created_at", "pk")
    return paginate(queries.with_summary(households), filters)


def _detail(user, household_id: uuid.UUID):
    household = get_in_scope(queries.with_summary(queries.households_for(user)), user,
                             pk=household_id)
    household.member_list = list(queries.with_relations(
        user, queries.persons_for(user).filter(household=household)
    ).order_by("birth_date", "pk"))
    return household


@router.get("/{uuid:household_id}", response=HouseholdDetailOut,
            summary="One household with its members")
def get_household(request, household_id: uuid.UUID):
    return _detail(request.auth, household_id)


@router.post("", response={201: HouseholdDetailOut}, summary="Register a household")
def create_household(request, payload: HouseholdIn):
    user = request.auth
    territory = unit_or_404(user, payload.territory)
    require_editor(user)
    data = payload.model_dump(exclude={"territory"}, exclude_unset=True)
    household = actions.create_household(actor=user, territory=territory, data=data)
    return 201, _detail(user, household.pk)


@router.patch("/{uuid:household_id}", response=HouseholdDetailOut,
              summary="Change a household (only the fields sent)")
def update_household(request, household_id: uuid.UUID, payload: HouseholdFields):
    user = request.auth
    household = get_in_scope(queries.households_for(user), user, pk=household_id)
    require_editor(user)
    sent = payload.model_dump(exclude_unset=True)
    territory = None
    if "territory" in sent:
        if sent["territory"] is None:
            raise Invalid({"territory": _("This field cannot be empty.")})
        territory = visible_unit(user, sent.pop("territory"), "territory")
    data = {name: getattr(household, name) for name in HOUSEHOLD_FIELDS}
    data.update(sent)
    actions.update_household(actor=user, household=household, data=data, territory=territory)
    return _detail(user, household.pk)
