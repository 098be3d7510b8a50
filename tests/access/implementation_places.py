"""Objects of the implementation app in a place of the access matrix (see matrix.py): a
checklist of the place's territory started long ago (every step late), a step with an evidence
file, a committee with a meeting, its minutes file and an overdue agreement."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

PDF = b"%PDF-1.4\n%matrix\n%%EOF\n"


def checklist(p):
    if "impl_checklist" not in p._made:
        from crecer.implementation import actions

        p._made["impl_checklist"] = actions.instantiate(
            "mas-bienestar", p.territory, start_date=dt.date(2020, 1, 15))
    return p._made["impl_checklist"]


def step(p):
    return {"pk": checklist(p).steps.order_by("position").first().pk}


def evidence(p):
    from crecer.implementation import actions
    from crecer.implementation.models import Step

    s = Step.objects.get(pk=step(p)["pk"])
    actions.update_step(actor=None, step=s,
                        files=[SimpleUploadedFile(f"evidencia{p.name}.pdf", PDF)])
    return {"pk": s.evidence.order_by("-created_at").first().pk}


def committee(p):
    if "impl_committee" not in p._made:
        from crecer.implementation import actions

        c = actions.create_committee(actor=None, territory=p.territory, kind="zonal_team",
                                     name=f"Comité Matriz{p.name}")
        meeting = actions.record_meeting(
            actor=None, committee=c, date=dt.date(2024, 3, 1), minutes="Acta",
            files=[SimpleUploadedFile(f"acta{p.name}.pdf", PDF)])
        actions.add_agreement(actor=None, committee=c, meeting=meeting,
                              text=f"Acuerdo Matriz{p.name}", due_date=dt.date(2024, 4, 1))
        p._made["impl_committee"] = c
    return p._made["impl_committee"]


def committee_pk(p):
    return {"pk": committee(p).pk}


def committee_name(p) -> str:
    return f"Comité Matriz{p.name}"


def agreement_text(p) -> str:
    return f"Acuerdo Matriz{p.name}"


def meeting_pk(p):
    return {"pk": committee(p).meetings.first().pk}


def meeting_file_pk(p):
    return {"pk": committee(p).meetings.first().files.first().pk}


def agreement_pk(p):
    return {"pk": committee(p).agreements.first().pk}
