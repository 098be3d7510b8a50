"""Supervision: accompanied visits with a checklist (action, policy, page)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from crecer.core.models import AuditEvent
from crecer.fieldwork.models import CHECKLIST_CODES, AccompaniedVisit
from crecer.fieldwork.supervision import record_accompanied_visit

pytestmark = pytest.mark.django_db

ALL_YES = dict.fromkeys(CHECKLIST_CODES, "yes")


def _client(user):
    c = Client()
    c.cookies["django_language"] = "en"
    c.force_login(user)
    return c


def test_facilitator_records_an_accompanied_visit(users, family, enrolled):
    visit = record_accompanied_visit(
        actor=users["facilitator"], volunteer=users["volunteer"], household=family["household"],
        visited_on=timezone.localdate(), checklist={**ALL_YES, "recorded_correctly": "no"},
        comments="  Good rapport  ")
    assert visit.checklist["greeted_family"] is True
    assert visit.checklist["recorded_correctly"] is False
    assert set(visit.checklist) == set(CHECKLIST_CODES)
    assert visit.score == f"{len(CHECKLIST_CODES) - 1}/{len(CHECKLIST_CODES)}"
    assert visit.comments == "Good rapport"
    assert AuditEvent.objects.filter(object_id=str(visit.pk)).count() == 1


@pytest.mark.parametrize("kw, field", [
    ({"checklist": {**ALL_YES, "sang_a_song": "yes"}}, "checklist"),
    ({"checklist": {**ALL_YES, "greeted_family": "maybe"}}, "checklist"),
    ({"checklist": ["greeted_family"]}, "checklist"),
    ({"visited_on": timezone.localdate() + dt.timedelta(days=2)}, "visited_on"),
    ({"visited_on": "not a date"}, "visited_on"),
])
def test_bad_input_is_refused(users, family, enrolled, kw, field):
    args = {"actor": users["facilitator"], "volunteer": users["volunteer"],
            "household": family["household"], "visited_on": timezone.localdate(),
            "checklist": ALL_YES, **kw}
    with pytest.raises(ValidationError) as exc:
        record_accompanied_visit(**args)
    assert field in exc.value.message_dict
    assert AccompaniedVisit.objects.count() == 0


def test_policy_and_scope(users, family, enrolled, make_user, tree):
    args = {"volunteer": users["volunteer"], "household": family["household"],
            "visited_on": timezone.localdate(), "checklist": ALL_YES}
    for role in ("volunteer", "municipal_officer"):
        with pytest.raises(PermissionDenied):
            record_accompanied_visit(actor=users[role], **args)
    far = make_user("far_fac", "facilitator", tree.comm_b1)
    with pytest.raises(PermissionDenied):
        record_accompanied_visit(actor=far, **args)
    other_vol = make_user("vol_b", "volunteer", tree.comm_b1)
    with pytest.raises(ValidationError) as exc:
        record_accompanied_visit(actor=users["facilitator"], **{**args, "volunteer": other_vol})
    assert "volunteer" in exc.value.message_dict
    with pytest.raises(ValidationError):
        record_accompanied_visit(actor=users["facilitator"],
                                 **{**args, "volunteer": users["facilitator"]})


def test_page_records_and_lists(users, family, enrolled):
    url = reverse("fieldwork:accompanied")
    c = _client(users["facilitator"])
    page = c.get(url).content.decode()
    assert "checked for danger signs" in page and family["household"].code in page
    r = c.post(url, {"volunteer": users["volunteer"].pk, "household": family["household"].pk,
                     "visited_on": timezone.localdate().isoformat(),
                     "check_greeted_family": "yes", "check_checked_danger_signs": "yes",
                     "comments": "Bien"})
    assert r.status_code == 302
    visit = AccompaniedVisit.objects.get()
    assert visit.checklist["checked_danger_signs"] and not visit.checklist["recorded_correctly"]
    listing = c.get(url).content.decode()
    assert f"2/{len(CHECKLIST_CODES)}" in listing and "Bien" in listing
    bad = c.post(url, {"volunteer": users["volunteer"].pk, "household": family["household"].pk,
                       "visited_on": "2999-01-01"})
    assert bad.status_code == 400 and "future" in bad.content.decode()
    assert AccompaniedVisit.objects.count() == 1
    assert _client(users["volunteer"]).get(url).status_code == 403
