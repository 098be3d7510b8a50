"""The demo's implementation data: checklists for every region, zone and municipality with steps
in every state, evidence files stored safely, committees with members, meetings, agreements."""

from __future__ import annotations

import datetime as dt

from crecer.demo.implementation import seed_implementation, tiny_pdf, tiny_png
from crecer.implementation import queries
from crecer.implementation.models import (
    Agreement,
    Checklist,
    Committee,
    Meeting,
    MeetingFile,
    Step,
    StepEvidence,
)

from .conftest import files_on_disk

TODAY = dt.date(2026, 5, 15)


def test_seed_implementation(tree, users, media):
    counts = seed_implementation(seed=7, today=TODAY)
    units = {tree.region_a, tree.region_b, tree.region_a.children.get(),
             tree.region_b.children.get(), tree.muni_a1, tree.muni_a2, tree.muni_b1}
    assert {c.territory for c in Checklist.objects.all()} == units
    assert counts["checklists"] == 7 and counts["steps"] == 7 * 110
    for checklist in Checklist.objects.all():
        statuses = set(checklist.steps.values_list("status", flat=True))
        assert statuses == {"pending", "in_progress", "done", "blocked"}, checklist
        assert checklist.start_date < TODAY
        # nothing is done in the future
        assert not checklist.steps.filter(completed_on__gt=TODAY).exists()
    assert counts["late"] == queries.late_steps(users["admin"], day=TODAY).count() > 0
    assert Step.objects.filter(status="done", completed_on__isnull=True).count() == 0
    # evidence went through the safe storage: random names under evidence/
    evidence = list(StepEvidence.objects.all())
    assert len(evidence) == counts["evidence_files"] == 7  # PDF + PNG per region, 3 notes
    assert all(e.file_name.startswith("evidence/") for e in evidence)
    assert {e.extension for e in evidence} == {"pdf", "png", "txt"}
    stored = files_on_disk(media)
    assert len(stored) == len(evidence) + MeetingFile.objects.count()
    # committees: the central one, two per region, one per zone and one per municipality
    kinds = sorted(Committee.objects.values_list("kind", flat=True))
    assert kinds.count("central_committee") == 1 and kinds.count("state_committee") == 2
    assert kinds.count("zonal_team") == 2 and kinds.count("municipal_council") == 3
    assert all(c.members.count() >= 5 for c in Committee.objects.all())
    assert Meeting.objects.count() >= 2 * Committee.objects.count()
    statuses = set(Agreement.objects.values_list("status", flat=True))
    assert {"open", "done"} <= statuses
    # the demo accounts sit on their committees (the municipal officer on La Ceiba's council)
    assert Committee.objects.get(kind="municipal_council", territory=tree.muni_a1).members \
        .filter(user=users["municipal_officer"]).exists()
    # run twice: nothing more
    assert seed_implementation(seed=7, today=TODAY) == {"skipped": 1}
    assert Checklist.objects.count() == 7


def test_seed_is_deterministic(tree, users, media, django_db_blocker):
    first = seed_implementation(seed=3, today=TODAY)
    statuses = list(Step.objects.order_by("territory__path", "position")
                    .values_list("status", flat=True))
    Agreement.objects.all().delete()
    Committee.objects.all().delete()
    Checklist.objects.all().delete()
    assert seed_implementation(seed=3, today=TODAY) == first
    assert list(Step.objects.order_by("territory__path", "position")
                .values_list("status", flat=True)) == statuses


def test_generated_files_are_real():
    from django.core.files.base import ContentFile

    from crecer.core.uploads import check_upload

    assert check_upload(ContentFile(tiny_pdf("Acta (1)"), name="a.pdf")).extension == "pdf"
    assert check_upload(ContentFile(tiny_png(), name="a.png")).extension == "png"
