"""Shapes of the API's requests and responses.

Input schemas only check types; the rules (required names, valid IDs and phones, dates in
range…) are the registry's own, in `crecer.registry.validation`, applied by the actions, so the
pages, the API and imports agree. Unknown fields are refused, so that a typo is not ignored.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from ninja import Field, Schema
from pydantic import ConfigDict


class StrictIn(Schema):
    model_config = ConfigDict(extra="forbid")


# --- territories -----------------------------------------------------------------------------

class TerritoryRef(Schema):
    id: int
    code: str
    name: str


class TerritoryOut(Schema):
    id: int
    code: str
    name: str
    parent_id: int | None
    depth: int
    level: str | None = Field(None, description="Code of the level (country, region, …)")
    kind: str
    sector: str
    latitude: float | None
    longitude: float | None

    @staticmethod
    def resolve_level(obj) -> str | None:
        return getattr(obj, "level_code", None)


class TerritoryDetailOut(TerritoryOut):
    boundary: dict[str, Any] | None = Field(None, description="GeoJSON geometry")
    ancestors: list[TerritoryRef] = Field(
        default_factory=list, description="Units above, from the top, within your territories")

    @staticmethod
    def resolve_ancestors(obj) -> list:
        return getattr(obj, "visible_ancestors", [])


# --- persons ---------------------------------------------------------------------------------

class RoleOut(Schema):
    role: str
    expected_delivery_date: dt.date | None


class RelationOut(Schema):
    person_id: uuid.UUID
    full_name: str
    kind: str = Field(description="What that person is of this one (mother, father, …) or, "
                                  "in `of`, what this person is of that one")


class PersonOut(Schema):
    id: uuid.UUID
    household_id: uuid.UUID | None
    territory: TerritoryRef
    given_names: str
    first_surname: str
    second_surname: str
    full_name: str
    sex: str
    birth_date: dt.date | None
    birth_date_estimated: bool
    id_type: str
    id_number: str
    id_country: str
    phone: str
    language: str
    ethnicity: str
    disability: bool
    disability_detail: str
    roles: list[RoleOut]
    merged_into_id: uuid.UUID | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_roles(obj) -> list:
        return obj.active_roles  # prefetched by the endpoint (never one query per row)


class PersonDetailOut(PersonOut):
    relatives: list[RelationOut] = Field(description="Who is what of this person")
    relative_of: list[RelationOut] = Field(description="This person is what of whom")

    @staticmethod
    def resolve_relatives(obj) -> list[dict]:
        return [{"person_id": r.from_person_id, "full_name": r.from_person.full_name,
                 "kind": r.kind} for r in obj.rels_in]

    @staticmethod
    def resolve_relative_of(obj) -> list[dict]:
        return [{"person_id": r.to_person_id, "full_name": r.to_person.full_name,
                 "kind": r.kind} for r in obj.rels_out]


class RelationIn(StrictIn):
    person: uuid.UUID = Field(description="An existing member you can see")
    kind: str = Field(description="What that member is of the new person: mother, father, "
                                  "grandparent, sibling, partner, guardian, other")


class PersonFields(StrictIn):
    """Every field optional: on update only the fields sent change."""

    given_names: str | None = Field(None, max_length=120)
    first_surname: str | None = Field(None, max_length=80)
    second_surname: str | None = Field(None, max_length=80)
    sex: str | None = Field(None, description="F or M")
    birth_date: dt.date | None = None
    birth_date_estimated: bool | None = None
    id_type: str | None = Field(None, description="CURP, DNI_PE, DNI_HN, DNI_AR, OTHER or empty")
    id_number: str | None = Field(None, max_length=32)
    id_country: str | None = Field(None, max_length=2)
    phone: str | None = Field(None, max_length=32, description="E.164, or national digits")
    language: str | None = Field(None, max_length=32)
    ethnicity: str | None = Field(None, max_length=64)
    disability: bool | None = None
    disability_detail: str | None = Field(None, max_length=255)
    expected_delivery_date: dt.date | None = Field(
        None, description="Required with the role `pregnant`; on update, records a pregnancy")


class PersonIn(PersonFields):
    household: uuid.UUID = Field(description="The household she joins (must be in your scope)")
    given_names: str = Field(max_length=120)
    first_surname: str = Field(max_length=80)
    sex: str = Field(description="F or M")
    roles: list[str] = Field(default_factory=list,
                             description="caregiver, child, pregnant, head, other")
    relationships: list[RelationIn] = Field(default_factory=list)
    ignore_duplicates: bool = Field(
        False, description="Register even though likely duplicates were found (409 otherwise)")


class LikelyDuplicateOut(Schema):
    id: uuid.UUID
    full_name: str
    birth_date: dt.date | None
    territory: str
    score: float = Field(description="0..1, higher is more likely the same person")
    reasons: list[str]


class DuplicatesConflictOut(Schema):
    detail: str
    candidates: list[LikelyDuplicateOut]


# --- households ------------------------------------------------------------------------------

class HouseholdOut(Schema):
    id: uuid.UUID
    code: str
    territory: TerritoryRef
    address: str
    latitude: float | None
    longitude: float | None
    area: str
    poverty_level: str
    water_source: str
    has_electricity: bool | None
    rooms: int | None
    monthly_income: float | None
    member_count: int | None = None
    caregiver_name: str | None = None
    created_at: dt.datetime
    updated_at: dt.datetime


class HouseholdDetailOut(HouseholdOut):
    members: list[PersonDetailOut]

    @staticmethod
    def resolve_members(obj) -> list:
        return obj.member_list


class HouseholdFields(StrictIn):
    code: str | None = Field(None, max_length=32)
    address: str | None = Field(None, max_length=255)
    latitude: float | None = None
    longitude: float | None = None
    area: str | None = Field(None, description="rural or urban")
    poverty_level: str | None = Field(None, description="extreme, poor, not_poor, unknown")
    water_source: str | None = Field(
        None, description="piped, public_tap, well, river, truck, other or empty")
    has_electricity: bool | None = None
    rooms: int | None = None
    monthly_income: float | None = None
    territory: int | None = Field(None, description="Move the household to this unit")


class HouseholdIn(HouseholdFields):
    territory: int = Field(description="The unit (usually a community) it lives in")


# --- audit -----------------------------------------------------------------------------------

class AuditEventOut(Schema):
    id: int
    at: dt.datetime
    actor_username: str
    action: str
    entity: str
    object_id: str
    person_id: uuid.UUID | None
    territory_path: str
    changes: dict[str, Any] | list[Any] | None
    note: str
