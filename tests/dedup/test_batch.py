"""The registry-wide duplicate search (Splink on DuckDB): quality on planted duplicates,
queueing, idempotence, the task and the management command."""

from __future__ import annotations

import io

from django.core.management import call_command

from crecer.dedup import batch
from crecer.dedup.models import DuplicateCandidate, Source, Status
from crecer.dedup.tasks import find_duplicates_batch


def _quality(found: set, planted: set) -> tuple[float, float]:
    tp = len(found & planted)
    return tp / max(1, len(found)), tp / max(1, len(planted))


def test_batch_finds_planted_duplicates_in_synthetic_registry(synthetic):
    planted = {tuple(sorted(p)) for p in synthetic}
    result = batch.run()
    found = set(DuplicateCandidate.objects.filter(source=Source.BATCH)
                .values_list("person_a", "person_b"))
    precision, recall = _quality(found, planted)
    print(f"synthetic: persons={result.persons} pairs={len(found)} "
          f"precision={precision:.3f} recall={recall:.3f} seconds={result.seconds:.2f}")
    assert result.persons > 1000
    assert precision >= 0.9 and recall >= 0.85
    assert all(c.status == Status.PENDING and c.reasons
               for c in DuplicateCandidate.objects.all()[:20])
    # The blocking keeps the comparisons far below all pairs.
    assert result.created == len(found)


def test_batch_skips_known_pairs_and_merged_persons(synthetic):
    first = batch.run()
    assert first.created > 0
    # Review one pair and merge another: a second run adds nothing new.
    pairs = list(DuplicateCandidate.objects.order_by("-score")[:2])
    DuplicateCandidate.objects.filter(pk=pairs[0].pk).update(status=Status.REJECTED)
    from crecer.registry.models import Person

    Person.objects.filter(pk=pairs[1].person_b_id).update(merged_into=pairs[1].person_a_id)
    second = batch.run()
    assert second.created == 0
    assert second.skipped_existing == second.pairs_over_threshold
    assert DuplicateCandidate.objects.get(pk=pairs[0].pk).status == Status.REJECTED


def test_task_and_command(synthetic, tree):
    result = find_duplicates_batch.enqueue()
    assert result.return_value["created"] > 0 and result.return_value["persons"] > 1000
    out = io.StringIO()
    call_command("find_duplicates", "--territory", tree.muni_b1.code, stdout=out)
    text = out.getvalue()
    assert "persons:" in text and "new pairs queued for review: 0" in text
    assert "total time:" in text


def test_batch_on_empty_registry(db):
    result = batch.run()
    assert result.persons == 0 and result.created == 0
