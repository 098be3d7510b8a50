import datetime as dt
import uuid

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from crecer.fieldwork.models import Contact


def _client(user):
    c = Client()
    c.cookies["django_language"] = "en"  # assertions below read the English texts
    c.force_login(user)
    return c


def test_worklist_page_lists_her_families(users, family, enrolled):
    r = _client(users["volunteer"]).get(reverse("fieldwork:worklist"))
    assert r.status_code == 200
    assert "H-0001" in r.content.decode()
    assert reverse("fieldwork:visit", args=[family["household"].pk]) in r.content.decode()
    assert _client(users["municipal_officer"]).get(reverse("fieldwork:worklist")).status_code \
        == 403


def test_team_page(users, family, enrolled):
    r = _client(users["facilitator"]).get(reverse("fieldwork:team"))
    assert r.status_code == 200 and "vol" in r.content.decode()
    assert _client(users["volunteer"]).get(reverse("fieldwork:team")).status_code == 403


def test_visit_form_suggests_messages_and_records_once(users, family, enrolled):
    url = reverse("fieldwork:visit", args=[family["household"].pk])
    c = _client(users["volunteer"])
    page = c.get(url).content.decode()
    assert "STIM-PLAY" in page  # 12-36 months: suggested for the family's child
    assert "Luis Ángel" in page
    contact_id = str(uuid.uuid4())
    when = (timezone.localtime() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    post = {"id": contact_id, "kind": "home_visit", "occurred_at": when,
            "present": [str(family["child"].pk)], "messages": ["STIM-PLAY"],
            "item_KIT-DIT": "2", "danger": ["fever"], "evidence": [], "weight_kg": "12.5"}
    assert c.post(url, post).status_code == 302
    assert c.post(url, post).status_code == 302  # a double tap: still one contact
    contact = Contact.objects.get()
    assert str(contact.pk) == contact_id
    assert contact.items_delivered == [{"item_code": "KIT-DIT", "quantity": 2}]
    assert contact.observations["danger_signs"] == ["fever"]


def test_visit_form_shows_errors_and_saves_nothing(users, family, enrolled):
    url = reverse("fieldwork:visit", args=[family["household"].pk])
    future = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    r = _client(users["volunteer"]).post(url, {"kind": "home_visit", "occurred_at": future})
    assert r.status_code == 400 and "in the future" in r.content.decode()
    assert not Contact.objects.exists()


def test_visit_form_outsider_gets_404(users, family, make_user, tree):
    far = make_user("vol_far", "volunteer", tree.comm_b1)
    url = reverse("fieldwork:visit", args=[family["household"].pk])
    assert _client(far).get(url).status_code == 404
    assert _client(far).get(reverse("fieldwork:visit", args=[uuid.uuid4()])).status_code == 404


def test_facilitator_reviews_contacts(users, family, enrolled):
    from crecer.fieldwork.actions import record_contact

    data = {"id": str(uuid.uuid4()), "occurred_at": timezone.now().isoformat(),
            "messages_given": ["STIM-PLAY"]}
    c1 = record_contact(actor=users["volunteer"], household=family["household"], data=data)
    c2 = record_contact(actor=users["volunteer"], household=family["household"],
                        data={**data, "id": str(uuid.uuid4())})
    fac = _client(users["facilitator"])
    page = fac.get(reverse("fieldwork:review")).content.decode()
    assert str(c1.pk) in page and str(c2.pk) in page
    assert fac.post(reverse("fieldwork:review_contact", args=[c1.pk]),
                    {"decision": "validate"}).status_code == 302
    fac.post(reverse("fieldwork:review_contact", args=[c2.pk]), {"decision": "return",
                                                                "reason": "No weight"})
    c1.refresh_from_db()
    c2.refresh_from_db()
    assert (c1.status, c2.status, c2.review_note) == ("validated", "returned", "No weight")
    assert str(c1.pk) not in fac.get(reverse("fieldwork:review")).content.decode()
    outsider = _client(users["municipal_officer_b"])
    assert outsider.post(reverse("fieldwork:review_contact", args=[c1.pk]),
                         {"decision": "return", "reason": "x"}).status_code == 404
