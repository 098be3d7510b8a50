"""/api/v1/duplicates: the review queue, the duplicate check before registering someone,
review decisions, merges and their undo. Everything is limited to the caller's territories
(a pair is visible when both persons are); outsiders get 404."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict

from crecer.accounts import policies
from crecer.accounts.scope import get_in_scope
from crecer.api.errors import Invalid
from crecer.api.pagination import PageParams, page_of, paginate
from crecer.registry.identifiers import InvalidValue, normalize_id, normalize_phone

from . import actions, matching, queries
from .models import Decision

router = Router(tags=["duplicates"])


class PersonBrief(Schema):
    id: uuid.UUID
    full_name: str
    sex: str
    birth_date: dt.date | None
    id_number: str
    phone: str
    territory: str
    household_id: uuid.UUID | None
    merged_into_id: uuid.UUID | None

    @staticmethod
    def resolve_territory(obj) -> str:
        return obj.territory.name


class PairOut(Schema):
    id: uuid.UUID
    score: float
    reasons: list[str]
    source: str
    status: str
    person_a: PersonBrief
    person_b: PersonBrief
    created_at: dt.datetime
    reviewed_by: str | None
    reviewed_at: dt.datetime | None

    @staticmethod
    def resolve_reasons(obj) -> list[str]:
        return [_(r) for r in obj.reasons]

    @staticmethod
    def resolve_reviewed_by(obj) -> str | None:
        return obj.reviewed_by.username if obj.reviewed_by_id else None


class PairFilters(PageParams):
    status: Literal["pending", "confirmed_same", "rejected", "merged", "all"] = "pending"


class CheckIn(Schema):
    """The person about to be registered; any subset of the fields."""

    model_config = ConfigDict(extra="forbid")
    given_names: str = Field("", max_length=120)
    first_surname: str = Field("", max_length=80)
    second_surname: str = Field("", max_length=80)
    sex: str = Field("", max_length=1)
    birth_date: dt.date | None = None
    id_type: str = Field("", max_length=8)
    id_number: str = Field("", max_length=32)
    phone: str = Field("", max_length=32)
    limit: int = Field(5, ge=1, le=20)
    exclude: list[uuid.UUID] = Field(default_factory=list,
                                     description="Persons not to propose (e.g. herself)")


class CandidateOut(Schema):
    person: PersonBrief
    score: float = Field(description=f"0..1; only those >= {matching.THRESHOLD} are returned")
    reasons: list[str]


class ReviewIn(Schema):
    model_config = ConfigDict(extra="forbid")
    decision: Literal["same", "different"]
    survivor: uuid.UUID | None = Field(
        None, description="With decision `same`: the record to keep; the pair is merged at once")


class MergeOut(Schema):
    id: uuid.UUID
    survivor: PersonBrief
    merged: PersonBrief
    actor: str | None
    at: dt.datetime
    undone_by: str | None
    undone_at: dt.datetime | None

    @staticmethod
    def resolve_actor(obj) -> str | None:
        return obj.actor.username if obj.actor_id else None

    @staticmethod
    def resolve_undone_by(obj) -> str | None:
        return obj.undone_by.username if obj.undone_by_id else None


def _require_reviewer(user) -> None:
    if not policies.can_review_duplicates(user):
        raise PermissionDenied(_("You cannot review duplicates."))


@router.get("", response=page_of(PairOut), summary="Possible duplicate pairs in my territories")
def list_candidates(request, filters: Query[PairFilters]):
    user = request.user
    _require_reviewer(user)
    status = None if filters.status == "all" else filters.status
    qs = queries.candidates_for(user, status=status).order_by("-score", "created_at", "pk")
    return paginate(qs, filters)


@router.post("/check", response=list[CandidateOut],
             summary="Likely matches of a person before registering her")
def check_person(request, payload: CheckIn):
    user = request.user
    if not (policies.can_edit_registry(user) or policies.can_review_duplicates(user)):
        raise PermissionDenied(_("You cannot change the registry."))
    data = payload.dict(exclude={"limit", "exclude"})
    try:
        data["id_number"] = normalize_id(data["id_type"], data["id_number"])
    except InvalidValue:
        pass  # keep the raw value: the check still blocks on it
    try:
        data["phone"] = normalize_phone(data["phone"])
    except InvalidValue:
        pass
    found = matching.find_candidates(user, data, limit=payload.limit, exclude_ids=payload.exclude)
    return [{"person": c.person, "score": c.score, "reasons": c.reasons} for c in found]


@router.get("/merges", response=page_of(MergeOut), summary="Merges in my territories")
def list_merges(request, filters: Query[PageParams]):
    user = request.user
    _require_reviewer(user)
    return paginate(queries.merges_for(user).order_by("-at", "pk"), filters)


@router.post("/merges/{uuid:merge_id}/undo", response=MergeOut, summary="Undo a merge")
def undo_merge(request, merge_id: uuid.UUID):
    user = request.user
    merge = get_in_scope(queries.merges_for(user), user, field="survivor__territory", pk=merge_id)
    _require_reviewer(user)
    actions.undo_merge(actor=user, merge=merge)
    return queries.merges_for(user).get(pk=merge.pk)


@router.get("/{uuid:pair_id}", response=PairOut, summary="One pair")
def get_candidate(request, pair_id: uuid.UUID):
    user = request.user
    pair = get_in_scope(queries.candidates_for(user, status=None), user,
                        field="person_a__territory", pk=pair_id)
    _require_reviewer(user)
    return pair


@router.post("/{uuid:pair_id}/review", response=PairOut,
             summary="Decide: the same person (optionally merging) or not")
def review(request, pair_id: uuid.UUID, payload: ReviewIn):
    user = request.user
    pair = get_in_scope(queries.candidates_for(user, status=None), user,
                        field="person_a__territory", pk=pair_id)
    _require_reviewer(user)
    survivor = None
    if payload.survivor is not None:
        if payload.survivor not in (pair.person_a_id, pair.person_b_id):
            raise Invalid({"survivor": _("The record to keep must be one of the pair.")})
        survivor = pair.person_a if payload.survivor == pair.person_a_id else pair.person_b
    actions.review_candidate(actor=user, candidate=pair, decision=Decision(payload.decision),
                             survivor=survivor)
    return queries.candidates_for(user, status=None).get(pk=pair.pk)

