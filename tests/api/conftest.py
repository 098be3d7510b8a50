"""API test helpers: a client that sends a user's bearer token, and a family in comm_b1."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import translation


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English (the interface defaults to Spanish)."""
    with translation.override("en"):
        yield


class ApiClient:
    """Calls /api/v1/ as one user, with `Authorization: Bearer <token>` and JSON bodies."""

    def __init__(self, raw_token: str | None, language: str = "en"):
        self.client = Client()
        self.headers = {"HTTP_ACCEPT_LANGUAGE": language}
        if raw_token:
            self.headers["HTTP_AUTHORIZATION"] = f"Bearer {raw_token}"

    def _url(self, path: str) -> str:
        return path if path.startswith("/") else f"/api/v1/{path}"

    def get(self, path: str, params: dict | None = None, **extra):
        return self.client.get(self._url(path), params or {}, **self.headers, **extra)

    def post(self, path: str, body, **extra):
        return self.client.post(self._url(path), json.dumps(body, default=str),
                                content_type="application/json", **self.headers, **extra)

    def patch(self, path: str, body, **extra):
        return self.client.patch(self._url(path), json.dumps(body, default=str),
                                 content_type="application/json", **self.headers, **extra)


@pytest.fixture
def api_as(users):
    """`api_as("municipal_officer")` (a key of `users`, or a User) → an ApiClient."""
    from crecer.accounts.models import ApiToken

    def make(who, language: str = "en") -> ApiClient:
        user = users[who] if isinstance(who, str) else who
        _token, raw = ApiToken.issue(user, name="test")
        return ApiClient(raw, language)

    return make


@pytest.fixture
def family_b(tree, users):
    """A household in comm_b1 (municipality B1, region B) with one caregiver."""
    from crecer.registry import actions

    officer = users["municipal_officer_b"]
    hh = actions.create_household(actor=officer, territory=tree.comm_b1,
                                  data={"code": "H-B001", "address": "Calle B", "area": "urban"})
    mother = actions.register_person(
        actor=officer, household=hh, roles=["caregiver"],
        data={"given_names": "Rosa Elena", "first_surname": "Mejía", "second_surname": "Paz",
              "sex": "F", "birth_date": "1990-01-01"})
    return {"household": hh, "mother": mother}
