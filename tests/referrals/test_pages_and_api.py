"""Referral pages and API: create from the person page, answer from the inbox, overdue list,
scope (outsiders 404) and the JSON shapes."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.urls import reverse

from crecer.accounts.models import ApiToken
from crecer.referrals import actions
from crecer.referrals.models import Referral

from .conftest import days_ago

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    """A logged-in client; the pages follow the user's language, asserted in English."""
    user.preferred_language = "en"
    user.save(update_fields=["preferred_language"])
    client = Client()
    client.force_login(user)
    return client


def api(user, method: str, path: str, body=None):
    token = ApiToken.issue(user)[1]
    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_ACCEPT_LANGUAGE": "en"}
    if method == "GET":
        return client.get(f"/api/v1/referrals{path}", body or {}, **headers)
    return client.post(f"/api/v1/referrals{path}", json.dumps(body or {}, default=str),
                       content_type="application/json", **headers)


def test_refer_from_the_person_page(users, family, services, today):
    volunteer = login(users["volunteer"])
    child = family["child"]
    page = volunteer.get(reverse("registry:person", args=[child.pk]))
    assert f'href="/referrals/new/?person={child.pk}"' in page.content.decode()
    url = f"{reverse('referrals:new')}?person={child.pk}"
    form = volunteer.get(url).content.decode()
    assert "CESAMO Sambo Creek" in form and "CESAMO Villa Nueva" not in form
    response = volunteer.post(url, {"to_service": services["health_a1"].pk,
                                    "reason_code": "fever", "urgency": "emergency"})
    referral = Referral.objects.get()
    assert response.status_code == 302 and response.url == f"/referrals/{referral.pk}/"
    assert referral.due_date == today and referral.created_by == users["volunteer"]
    # a service of another municipality is not offered, and a bad choice keeps the form
    response = volunteer.post(url, {"to_service": services["health_b1"].pk,
                                    "reason_code": "fever", "urgency": "routine"})
    assert response.status_code == 200 and Referral.objects.count() == 1


def test_outsiders_get_404(refer, users, family):
    r = refer()
    outsider = login(users["municipal_officer_b"])
    assert outsider.get(reverse("referrals:detail", args=[r.pk])).status_code == 404
    assert outsider.post(reverse("referrals:receive", args=[r.pk])).status_code == 404
    new = f"{reverse('referrals:new')}?person={family['child'].pk}"
    assert outsider.get(new).status_code == 404
    assert outsider.get(f"{reverse('referrals:new')}?person=not-a-uuid").status_code == 404
    assert api(users["municipal_officer_b"], "GET", f"/{r.pk}").status_code == 404


def test_nurse_answers_from_the_inbox(refer, nurse, users):
    r = refer(reason="High fever")
    client = login(nurse)
    inbox = client.get(reverse("referrals:inbox")).content.decode()
    assert "Luis Ángel" in inbox
    assert login(users["municipal_officer_b"]).get(reverse("referrals:inbox")).status_code == 200
    assert "Luis Ángel" not in login(users["municipal_officer_b"]).get(
        reverse("referrals:inbox")).content.decode()
    detail = client.get(reverse("referrals:detail", args=[r.pk])).content.decode()
    assert 'id="receive-referral"' in detail
    assert client.post(reverse("referrals:receive", args=[r.pk])).status_code == 302
    bad = client.post(reverse("referrals:attend", args=[r.pk]), {"what_was_done": ""})
    assert bad.status_code == 200 and "This field is required." in bad.content.decode()
    done = client.post(reverse("referrals:attend", args=[r.pk]),
                       {"what_was_done": "Paracetamol", "follow_up_advice": "Fluids"})
    assert done.status_code == 302
    r.refresh_from_db()
    assert r.status == "attended"
    page = client.get(reverse("referrals:detail", args=[r.pk])).content.decode()
    assert "Paracetamol" in page and 'id="receive-referral"' not in page
    assert page.count("<tr><td>") == 3  # sent, received, attended
    # the sender sees it closed, without answer buttons
    sender = login(users["municipal_officer"]).get(reverse("referrals:detail", args=[r.pk]))
    assert "Attended" in sender.content.decode()
    # a volunteer who sees the person may not answer
    volunteer = login(users["volunteer"])
    assert volunteer.post(reverse("referrals:reject", args=[r.pk]),
                          {"rejection_reason": "x"}).status_code == 403


def test_invalid_transition_on_a_page_is_shown_not_saved(refer, nurse):
    r = refer()
    client = login(nurse)
    response = client.post(reverse("referrals:attend", args=[r.pk]), {"what_was_done": "x"},
                           follow=True)
    assert response.redirect_chain == [(f"/referrals/{r.pk}/", 302)]
    assert "This referral is sent: it cannot become attended." in response.content.decode()
    assert Referral.objects.get(pk=r.pk).status == "sent"


def test_list_filters_and_highlights_overdue(refer, users, django_assert_max_num_queries):
    late = refer(referred_on=days_ago(20), reason_code="malnutrition")
    refer(reason_code="missing_vaccines")
    client = login(users["municipal_officer"])
    client.get(reverse("referrals:list"))  # warm the session
    with django_assert_max_num_queries(8):
        page = client.get(reverse("referrals:list")).content.decode()
    assert page.count('class="referral overdue"') == 1 and page.count('class="referral') == 2
    only = client.get(reverse("referrals:list"), {"overdue": "1"}).content.decode()
    assert "Malnutrition" in only and "Missing vaccines" not in only
    actions.expire_overdue_referrals()
    expired = client.get(reverse("referrals:list"), {"status": "expired"}).content.decode()
    assert expired.count('class="referral') == 1 and str(late.pk) in expired


def test_directory_page(users, services):
    page = login(users["volunteer"]).get(reverse("referrals:services"),
                                         {"sector": "protection"}).content.decode()
    assert "Defensoría La Ceiba" in page and "CESAMO" not in page


def test_api_create_transitions_and_errors(users, family, services, nurse, today):
    officer = users["municipal_officer"]
    body = {"person": family["child"].pk, "to_service": services["health_a1"].pk,
            "reason_code": "developmental_delay", "urgency": "priority",
            "source_contact_id": "6f1c2b8e-4d3a-4f5e-9a7b-1c2d3e4f5a6b"}
    created = api(officer, "POST", "", body)
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["status"] == "sent"
    assert data["due_date"] == (today + dt.timedelta(days=3)).isoformat()
    assert data["source_contact_id"] == body["source_contact_id"]
    assert [e["to_status"] for e in data["history"]] == ["sent"]
    rid = data["id"]
    wrong = api(nurse, "POST", f"/{rid}/counter-referral", {"what_was_done": "x"})
    assert wrong.status_code == 422
    assert wrong.json()["errors"]["status"] == "This referral is sent: it cannot become attended."
    assert api(users["volunteer"], "POST", f"/{rid}/receive").status_code == 403
    assert api(nurse, "POST", f"/{rid}/receive", {"note": "ok"}).json()["status"] == "received"
    done = api(nurse, "POST", f"/{rid}/counter-referral",
               {"what_was_done": "Evaluated with the development scale",
                "follow_up_advice": "Stimulation at home"})
    assert done.status_code == 200
    assert [e["to_status"] for e in done.json()["history"]] == ["sent", "received", "attended"]
    listed = api(nurse, "GET", "", {"box": "inbox", "status": "attended"}).json()
    assert [r["id"] for r in listed["items"]] == [rid]
    bad = api(officer, "POST", "", {**body, "reason_code": "headache",
                                   "to_service": services["health_b1"].pk})
    assert bad.status_code == 422 and "reason_code" in bad.json()["errors"]
    outside = api(officer, "POST", "", {**body, "to_service": services["health_b1"].pk})
    assert outside.status_code == 422 and "to_service" in outside.json()["errors"]
    services_json = api(users["volunteer"], "GET", "/services", {"sector": "health"}).json()
    assert [s["name"] for s in services_json] == ["CESAMO Sambo Creek"]


def test_api_overdue_list(refer, users):
    late = refer(referred_on=days_ago(20))
    refer()
    rows = api(users["municipal_officer"], "GET", "", {"overdue": "true"}).json()
    assert rows["count"] == 1 and rows["items"][0]["id"] == str(late.pk)
    assert rows["items"][0]["overdue"] is True


def test_api_list_has_no_query_per_row(refer, users, django_assert_max_num_queries):
    for _ in range(6):
        refer()
    api(users["municipal_officer"], "GET", "")  # token and session set up
    with django_assert_max_num_queries(7):
        rows = api(users["municipal_officer"], "GET", "", {"limit": 3}).json()
    assert rows["count"] == 6 and len(rows["items"]) == 3
    assert rows["items"][0]["to_service"]["name"] == "CESAMO Sambo Creek"
