"""The cascade: which trainer trained which volunteers, and the families those volunteers
serve (active enrolments of households in the viewer's territories)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from crecer.programmes.models import Enrolment, Programme
from crecer.registry import actions as registry
from crecer.workforce import actions, queries

from .conftest import make_worker

D = dt.date


@pytest.fixture
def served(tree, users, staff, curriculum, make_user):
    """Fabiola trained Vol01 and Vol02 (twice: counted once) and Vol03 (absent: not trained);
    Fausta (Distrito Central) trained Berta. Vol01 serves 2 households, Vol02 1 (+1 exited),
    Berta 1 in Distrito Central."""
    fac_user, officer_b = users["facilitator"], users["municipal_officer_b"]
    vols = staff.volunteers
    for n, v in enumerate(vols[:3], start=1):
        v.user = make_user(f"vol-{n}", "volunteer", v.territory)
        v.save()
    staff.outsider.user = make_user("vol-b", "volunteer", tree.comm_b1)
    staff.outsider.save()
    for module in (curriculum.core_a, curriculum.core_b):
        actions.record_session(actor=fac_user, territory=tree.muni_a1, module=module,
                               trainer=staff.fac, date=D(2025, 1, 10),
                               attendees=[vols[0], vols[1],
                                          {"worker": vols[2], "attended": False}])
    admin_b = make_user("adm_b", "admin", tree.muni_b1)
    actions.record_session(actor=admin_b, territory=tree.muni_b1, module=curriculum.core_a,
                           trainer=staff.fac_b, date=D(2025, 1, 11), attendees=[staff.outsider])
    programme = Programme.objects.create(code="pi", name="PI", kind="volunteer_model")

    def household(code, unit, volunteer, actor, status="active"):
        hh = registry.create_household(actor=actor, territory=unit, data={"code": code})
        Enrolment.objects.create(programme=programme, household=hh, volunteer=volunteer.user,
                                 start=D(2025, 1, 1), status=status,
                                 end=D(2025, 6, 1) if status == "exited" else None)

    officer = users["municipal_officer"]
    household("H-1", tree.comm_a1, vols[0], officer)
    household("H-2", tree.comm_a1, vols[0], officer)
    household("H-3", tree.comm_a1b, vols[1], officer)
    household("H-4", tree.comm_a1b, vols[1], officer, status="exited")
    household("H-5", tree.comm_a1, vols[2], officer)
    household("H-6", tree.comm_b1, staff.outsider, officer_b)
    return staff


def test_cascade_from_sessions_attendance_and_enrolments(served, users):
    rows = queries.cascade(users["admin"])
    summary = {r.trainer.given_names: ([(v.worker.given_names, v.families) for v in r.volunteers],
                                       r.families) for r in rows}
    assert summary == {"Fabiola": ([("Vol01", 2), ("Vol02", 1)], 3),
                       "Fausta": ([("Berta", 1)], 1)}


def test_cascade_is_limited_to_the_viewers_territories(served, users, tree):
    rows = queries.cascade(users["municipal_officer"])
    assert [r.trainer.given_names for r in rows] == ["Fabiola"]
    assert queries.cascade(users["admin"], tree.muni_b1)[0].trainer.given_names == "Fausta"


def test_a_volunteer_who_left_still_counts_as_trained(served, users):
    vol = served.volunteers[1]
    actions.record_leave(actor=users["municipal_officer"], worker=vol, leave_date=D(2025, 7, 1),
                         leave_reason="moved")
    row = next(r for r in queries.cascade(users["admin"]) if r.trainer == served.fac)
    assert len(row.volunteers) == 2 and row.active_volunteers == 1


def test_cascade_query_count(served, users, django_assert_max_num_queries):
    admin = users["admin"]
    list(admin.territories.all())
    with django_assert_max_num_queries(5):
        queries.cascade(admin)


def test_cascade_page(served, users, login):
    client = login(users["facilitator"])
    html = client.get(reverse("workforce:cascade")).content.decode()
    assert "Fabiola Facilitadora" in html and "Vol01 Voluntaria" in html
    assert "Fausta" not in html and "Berta" not in html
    assert "1 trainers · 2 volunteers trained · 3 families served" in html


def test_trainer_without_volunteers_is_not_in_the_cascade(staff, users, tree, curriculum):
    make_worker(tree.muni_a1, "supervisor", "Sara", "Supervisora")
    assert queries.cascade(users["admin"]) == []
