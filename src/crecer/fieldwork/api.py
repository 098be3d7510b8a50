"""/api/v1/sync: the offline app's download (`bootstrap`) and upload (`contacts`).

A structurally malformed batch (not a list, an item without a UUID id or household, a date
that is not a date, an unknown field) answers 422 naming the item index and the field
(`contacts.3.occurred_at`) and records nothing. A well-formed batch answers 200 with one
result per item: created, duplicate, rejected (with its field errors) or conflict (with the
server's version). An item may carry a `referral` raised by the visit (person present,
service id, reason code, urgency), saved with the contact or not at all. See `sync.py`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from ninja import Router
from ninja.decorators import decorate_view
from pydantic import BaseModel, ConfigDict, Field

from . import sync

router = Router(tags=["sync"])

# Plain pydantic models, not ninja's `Schema`: its wrap validator (made for reading ORM
# objects) ran twice per item under extra="forbid" and cost more than the whole ingest of a
# batch of 500. Mutable defaults are factories (a literal default is deep-copied per item).


class ItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item_code: str = Field(max_length=40)
    quantity: int = 1


class ReferralIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: uuid.UUID
    service_id: int
    reason_code: str = Field(max_length=32)
    reason: str = Field("", max_length=2000)
    urgency: str = Field("routine", max_length=16)


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID
    household_id: uuid.UUID
    kind: str = Field("home_visit", max_length=20)
    occurred_at: dt.datetime
    persons_present: list[uuid.UUID] = Field(default_factory=list)
    messages_given: list[str] = Field(default_factory=list)
    items_delivered: list[ItemIn] = Field(default_factory=list)
    observations: dict[str, Any] = Field(default_factory=dict)
    coresponsibility_evidence: list[str] = Field(default_factory=list)
    remote_outcome: str = Field("", max_length=16)
    base_updated_at: dt.datetime | None = None
    referral: ReferralIn | None = None


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    contacts: list[ContactIn] = Field(max_length=sync.MAX_BATCH)


class ResultOut(BaseModel):
    id: str
    status: Literal["created", "duplicate", "rejected", "conflict"]
    updated_at: str | None = None
    errors: dict[str, str] | None = None
    server: dict[str, Any] | None = None


class BatchOut(BaseModel):
    results: list[ResultOut]
    created: int
    duplicate: int
    rejected: int
    conflict: int


@router.get("/bootstrap", summary="My families and programmes, for offline work")
def sync_bootstrap(request):
    return sync.bootstrap(request.user)


@router.post("/contacts", response=BatchOut, summary="Upload contacts recorded offline")
@decorate_view(sync.cyclic_gc_paused())  # around parsing and response too
def sync_contacts(request, payload: BatchIn):
    items = payload.model_dump()["contacts"]  # one call for the batch, not one per item
    for item in items:
        item["persons_present"] = [str(p) for p in item["persons_present"]]
        if item["referral"] is None:
            del item["referral"]
        else:
            item["referral"]["person_id"] = str(item["referral"]["person_id"])
        if item["base_updated_at"] is not None and item["base_updated_at"].tzinfo is None:
            item["base_updated_at"] = item["base_updated_at"].replace(tzinfo=dt.UTC)
    results = sync.ingest(request.user, items)
    counts = {s: sum(r["status"] == s for r in results)
              for s in ("created", "duplicate", "rejected", "conflict")}
    return {"results": results, **counts}
