"""API authentication: bearer tokens made by `crecer token create`, and the browser session
with CSRF. Anything else is 401."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone, translation

from crecer import cli
from crecer.accounts.models import ApiToken, hash_token

from .conftest import ApiClient

LISTS = ["territories", "households", "persons", "audit"]


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("name", LISTS)
def test_anonymous_gets_401_with_bearer_challenge(client, db, name):
    response = client.get(f"/api/v1/{name}")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "detail" in response.json()


def test_token_printed_by_the_cli_opens_the_api(family, users):
    code, out, _err = run_cli("token", "create", "--user", "muni")
    assert code == 0
    raw = out.strip()
    assert raw.startswith("crc_") and len(raw) > 30
    token = ApiToken.objects.get(user=users["municipal_officer"])
    assert token.key_hash == hash_token(raw) and raw not in token.key_hash  # only the hash
    assert token.last_used_at is None

    response = ApiClient(raw).get("households")
    assert response.status_code == 200
    assert [h["code"] for h in response.json()["items"]] == ["H-0001"]
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_cli_refuses_an_unknown_user(db):
    code, out, err = run_cli("token", "create", "--user", "nobody")
    assert code == 2 and out == "" and "nobody" in err
    assert not ApiToken.objects.exists()


def test_last_used_is_written_at_most_once_a_minute(users, django_assert_num_queries):
    token, raw = ApiToken.issue(users["volunteer"])
    api = ApiClient(raw)
    assert api.get("territories").status_code == 200
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    # Within the minute: no UPDATE (token + roots + page query only).
    with django_assert_num_queries(3):
        assert api.get("territories").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == first
    # More than a minute later it is written again.
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - dt.timedelta(minutes=2))
    assert api.get("territories").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at > first - dt.timedelta(minutes=1)
    assert timezone.now() - token.last_used_at < dt.timedelta(minutes=1)


@pytest.mark.parametrize("header", [
    "Bearer crc_not-a-real-token",
    "Bearer ",
    "Token {raw}",  # wrong scheme
    "{raw}",  # no scheme
    "Bearer " + "x" * 500,
])
def test_bad_credentials_are_401(users, header):
    _token, raw = ApiToken.issue(users["municipal_officer"])
    response = Client().get("/api/v1/households",
                            HTTP_AUTHORIZATION=header.format(raw=raw))
    assert response.status_code == 401


def test_revoked_token_and_inactive_user_are_401(users):
    token, raw = ApiToken.issue(users["municipal_officer"])
    api = ApiClient(raw)
    assert api.get("households").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(revoked=True)
    assert api.get("households").status_code == 401

    _token2, raw2 = ApiToken.issue(users["volunteer"])
    users["volunteer"].is_active = False
    users["volunteer"].save(update_fields=["is_active"])
    assert ApiClient(raw2).get("households").status_code == 401


def test_session_reads_without_csrf_but_writes_need_it(users, tree):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["municipal_officer"])
    assert client.get("/api/v1/households").status_code == 200

    body = json.dumps({"territory": tree.comm_a1.pk, "code": "H-S1"})
    refused = client.post("/api/v1/households", body, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]

    client.get("/login/")  # sets the CSRF cookie, as any page does
    csrf = client.cookies[settings.CSRF_COOKIE_NAME].value
    accepted = client.post("/api/v1/households", body, content_type="application/json",
                           HTTP_X_CSRFTOKEN=csrf)
    assert accepted.status_code == 201, accepted.content
    assert accepted.json()["code"] == "H-S1"


def test_token_writes_need_no_csrf(users, tree):
    _token, raw = ApiToken.issue(users["municipal_officer"])
    client = Client(enforce_csrf_checks=True)
    response = client.post("/api/v1/households", json.dumps({"territory": tree.comm_a1.pk}),
                           content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 201


def test_anonymous_write_is_401_not_a_csrf_error(client, tree):
    response = Client(enforce_csrf_checks=True).post(
        "/api/v1/households", json.dumps({"territory": tree.comm_a1.pk}),
        content_type="application/json")
    assert response.status_code == 401


def _message_in(language: str, english: str) -> str:
    with translation.override(language):
        return translation.gettext(english)


@pytest.mark.parametrize("language", ["en", "es"])
def test_errors_follow_accept_language(api_as, tree, language):
    api = api_as("municipal_officer", language=language)
    response = api.post("households", {"territory": tree.comm_a1.pk, "area": "desert"})
    assert response.status_code == 422
    assert response["Content-Language"] == language
    assert response.json() == {
        "errors": {"area": _message_in(language, "Area must be rural or urban.")}}


def test_token_user_without_accept_language_gets_her_preferred_language(users, tree):
    user = users["municipal_officer"]
    user.preferred_language = "en"
    user.save(update_fields=["preferred_language"])
    _token, raw = ApiToken.issue(user)
    client = Client()
    body = json.dumps({"territory": tree.comm_a1.pk, "rooms": -1})
    response = client.post("/api/v1/households", body, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 422
    assert response["Content-Language"] == "en"
    assert response.json()["errors"] == {"rooms": "Must be a positive number."}

    user.preferred_language = "es"
    user.save(update_fields=["preferred_language"])
    response = client.post("/api/v1/households", body, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response["Content-Language"] == "es"
    assert response.json()["errors"] == {"rooms": _message_in("es", "Must be a positive number.")}
