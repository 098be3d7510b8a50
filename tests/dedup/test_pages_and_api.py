"""The review pages and the API: scope (404 for outsiders), roles (403), decisions, undo."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.urls import reverse

from crecer.core.models import AuditAction, AuditEvent
from crecer.dedup.models import DuplicateCandidate, Merge, Source, Status
from crecer.registry import actions as registry
from crecer.registry.models import Person


@pytest.fixture
def pair(family, users):
    officer = users["municipal_officer"]
    hh = registry.create_household(actor=officer, territory=family["household"].territory,
                                   data={"code": "H-0009"})
    copy = registry.register_person(
        actor=officer, household=hh, roles=["caregiver"],
        data={"given_names": "Maria Jose", "first_surname": "Hernandez", "second_surname": "",
              "sex": "F", "birth_date": "1995-03-14"})
    a, b = DuplicateCandidate.ordered(family["mother"].pk, copy.pk)
    cand = DuplicateCandidate.objects.create(
        person_a_id=a, person_b_id=b, score=0.93, source=Source.BATCH,
        reasons=["similar names", "second surname missing in one record", "same birth date"])
    return {"candidate": cand, "copy": copy, **family}


def _client(client, user):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_queue_lists_pairs_in_scope_only(client, pair, users):
    c = _client(client, users["municipal_officer"])
    html = c.get(reverse("dedup:queue")).content.decode()
    assert "María José Hernández López" in html and "second surname missing" in html
    assert 'id="nav-duplicates"' in html
    c = _client(client, users["municipal_officer_b"])
    html = c.get(reverse("dedup:queue")).content.decode()
    assert "María José" not in html and "No possible duplicates to review." in html


def test_compare_page_404_for_outsiders_403_for_volunteers(client, pair, users):
    url = reverse("dedup:compare", args=[pair["candidate"].pk])
    assert _client(client, users["municipal_officer_b"]).get(url).status_code == 404
    assert _client(client, users["volunteer"]).get(url).status_code == 403
    assert _client(client, users["volunteer"]).get(reverse("dedup:queue")).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302  # to the login page
    resp = _client(client, users["municipal_officer"]).get(url)
    assert resp.status_code == 200
    html = resp.content.decode()
    assert 'id="merge"' in html and 'id="not-same"' in html and "Same person — merge" in html


def test_merge_from_compare_page_then_undo_from_history(client, pair, users):
    c = _client(client, users["municipal_officer"])
    mother, copy = pair["mother"], pair["copy"]
    url = reverse("dedup:compare", args=[pair["candidate"].pk])
    resp = c.post(url, {"decision": "merge", "survivor": str(mother.pk)})
    assert resp.status_code == 302
    assert Person.objects.get(pk=copy.pk).merged_into_id == mother.pk
    merge = Merge.objects.get()
    html = c.get(reverse("dedup:merges")).content.decode()
    assert "Undo" in html and copy.full_name in html
    # An outsider cannot undo it (404), the officer can.
    assert _client(client, users["municipal_officer_b"]).post(
        reverse("dedup:undo", args=[merge.pk])).status_code == 404
    c = _client(client, users["municipal_officer"])
    assert c.post(reverse("dedup:undo", args=[merge.pk])).status_code == 302
    assert Person.objects.get(pk=copy.pk).merged_into_id is None
    assert "undone by muni" in c.get(reverse("dedup:merges")).content.decode()


def test_not_the_same_from_compare_page(client, pair, users):
    c = _client(client, users["municipal_officer"])
    url = reverse("dedup:compare", args=[pair["candidate"].pk])
    assert c.post(url, {"decision": "different"}).status_code == 302
    assert DuplicateCandidate.objects.get().status == Status.REJECTED
    assert "No possible duplicates" in c.get(reverse("dedup:queue")).content.decode()


# --- API ---------------------------------------------------------------------------------------

def _api(client, user, method, path, body=None):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the user's choice beats the header
    kwargs = {"content_type": "application/json", "data": json.dumps(body)} if body else {}
    return getattr(client, method)(f"/api/v1/duplicates{path}", HTTP_ACCEPT_LANGUAGE="en", **kwargs)


def test_api_list_check_review(client, pair, users):
    officer = users["municipal_officer"]
    resp = _api(client, officer, "get", "")
    assert resp.status_code == 200
    data = resp.json()
    assert data["count"] == 1 and data["items"][0]["score"] == 0.93
    assert _api(client, users["municipal_officer_b"], "get", "").json()["count"] == 0
    assert _api(client, users["volunteer"], "get", "").status_code == 403

    resp = _api(client, officer, "post", "/check", {
        "given_names": "Luis Anjel", "first_surname": "López", "second_surname": "Hernández",
        "sex": "M", "birth_date": "2024-07-02"})
    assert resp.status_code == 200
    found = resp.json()
    assert found[0]["person"]["id"] == str(pair["child"].pk)
    assert "surnames swapped" in found[0]["reasons"]
    # A volunteer registers people, so she may check; an outsider finds nothing.
    assert _api(client, users["volunteer"], "post", "/check",
                {"given_names": "Luis Angel", "first_surname": "Hernandez",
                 "birth_date": "2024-07-02"}).json()[0]["person"]["id"] == str(pair["child"].pk)
    assert _api(client, users["municipal_officer_b"], "post", "/check",
                {"given_names": "Luis Angel", "first_surname": "Hernandez",
                 "birth_date": "2024-07-02"}).json() == []
    assert _api(client, officer, "post", "/check", {"given_names": "x", "nope": 1}
                ).status_code == 422

    cid = pair["candidate"].pk
    assert _api(client, users["municipal_officer_b"], "post", f"/{cid}/review",
                {"decision": "different"}).status_code == 404
    assert _api(client, officer, "post", f"/{cid}/review",
                {"decision": "same", "survivor": str(pair["child"].pk)}).status_code == 422
    resp = _api(client, officer, "post", f"/{cid}/review",
                {"decision": "same", "survivor": str(pair["mother"].pk)})
    assert resp.status_code == 200 and resp.json()["status"] == "merged"
    merges = _api(client, officer, "get", "/merges").json()
    assert merges["count"] == 1
    mid = merges["items"][0]["id"]
    resp = _api(client, officer, "post", f"/merges/{mid}/undo")
    assert resp.status_code == 200 and resp.json()["undone_by"] == "muni"
    assert AuditEvent.objects.filter(action=AuditAction.UNMERGE).count() == 2
    assert _api(client, officer, "post", f"/merges/{mid}/undo").status_code == 422


def test_queue_and_api_list_query_count_does_not_grow_with_rows(client, pair, users, tree,
                                                                django_assert_max_num_queries):
    from crecer.dedup.models import DuplicateCandidate as DC

    officer = users["municipal_officer"]
    hh = registry.create_household(actor=officer, territory=tree.comm_a1b, data={"code": "H-Q"})
    people = [registry.register_person(
        actor=officer, household=hh,
        data={"given_names": f"Ana {i}", "first_surname": "Pérez", "sex": "F"}) for i in range(6)]
    for x, y in zip(people[::2], people[1::2], strict=True):
        a, b = DC.ordered(x.pk, y.pk)
        DC.objects.create(person_a_id=a, person_b_id=b, score=0.8, reasons=["similar names"])
    c = _client(client, officer)
    with django_assert_max_num_queries(8):
        html = c.get(reverse("dedup:queue")).content.decode()
    assert html.count('class="duplicate-pair"') == 4
    with django_assert_max_num_queries(8):
        assert c.get("/api/v1/duplicates", HTTP_ACCEPT_LANGUAGE="en").json()["count"] == 4
