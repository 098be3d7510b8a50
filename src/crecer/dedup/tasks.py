"""Background work of the dedup app, run by `crecer worker` (inline in tests)."""

from __future__ import annotations

from django_tasks import task

from . import batch


@task()
def find_duplicates_batch(territory_path: str | None = None) -> dict:
    """Registry-wide duplicate search (Splink on DuckDB); queues new pairs for review.
    Returns the counts and timings (JSON-ready, kept as the task's result)."""
    result = batch.run(territory_path=territory_path)
    return {
        "persons": result.persons,
        "pairs_over_threshold": result.pairs_over_threshold,
        "created": result.created,
        "skipped_existing": result.skipped_existing,
        "seconds": round(result.seconds, 3),
        "timings": {k: round(v, 3) for k, v in result.timings.items()},
    }
