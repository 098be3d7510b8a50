"""Recording a training session: the action's rules and the one-minute form."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from crecer.core.models import AuditEvent
from crecer.workforce import actions
from crecer.workforce.models import Attendance, Completion, TrainingSession

from .conftest import make_worker

D = dt.date


def _counts():
    return (TrainingSession.objects.count(), Attendance.objects.count(),
            Completion.objects.count(),
            AuditEvent.objects.filter(entity__startswith="workforce.").count())


def _record(staff, users, tree, curriculum, **overrides):
    kwargs = {"actor": users["facilitator"], "territory": tree.muni_a1,
              "module": curriculum.core_a, "trainer": staff.fac, "date": D(2025, 5, 5),
              "attendees": staff.volunteers}
    return actions.record_session(**{**kwargs, **overrides})


def test_a_facilitator_records_a_session_for_14_volunteers(staff, users, tree, curriculum):
    session = _record(staff, users, tree, curriculum, notes="  Taller en la escuela ",
                      attendees=[{"worker": v.pk, "score": "85" if n == 0 else ""}
                                 for n, v in enumerate(staff.volunteers)])
    assert session.attendances.filter(attended=True).count() == 14
    assert session.attendances.get(worker=staff.volunteers[0]).score == 85
    assert session.notes == "Taller en la escuela" and session.recorded_by == users["facilitator"]
    assert session.trainer_is_local_staff  # the trainer's institution is local
    events = AuditEvent.objects.filter(entity__startswith="workforce.")
    assert events.filter(entity="workforce.trainingsession").count() == 1
    assert events.filter(entity="workforce.attendance").count() == 14
    created = events.get(entity="workforce.trainingsession")
    assert len(created.changes["attendees"][1]) == 14 and created.actor == users["facilitator"]


def test_module_by_code_and_trainer_from_the_project_team(staff, users, tree, curriculum):
    from crecer.workforce.models import Institution

    external = make_worker(tree.muni_a1, "supervisor", "Pat", "Proyecto",
                           institution=Institution.objects.get(code="proyecto"))
    session = _record(staff, users, tree, curriculum, module="t-initial/core-b",
                      trainer=str(external.pk))
    assert session.module == curriculum.core_b and not session.trainer_is_local_staff


@pytest.mark.parametrize(("overrides", "field", "text"), [
    ({"date": "future"}, "date", "is in the future"),
    ({"module": "t-initial/nope"}, "module", "unknown module “t-initial/nope”"),
    ({"module": "not-a-module"}, "module", "unknown module"),
    ({"mode": "carrier-pigeon"}, "mode", "unknown mode"),
    ({"attendees": []}, "attendees", "at least one worker"),
    ({"trainer": "volunteer"}, "trainer", "is a community volunteer"),
    ({"trainer": "outsider"}, "trainer", "not among the workers of your territories"),
])
def test_bad_input_names_the_field_and_saves_nothing(staff, users, tree, curriculum, overrides,
                                                     field, text):
    values = dict(overrides)
    if values.get("date") == "future":
        values["date"] = timezone.localdate() + dt.timedelta(days=1)
    if values.get("trainer") == "volunteer":
        values["trainer"] = staff.volunteers[0]
        values["attendees"] = staff.volunteers[1:]
    if values.get("trainer") == "outsider":
        values["trainer"] = staff.fac_b
    before = _counts()
    with pytest.raises(ValidationError) as exc:
        _record(staff, users, tree, curriculum, **values)
    assert text in " ".join(exc.value.message_dict[field])
    assert _counts() == before


def test_attendee_rows_are_named(staff, users, tree, curriculum):
    vols = staff.volunteers
    late = make_worker(tree.comm_a1, given="Tardía", surnames="Nueva", start=D(2025, 6, 1))
    gone = make_worker(tree.comm_a1, given="Ida", surnames="Antes", start=D(2020, 1, 1),
                       leave=D(2025, 5, 5))
    rows = [vols[0], staff.outsider, vols[1], {"worker": vols[0]}, {"worker": vols[2],
            "score": 150}, late, gone, "nonsense", staff.fac]
    before = _counts()
    with pytest.raises(ValidationError) as exc:
        _record(staff, users, tree, curriculum, attendees=rows)
    problems = exc.value.message_dict["attendees"]
    assert problems == [
        "Attendee row 2, worker: unknown worker, or not among the workers of your territories.",
        "Attendee row 4 (Vol01 Voluntaria): listed twice (also row 1).",
        "Attendee row 5 (Vol03 Voluntaria), score: give a whole number from 0 to 100.",
        "Attendee row 6 (Tardía Nueva): started on 2025-06-01, after the session.",
        "Attendee row 7 (Ida Antes): left on 2025-05-05, before the session.",
        "Attendee row 8, worker: unknown worker, or not among the workers of your territories.",
        "Attendee row 9 (Fabiola Facilitadora): the trainer cannot attend her own session.",
    ]
    assert "Berta" not in " ".join(problems)  # nothing about a worker outside her territories
    assert _counts() == before


def test_only_absent_rows_is_refused(staff, users, tree, curriculum):
    with pytest.raises(ValidationError) as exc:
        _record(staff, users, tree, curriculum,
                attendees=[{"worker": staff.volunteers[0], "attended": False}])
    assert "attendees" in exc.value.message_dict


@pytest.mark.parametrize("who", ["volunteer", "regional_manager", "national_manager"])
def test_roles_without_the_policy_cannot_record(staff, users, tree, curriculum, who):
    with pytest.raises(PermissionDenied):
        _record(staff, users, tree, curriculum, actor=users[who])


def test_a_territory_outside_hers_is_refused(staff, users, tree, curriculum):
    with pytest.raises(PermissionDenied):
        _record(staff, users, tree, curriculum, territory=tree.muni_b1)
    assert not TrainingSession.objects.exists()


# --- the form ---------------------------------------------------------------------------------


def test_form_lists_the_territorys_workers_and_records_in_one_post(staff, users, tree,
                                                                   curriculum, login):
    client = login(users["facilitator"])
    page = client.get(reverse("workforce:session_new"))
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('name="attended"') == 14 + 2 + 1  # volunteers, municipal staff, herself
    assert "Berta" not in html and "Fausta" not in html  # another municipality
    assert 'selected>Fabiola Facilitadora' in html  # she is the trainer by default
    post = {"territory": tree.muni_a1.pk, "module": curriculum.core_a.pk,
            "date": "2025-05-05", "mode": "in_person", "trainer": staff.fac.pk,
            "attended": [str(v.pk) for v in staff.volunteers],
            f"score-{staff.volunteers[0].pk}": "90"}
    response = client.post(reverse("workforce:session_new"), post)
    session = TrainingSession.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("workforce:session", kwargs={"pk": session.pk})
    assert session.attendances.count() == 14
    assert session.attendances.get(worker=staff.volunteers[0]).score == 90
    detail = client.get(response.url).content.decode()
    assert "Vol14 Voluntaria" in detail


def test_form_bad_input_keeps_the_ticks_and_saves_nothing(staff, users, tree, curriculum,
                                                         login):
    client = login(users["facilitator"])
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    ticked = [str(v.pk) for v in staff.volunteers[:3]]
    post = {"territory": tree.muni_a1.pk, "module": curriculum.core_a.pk,
            "date": tomorrow.isoformat(), "mode": "in_person", "trainer": staff.fac.pk,
            "attended": ticked + [str(staff.outsider.pk)],
            f"score-{ticked[1]}": "101"}
    response = client.post(reverse("workforce:session_new"), post)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was saved" in html
    assert "is in the future" in html
    assert "Attendee row 2 (Vol02 Voluntaria), score" in html
    assert "Attendee row 4, worker: unknown worker" in html
    assert html.count(" checked>") == 3 and 'value="101"' in html
    assert not TrainingSession.objects.exists() and not Attendance.objects.exists()


def test_form_refuses_an_unknown_module_id(staff, users, tree, login):
    client = login(users["facilitator"])
    response = client.post(reverse("workforce:session_new"), {
        "territory": tree.muni_a1.pk, "module": "00000000-0000-4000-8000-000000000000",
        "date": "2025-05-05", "mode": "in_person", "trainer": staff.fac.pk,
        "attended": [str(staff.volunteers[0].pk)]})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not TrainingSession.objects.exists()


def test_form_for_another_territory_is_404(staff, users, tree, login):
    client = login(users["facilitator"])
    assert client.get(reverse("workforce:session_new"),
                      {"territory": tree.muni_b1.pk}).status_code == 404
    assert client.get(reverse("workforce:session_new"),
                      {"territory": tree.comm_a1.pk}).status_code == 200
