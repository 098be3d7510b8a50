"""Entry point of a generator process (started with "spawn": a fresh interpreter).

Kept free of Django imports at module level: the child imports this module to find its
target before Django is set up.
"""

from __future__ import annotations


def work(payload: bytes, queue) -> None:  # pragma: no cover - runs in a generator process
    try:
        import django

        django.setup()
        from .chunks import run_jobs
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises
        import traceback

        queue.put(("error", -1, traceback.format_exc()))
        return
    run_jobs(payload, queue)
