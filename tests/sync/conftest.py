from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client


@pytest.fixture(autouse=True)
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


class SyncClient:
    """Calls /api/v1/sync as one user with a bearer token (none: anonymous)."""

    def __init__(self, raw_token: str | None):
        self.client = Client()
        self.headers = {"HTTP_ACCEPT_LANGUAGE": "en"}
        if raw_token:
            self.headers["HTTP_AUTHORIZATION"] = f"Bearer {raw_token}"

    def bootstrap(self):
        return self.client.get("/api/v1/sync/bootstrap", **self.headers)

    def send(self, contacts, *, raw=None):
        body = raw if raw is not None else json.dumps({"contacts": contacts}, default=str)
        return self.client.post("/api/v1/sync/contacts", body,
                                content_type="application/json", **self.headers)


@pytest.fixture
def sync_as(users):
    from crecer.accounts.models import ApiToken

    def make(who) -> SyncClient:
        if who is None:
            return SyncClient(None)
        user = users[who] if isinstance(who, str) else who
        _token, raw = ApiToken.issue(user, name="test")
        return SyncClient(raw)

    return make


@pytest.fixture
def presets(db):
    from crecer.programmes.presets import load_presets

    return {p.code: p for p in load_presets()}


@pytest.fixture
def model(presets):
    return presets["honduras-pi-volunteers"]


@pytest.fixture
def enrolled(users, family, model):
    from crecer.programmes import actions

    return actions.enrol(actor=users["municipal_officer"], programme=model,
                         household=family["household"], volunteer=users["volunteer"],
                         start=dt.date(2025, 1, 1))


@pytest.fixture
def family_elsewhere(users, tree):
    """A household in another municipality (outside the volunteer's territories)."""
    from crecer.registry import actions

    officer = users["municipal_officer_b"]
    hh = actions.create_household(actor=officer, territory=tree.comm_b1,
                                  data={"code": "H-B001", "address": "Calle B", "area": "urban"})
    actions.register_person(actor=officer, household=hh, roles=["caregiver"], data={
        "given_names": "Rosa Elena", "first_surname": "Mejía", "sex": "F",
        "birth_date": "1990-01-01"})
    return {"household": hh}
