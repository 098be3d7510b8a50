"""Precision and recall of the registry-wide search against the duplicates planted by the demo
generator (`crecer.demo.generator.generate`)."""

from __future__ import annotations

import time

import pytest

from crecer.accounts.models import User
from crecer.dedup import batch
from crecer.dedup.matching import find_candidates
from crecer.dedup.models import DuplicateCandidate, Source
from crecer.registry.models import Person


@pytest.mark.django_db
def test_precision_and_recall_on_demo_planted_duplicates():
    generator = pytest.importorskip("crecer.demo.generator")
    t0 = time.perf_counter()
    report = generator.generate(password="demo-pass-123", progress=False, seed=2026,
                                households=600, duplicates=60)
    t_gen = time.perf_counter() - t0
    planted = {tuple(sorted((a, b))) for a, b in report.planted_duplicates}
    assert len(planted) >= 50
    DuplicateCandidate.objects.all().delete()  # measure the batch alone
    result = batch.run()
    found = set(DuplicateCandidate.objects.filter(source=Source.BATCH)
                .values_list("person_a", "person_b"))
    tp = len(found & planted)
    precision = tp / max(1, len(found))
    recall = tp / len(planted)
    print(f"\ndemo data: persons={result.persons} planted={len(planted)} found={len(found)} "
          f"true={tp} precision={precision:.3f} recall={recall:.3f} "
          f"(generate {t_gen:.1f}s, batch {result.seconds:.1f}s)")
    assert precision >= 0.9
    assert recall >= 0.85

    # Entry time: registering each planted copy again would show its original, ranked first,
    # and registering a sample of the other persons again shows no false alarm.
    admin = User.objects.get(username="admin")
    fields = ["given_names", "first_surname", "second_surname", "sex", "birth_date",
              "id_number", "phone"]
    first = 0
    for original, copy in report.planted_duplicates:
        data = Person.objects.values(*fields).get(pk=copy)
        found = find_candidates(admin, data, exclude_ids=[copy])
        first += bool(found) and found[0].person.pk == original
    involved = {pk for pair in planted for pk in pair}
    sample = [r for r in Person.objects.values("pk", *fields).order_by("pk")[:400]
              if r["pk"] not in involved]
    alarms = sum(bool(find_candidates(admin, r, exclude_ids=[r["pk"]])) for r in sample)
    entry_recall = first / len(report.planted_duplicates)
    print(f"entry: original ranked first for {entry_recall:.3f} of the copies; "
          f"false alarms {alarms}/{len(sample)}")
    assert entry_recall >= 0.9
    assert alarms / len(sample) <= 0.05
