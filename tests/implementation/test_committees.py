"""Teams and committees: members (users or named persons) with positions, meetings with
minutes (text and/or files), agreements followed to completion; open and overdue lists."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from crecer.core.models import AuditEvent
from crecer.implementation import actions, queries
from crecer.implementation.models import Agreement, Meeting, MeetingFile

from .conftest import PDF, files_on_disk, html_as_pdf, pdf

TODAY = dt.date(2025, 6, 30)


@pytest.fixture
def council(tree, users):
    return actions.create_committee(actor=users["municipal_officer"], territory=tree.muni_a1,
                                    kind="municipal_council", name="Consejo Municipal La Ceiba")


def test_committee_members_meetings_agreements(tree, users, council, media):
    officer = users["municipal_officer"]
    mayor = actions.add_member(actor=officer, committee=council, person_name="Ana Reyes Paz",
                               position="Alcaldesa (preside)")
    me = actions.add_member(actor=officer, committee=council, user=officer,
                            position="Secretaría técnica", institution="Municipalidad")
    assert me.display_name == "muni" and mayor.display_name == "Ana Reyes Paz"
    meeting = actions.record_meeting(actor=officer, committee=council, date=dt.date(2025, 5, 2),
                                     minutes="Se aprobó el plan.", attendees=[mayor, me],
                                     files=[pdf("acta-mayo.pdf")], today=TODAY)
    assert meeting.files.get().original_name == "acta-mayo.pdf"
    assert len(files_on_disk(media)) == 1
    first = actions.add_agreement(actor=officer, committee=council, meeting=meeting,
                                  text="Incluir el rubro de primera infancia", owner=officer,
                                  due_date=dt.date(2025, 6, 1))
    second = actions.add_agreement(actor=officer, committee=council, text="Censo nominal",
                                   owner_text="Centro de salud", due_date=dt.date(2025, 9, 1))
    assert (first.number, second.number) == (1, 2)
    # open and overdue (scoped)
    assert list(queries.open_agreements(officer, day=TODAY)) == [first, second]
    assert list(queries.open_agreements(officer, overdue_only=True, day=TODAY)) == [first]
    assert first.is_overdue(TODAY) and not second.is_overdue(TODAY)
    assert not queries.open_agreements(users["municipal_officer_b"]).exists()
    # followed to completion
    actions.update_agreement(actor=officer, agreement=first, status="in_progress",
                             note="Borrador listo")
    actions.update_agreement(actor=officer, agreement=first, status="done", note="Aprobado",
                             today=TODAY)
    first.refresh_from_db()
    assert first.status == "done" and first.completed_on == TODAY
    assert [u.status_to for u in first.updates.all()] == ["in_progress", "done"]
    assert list(queries.open_agreements(officer, day=TODAY)) == [second]
    kinds = set(AuditEvent.objects.filter(territory_path=tree.muni_a1.path)
                .values_list("entity", flat=True))
    assert kinds >= {"implementation.committee", "implementation.member",
                     "implementation.meeting", "implementation.meetingfile",
                     "implementation.agreement"}


def test_bad_input_saves_nothing(tree, users, council, media):
    officer = users["municipal_officer"]
    stranger = actions.add_member(
        actor=officer, committee=actions.create_committee(
            actor=officer, territory=tree.muni_a1, kind="zonal_team", name="Otro"),
        person_name="X", position="Y")
    meetings = Meeting.objects.count()
    with pytest.raises(actions.Rejected) as info:
        actions.record_meeting(actor=officer, committee=council, date=dt.date(2025, 7, 5),
                               attendees=[stranger],
                               files=[pdf("bien.pdf"), SimpleUploadedFile(
                                   "mapa.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>")],
                               today=TODAY)
    fields = {e.field for e in info.value.errors}
    assert fields == {"date", "attendees", "files"}
    assert "in the future" in str(info.value) and "mapa.svg" in str(info.value)
    assert Meeting.objects.count() == meetings and MeetingFile.objects.count() == 0
    assert files_on_disk(media) == []
    with pytest.raises(actions.Rejected) as info:
        actions.add_member(actor=officer, committee=council, position="")
    assert {e.field for e in info.value.errors} == {"person_name", "position"}
    with pytest.raises(actions.Rejected):  # a user who does not work there
        actions.add_member(actor=officer, committee=council, user=users["municipal_officer_b"],
                           position="Vocal")
    with pytest.raises(actions.Rejected):
        actions.create_committee(actor=officer, territory=tree.muni_a1, kind="club", name="X")
    agreement = actions.add_agreement(actor=officer, committee=council, text="Algo")
    with pytest.raises(actions.Rejected) as info:
        actions.update_agreement(actor=officer, agreement=agreement, status="cancelled")
    assert "cancelled" in str(info.value)
    with pytest.raises(actions.Rejected):
        actions.update_agreement(actor=officer, agreement=agreement, status="open")  # no change
    assert Agreement.objects.get(pk=agreement.pk).status == "open"


def test_permissions_and_scope(tree, users, council):
    with pytest.raises(PermissionDenied):
        actions.create_committee(actor=users["facilitator"], territory=tree.muni_a1,
                                 kind="zonal_team", name="X")
    with pytest.raises(PermissionDenied):
        actions.add_member(actor=users["municipal_officer_b"], committee=council,
                           person_name="X", position="Y")
    assert list(queries.committees_for(users["regional_manager"])) == [council]
    assert not queries.committees_for(users["municipal_officer_b"]).exists()


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return c


def test_committee_pages(tree, users, council, media):
    c = client_for(users["municipal_officer"])
    url = reverse("implementation:committee", args=[council.pk])
    response = c.post(reverse("implementation:member_new", args=[council.pk]),
                      {"member-person_name": "Ana Reyes", "member-position": "Alcaldesa"})
    assert response.status_code == 302
    response = c.post(reverse("implementation:meeting_new", args=[council.pk]),
                      {"meeting-date": "2025-05-02", "meeting-minutes": "Acta de la sesión",
                       "meeting-files": [pdf("acta.pdf")]})
    assert response.status_code == 302
    meeting = council.meetings.get()
    file = meeting.files.get()
    response = c.post(reverse("implementation:agreement_new", args=[council.pk]),
                      {"agreement-text": "Gestionar el local", "agreement-meeting": meeting.pk,
                       "agreement-due_date": "2025-05-20"})
    assert response.status_code == 302
    page = c.get(url).content.decode()
    assert "Ana Reyes" in page and "Gestionar el local" in page
    minutes = c.get(reverse("implementation:meeting", args=[meeting.pk])).content.decode()
    assert "Acta de la sesión" in minutes and "acta.pdf" in minutes
    download = c.get(reverse("implementation:meeting_file", args=[file.pk]))
    assert download["Content-Disposition"].startswith("attachment;")
    assert b"".join(download.streaming_content) == PDF
    # a bad minutes file: the page comes back with the reason, nothing saved
    response = c.post(reverse("implementation:meeting_new", args=[council.pk]),
                      {"meeting-date": "2025-05-09", "meeting-files": [html_as_pdf()]})
    assert response.status_code == 200 and "informe.pdf" in response.content.decode()
    assert council.meetings.count() == 1
    agreement = council.agreements.get()
    response = c.post(reverse("implementation:agreement", args=[agreement.pk]),
                      {"status": "done", "note": "Local cedido"})
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == "done"
    lists = c.get(reverse("implementation:committees")).content.decode()
    assert "Consejo Municipal La Ceiba" in lists
    # outsiders: 404 everywhere; viewers without the rule: 403 on changes
    other = client_for(users["municipal_officer_b"])
    for name, pk in (("committee", council.pk), ("meeting", meeting.pk),
                     ("meeting_file", file.pk), ("agreement", agreement.pk)):
        assert other.get(reverse(f"implementation:{name}", args=[pk])).status_code == 404
    assert "Consejo Municipal La Ceiba" not in other.get(
        reverse("implementation:committees")).content.decode()
    fac = client_for(users["facilitator"])
    assert fac.get(url).status_code == 200
    assert fac.post(reverse("implementation:member_new", args=[council.pk]),
                    {"member-person_name": "X", "member-position": "Y"}).status_code == 403
    response = c.post(reverse("implementation:committee_new"),
                      {"territory": tree.muni_b1.pk, "kind": "zonal_team", "name": "X"})
    assert response.status_code == 404  # a territory outside hers


def test_overdue_agreements_page(tree, users, council):
    officer = users["municipal_officer"]
    actions.add_agreement(actor=officer, committee=council, text="Vencido hace tiempo",
                          due_date=dt.date(2020, 1, 1))
    actions.add_agreement(actor=officer, committee=council, text="Para el futuro lejano",
                          due_date=dt.date(2099, 1, 1))
    page = client_for(officer).get(reverse("implementation:agreements"),
                                   {"overdue": "1"}).content.decode()
    assert "Vencido hace tiempo" in page and "Para el futuro lejano" not in page
