"""Workforce pages: lists and filters in scope, 404 outside, 403 without the role, audit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from crecer.core.models import AuditEvent
from crecer.workforce import actions
from crecer.workforce.models import Completion, Worker

from .conftest import make_worker

D = dt.date


def test_worker_list_in_scope_with_filters(staff, users, login):
    client = login(users["facilitator"])
    url = reverse("workforce:workers")
    html = client.get(url).content.decode()
    assert "Vol01 Voluntaria" in html and "Muni1 Staff" in html
    assert "Berta" not in html and "Fausta" not in html
    html = client.get(url, {"kind": "municipal_staff"}).content.decode()
    assert "Muni1 Staff" in html and "Vol01" not in html
    html = client.get(url, {"q": "vol03"}).content.decode()
    assert "Vol03 Voluntaria" in html and "Vol04" not in html
    actions.record_leave(actor=users["facilitator"], worker=staff.volunteers[0],
                         leave_date=D(2025, 1, 1), leave_reason="moved")
    assert "Vol01 Voluntaria" not in client.get(url).content.decode()  # active by default
    html = client.get(url, {"status": "left"}).content.decode()
    assert "Vol01 Voluntaria" in html and "Vol02" not in html


def test_national_manager_sees_every_worker(staff, users, login):
    html = login(users["national_manager"]).get(reverse("workforce:workers")).content.decode()
    assert "Berta Fuera" in html and "Vol01 Voluntaria" in html


def test_worker_detail_scope_and_role(staff, users, login, curriculum, tree):
    vol = staff.volunteers[0]
    url = reverse("workforce:worker", kwargs={"pk": vol.pk})
    assert login(users["municipal_officer_b"]).get(url).status_code == 404  # outside
    assert login(users["volunteer"]).get(url).status_code == 403  # inside, no policy
    actions.record_session(actor=users["facilitator"], territory=tree.muni_a1,
                           module=curriculum.core_a, trainer=staff.fac, date=D(2025, 2, 2),
                           attendees=[{"worker": vol, "score": 77}])
    html = login(users["regional_manager"]).get(url).content.decode()
    assert "Module core-a" in html and "77" in html and "1 / 3" in html
    assert 'action="/workforce/workers/' not in html  # managers see, they do not act


def test_register_a_worker_and_record_her_departure(tree, users, login, curriculum):
    from crecer.workforce.models import Institution

    Institution.objects.create(code="salud", name="Secretaría de Salud")
    client = login(users["municipal_officer"])
    response = client.post(reverse("workforce:worker_new"), {
        "given_names": "Nueva", "surnames": "Persona", "kind": "volunteer",
        "territory": tree.comm_a1.pk, "institution": "salud", "start_date": "2025-01-15",
        "certification_level": "none", "career_stage": "trainee"})
    worker = Worker.objects.get(given_names="Nueva")
    assert response.status_code == 302 and worker.institution.code == "salud"
    created = AuditEvent.objects.get(entity="workforce.worker", object_id=str(worker.pk))
    assert created.action == "create" and created.territory_path == tree.comm_a1.path
    leave = reverse("workforce:worker_leave", kwargs={"pk": worker.pk})
    bad = client.post(leave, {"leave_date": "2024-12-31", "leave_reason": "moved"})
    assert bad.status_code == 200 and "before the start date 2025-01-15" in bad.content.decode()
    assert client.post(leave, {"leave_date": "2025-06-30", "leave_reason": "moved"}) \
        .status_code == 302
    worker.refresh_from_db()
    assert worker.leave_date == D(2025, 6, 30) and worker.leave_reason == "moved"
    update = AuditEvent.objects.get(entity="workforce.worker", action="update")
    assert update.changes["leave_date"] == [None, "2025-06-30"]
    again = client.post(leave, {"leave_date": "2025-07-30", "leave_reason": "moved"})
    assert "already left on 2025-06-30" in again.content.decode()


def test_register_refuses_bad_input_and_outside_territory(tree, users):
    officer = users["municipal_officer"]
    with pytest.raises(Exception) as exc:
        actions.register_worker(actor=officer, territory=tree.comm_a1, given_names=" ",
                                surnames="X", kind="astronaut", start_date=D(2999, 1, 1),
                                institution="nowhere")
    errors = exc.value.message_dict
    assert set(errors) == {"given_names", "kind", "start_date", "institution"}
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        actions.register_worker(actor=officer, territory=tree.comm_b1, given_names="A",
                                surnames="B", kind="volunteer", start_date=D(2020, 1, 1))
    assert not Worker.objects.exists()


def test_one_active_worker_per_user_account(tree, users):
    officer, vol_user = users["municipal_officer"], users["volunteer"]
    make_worker(tree.comm_a1, user=vol_user)
    with pytest.raises(Exception) as exc:
        actions.register_worker(actor=officer, territory=tree.comm_a1, given_names="A",
                                surnames="B", kind="volunteer", start_date=D(2020, 1, 1),
                                user=vol_user)
    assert "already an active worker" in exc.value.message_dict["user"][0]


def test_certify_button(staff, users, login, curriculum):
    completion = Completion.objects.create(worker=staff.volunteers[0],
                                           curriculum=curriculum.curriculum,
                                           completed_on=D(2025, 3, 1))
    url = reverse("workforce:certify", kwargs={"pk": completion.pk})
    assert login(users["municipal_officer_b"]).post(url).status_code == 404
    assert login(users["regional_manager"]).post(url).status_code == 403
    client = login(users["facilitator"])
    detail = reverse("workforce:worker", kwargs={"pk": staff.volunteers[0].pk})
    assert url in client.get(detail).content.decode()
    assert client.post(url).status_code == 302
    completion.refresh_from_db()
    assert completion.certified
    html = client.get(detail).content.decode()
    assert url not in html


def test_career_stage(staff, users, login):
    vol = staff.volunteers[0]
    client = login(users["facilitator"])
    url = reverse("workforce:worker_career", kwargs={"pk": vol.pk})
    assert client.post(url, {"career_stage": "mentor"}).status_code == 302
    vol.refresh_from_db()
    assert vol.career_stage == "mentor"
    assert client.post(url, {"career_stage": "emperor"}).status_code == 200


def test_sessions_list_and_detail_hide_outsiders(staff, users, tree, curriculum, login,
                                                 make_user):
    admin_a = make_user("adm_a", "admin", tree.region_a)
    session = actions.record_session(actor=admin_a, territory=tree.muni_a1,
                                     module=curriculum.core_a, trainer=staff.fac,
                                     date=D(2025, 2, 2),
                                     attendees=[staff.volunteers[0], staff.volunteers[1]])
    # a volunteer of El Porvenir at the same session, recorded by the regional administrator
    porvenir = make_worker(tree.comm_a2, given="Porvenir", surnames="Vecina")
    actions.record_session(actor=admin_a, territory=tree.muni_a1, module=curriculum.core_b,
                           trainer=staff.fac, date=D(2025, 2, 3), attendees=[porvenir])
    client = login(users["facilitator"])
    html = client.get(reverse("workforce:sessions")).content.decode()
    assert "Module core-a" in html and "Given by local staff: 100 %" in html
    other = client.get(reverse("workforce:sessions"), {"module": curriculum.core_b.pk})
    detail = client.get(reverse("workforce:session", kwargs={
        "pk": other.context["page"][0].pk})).content.decode()
    assert "Porvenir" not in detail and "1 worker outside your territories" in detail
    url = reverse("workforce:session", kwargs={"pk": session.pk})
    assert login(users["municipal_officer_b"]).get(url).status_code == 404


def test_turnover_page(staff, users, login, tree):
    this_year = dt.date.today().year
    make_worker(tree.comm_a1, given="Left", start=D(2020, 1, 1),
                leave=D(this_year - 1, 6, 1))
    client = login(users["municipal_officer"])
    response = client.get(reverse("workforce:turnover"))
    assert response.status_code == 200
    total = response.context["rows"][-1].periods[1]
    assert (total.headcount_start, total.leavers) == (18, 1)  # La Ceiba's 17 + the leaver
    html = response.content.decode()
    assert "Municipal teams trained in the whole curriculum" in html
    assert client.get(reverse("workforce:turnover"), {"unit": tree.muni_b1.pk}) \
        .status_code == 404
    assert login(users["volunteer"]).get(reverse("workforce:turnover")).status_code == 403


def test_nav_link_only_for_workforce_viewers(staff, users, login):
    assert 'id="nav-workforce"' in login(users["regional_manager"]).get("/").content.decode()
    assert 'id="nav-workforce"' not in login(users["volunteer"]).get("/").content.decode()


def test_lists_take_a_fixed_number_of_queries(staff, users, tree, curriculum, login,
                                              django_assert_max_num_queries):
    for day in (1, 2, 3):
        actions.record_session(actor=users["facilitator"], territory=tree.muni_a1,
                               module=curriculum.core_a, trainer=staff.fac,
                               date=D(2025, 2, day), attendees=staff.volunteers[day:day + 3])
    client = login(users["facilitator"])
    for name in ("workforce:workers", "workforce:sessions", "workforce:cascade",
                 "workforce:turnover"):
        with django_assert_max_num_queries(16):
            assert client.get(reverse(name)).status_code == 200
