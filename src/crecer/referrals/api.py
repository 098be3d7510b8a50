"""/api/v1/referrals: list, read (with history), create, and the receiving service's answers
(receive, counter-referral, reject); /api/v1/referrals/services: the directory.

A referral is visible to the people of the person's territories and to the staff of the
receiving service point; outsiders get 404. Invalid transitions answer 422 on `status`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict

from crecer.accounts import policies, scope
from crecer.api.errors import Invalid
from crecer.api.pagination import PageParams, page_of, paginate
from crecer.registry import queries as registry_queries
from crecer.territory.models import OrgUnit, Sector

from . import actions, queries
from .models import ReasonCode, Urgency

router = Router(tags=["referrals"])


class EventOut(Schema):
    from_status: str
    to_status: str
    actor: str = Field(alias="actor_username")
    at: dt.datetime
    note: str


class ServiceOut(Schema):
    id: int
    code: str
    name: str
    sector: str
    parent_id: int | None


class ReferralOut(Schema):
    id: uuid.UUID
    person_id: uuid.UUID
    person_name: str
    household_id: uuid.UUID | None
    from_unit_id: int
    to_service: ServiceOut
    reason_code: str
    reason: str
    urgency: str
    referred_on: dt.date
    due_date: dt.date
    status: str
    overdue: bool
    received_at: dt.datetime | None
    attended_at: dt.datetime | None
    what_was_done: str
    follow_up_advice: str
    attended_by_name: str
    rejection_reason: str
    source_contact_id: uuid.UUID | None
    created_at: dt.datetime

    @staticmethod
    def resolve_person_name(obj) -> str:
        return obj.person.full_name

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return obj.is_overdue()


class ReferralDetailOut(ReferralOut):
    history: list[EventOut]

    @staticmethod
    def resolve_history(obj) -> list:
        return list(queries.history(obj))


class ReferralFilters(PageParams):
    box: Literal["all", "sent", "inbox"] = Field(
        "all", description="sent: persons in my territories; inbox: to my service points")
    status: Literal["", "open", "sent", "received", "attended", "rejected", "expired"] = ""
    overdue: bool = False


class ReferralIn(Schema):
    model_config = ConfigDict(extra="forbid")
    person: uuid.UUID
    to_service: int
    reason_code: Literal[tuple(ReasonCode.values)]  # type: ignore[valid-type]
    reason: str = Field("", max_length=2000)
    urgency: Literal[tuple(Urgency.values)] = Urgency.ROUTINE.value  # type: ignore[valid-type]
    due_date: dt.date | None = Field(None, description="Default: by urgency (0, 3 or 14 days)")
    referred_on: dt.date | None = Field(None, description="Default: today (offline capture)")
    source_contact_id: uuid.UUID | None = None


class ReceiveIn(Schema):
    model_config = ConfigDict(extra="forbid")
    note: str = Field("", max_length=2000)


class CounterReferralIn(Schema):
    model_config = ConfigDict(extra="forbid")
    what_was_done: str = Field(..., max_length=2000)
    follow_up_advice: str = Field("", max_length=2000)
    attended_at: dt.datetime | None = None
    attended_by_name: str = Field("", max_length=200)


class RejectIn(Schema):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(..., max_length=2000)


class ServiceFilters(Schema):
    sector: Literal[tuple(["", *Sector.values])] = ""  # type: ignore[valid-type]


def _visible(user, referral_id: uuid.UUID):
    referral = queries.referrals_for(user).filter(pk=referral_id).first()
    if referral is None:
        raise Http404
    return referral


def _attender(user, referral) -> None:
    if not (policies.can_attend_referrals(user) and scope.covers(user, referral.to_service)):
        raise PermissionDenied(_("You cannot answer referrals to this service."))


@router.get("", response=page_of(ReferralOut), summary="Referrals I may see")
def list_referrals(request, filters: Query[ReferralFilters]):
    user = request.auth
    if not policies.can_view_registry(user):
        raise PermissionDenied(_("You cannot see referrals."))
    qs = {"all": queries.referrals_for, "sent": queries.sent_referrals_for,
          "inbox": queries.inbox_for}[filters.box](user)
    return paginate(queries.filtered(qs, status=filters.status, overdue=filters.overdue),
                    filters)


@router.get("/services", response=list[ServiceOut],
            summary="The directory: service points near my territories")
def list_referral_services(request, filters: Query[ServiceFilters]):
    return list(queries.services_for(request.auth, filters.sector or None))


@router.get("/{uuid:referral_id}", response=ReferralDetailOut, summary="One referral and its history")
def get_referral(request, referral_id: uuid.UUID):
    return _visible(request.auth, referral_id)


@router.post("", response={201: ReferralDetailOut}, summary="Refer a person to a service")
def create_referral(request, payload: ReferralIn):
    user = request.auth
    person = scope.get_in_scope(registry_queries.persons_for(user), user, pk=payload.person)
    if not policies.can_refer(user):
        raise PermissionDenied(_("You cannot refer persons."))
    service = OrgUnit.objects.filter(pk=payload.to_service).first()
    if service is None:
        raise Invalid({"to_service": _("Unknown service %(id)s.") % {"id": payload.to_service}})
    referral = actions.create_referral(
        actor=user, person=person, to_service=service, reason_code=payload.reason_code,
        reason=payload.reason, urgency=payload.urgency, due_date=payload.due_date,
        referred_on=payload.referred_on, source_contact_id=payload.source_contact_id)
    return 201, _visible(user, referral.pk)


@router.post("/{uuid:referral_id}/receive", response=ReferralDetailOut,
             summary="The service acknowledges the referral")
def receive_referral(request, referral_id: uuid.UUID, payload: ReceiveIn):
    user = request.auth
    referral = _visible(user, referral_id)
    _attender(user, referral)
    actions.receive_referral(actor=user, referral=referral, note=payload.note)
    return _visible(user, referral_id)


@router.post("/{uuid:referral_id}/counter-referral", response=ReferralDetailOut,
             summary="Record that the person was attended (closes the referral)")
def attend_referral(request, referral_id: uuid.UUID, payload: CounterReferralIn):
    user = request.auth
    referral = _visible(user, referral_id)
    _attender(user, referral)
    actions.record_counter_referral(actor=user, referral=referral, **payload.dict())
    return _visible(user, referral_id)


@router.post("/{uuid:referral_id}/reject", response=ReferralDetailOut,
             summary="The service cannot take the referral")
def reject_referral(request, referral_id: uuid.UUID, payload: RejectIn):
    user = request.auth
    referral = _visible(user, referral_id)
    _attender(user, referral)
    actions.reject_referral(actor=user, referral=referral, reason=payload.reason)
    return _visible(user, referral_id)

