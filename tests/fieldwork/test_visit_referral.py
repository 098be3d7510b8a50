"""A visit raises a referral: on the form and in the sync batch, all or nothing, once."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from crecer.fieldwork.models import Contact
from crecer.referrals.models import Referral

pytestmark = pytest.mark.django_db


def _client(user):
    c = Client()
    c.cookies["django_language"] = "en"
    c.force_login(user)
    return c


def _post(family, tree, **extra):
    when = (timezone.localtime() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    return {"id": str(uuid.uuid4()), "kind": "home_visit", "occurred_at": when,
            "present": [str(family["child"].pk)], "ref_person": str(family["child"].pk),
            "ref_service": str(tree.health_a1.pk), "ref_reason_code": "fever",
            "ref_urgency": "priority", **extra}


def test_visit_form_raises_a_referral_once(users, family, enrolled, tree):
    url = reverse("fieldwork:visit", args=[family["household"].pk])
    c = _client(users["volunteer"])
    page = c.get(url).content.decode()
    assert 'name="ref_service"' in page and tree.health_a1.name in page
    post = _post(family, tree)
    assert c.post(url, post).status_code == 302
    assert c.post(url, post).status_code == 302  # double tap
    contact = Contact.objects.get()
    ref = Referral.objects.get()
    assert ref.source_contact_id == contact.pk
    assert ref.person_id == family["child"].pk and ref.to_service_id == tree.health_a1.pk
    assert ref.urgency == "priority" and ref.reason_code == "fever"
    assert ref.referred_on == timezone.localtime(contact.occurred_at).date()


def test_visit_without_referral_still_works(users, family, enrolled, tree):
    url = reverse("fieldwork:visit", args=[family["household"].pk])
    post = _post(family, tree, ref_person="", ref_service="")
    assert _client(users["volunteer"]).post(url, post).status_code == 302
    assert Contact.objects.count() == 1 and Referral.objects.count() == 0


@pytest.mark.parametrize("change, message", [
    ({"present": []}, "must be among those present"),
    ({"ref_service": "999999"}, "not in the directory"),
    ({"ref_reason_code": "nonsense"}, "Unknown reason"),
])
def test_bad_referral_saves_neither(users, family, enrolled, tree, change, message):
    url = reverse("fieldwork:visit", args=[family["household"].pk])
    r = _client(users["volunteer"]).post(url, _post(family, tree, **change))
    assert r.status_code == 400
    assert message in r.content.decode()
    assert Contact.objects.count() == 0 and Referral.objects.count() == 0


def _sync(user, contacts):
    from crecer.accounts.models import ApiToken

    _token, raw = ApiToken.issue(user, name="test")
    return Client().post("/api/v1/sync/contacts", json.dumps({"contacts": contacts}),
                         content_type="application/json", HTTP_ACCEPT_LANGUAGE="en",
                         HTTP_AUTHORIZATION=f"Bearer {raw}")


def _item(family, tree, **referral):
    child = str(family["child"].pk)
    return {"id": str(uuid.uuid4()), "household_id": str(family["household"].pk),
            "kind": "home_visit",
            "occurred_at": (timezone.now() - dt.timedelta(days=2)).isoformat(),
            "persons_present": [child],
            "referral": {"person_id": child, "service_id": tree.health_a1.pk,
                         "reason_code": "fever", "urgency": "emergency", **referral}}


def test_sync_referral_is_idempotent(users, family, enrolled, tree):
    batch = [_item(family, tree), {**_item(family, tree), "referral": None}]
    first = _sync(users["volunteer"], batch)
    assert first.status_code == 200, first.content
    assert [r["status"] for r in first.json()["results"]] == ["created", "created"]
    second = _sync(users["volunteer"], batch).json()
    assert [r["status"] for r in second["results"]] == ["duplicate", "duplicate"]
    ref = Referral.objects.get()
    assert str(ref.source_contact_id) == batch[0]["id"]
    contact = Contact.objects.get(pk=batch[0]["id"])
    assert ref.referred_on == timezone.localtime(contact.occurred_at).date()
    assert ref.urgency == "emergency" and ref.created_by_id == users["volunteer"].pk


def test_sync_bad_referral_rejects_only_that_contact(users, family, enrolled, tree):
    bad = _item(family, tree, reason_code="nonsense")
    good = _item(family, tree)
    res = _sync(users["volunteer"], [bad, good]).json()["results"]
    assert res[0]["status"] == "rejected" and "referral.reason_code" in res[0]["errors"]
    assert res[1]["status"] == "created"
    assert Contact.objects.count() == 1 and Referral.objects.count() == 1


def test_sync_referral_malformed_is_422(users, family, enrolled, tree):
    item = _item(family, tree)
    item["referral"]["unknown"] = 1
    assert _sync(users["volunteer"], [item]).status_code == 422
    assert Contact.objects.count() == 0
