"""`crecer find_duplicates`: run the registry-wide duplicate search now and print counts."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from crecer.dedup import batch
from crecer.territory.models import OrgUnit


class Command(BaseCommand):
    help = "Find likely duplicate persons across the registry and queue them for review."

    def add_arguments(self, parser):
        parser.add_argument("--territory", help="only persons under this org-unit code")
        parser.add_argument("--threshold", type=float, default=batch.THRESHOLD,
                            help="Splink match probability needed to queue a pair "
                                 f"(default {batch.THRESHOLD})")
        parser.add_argument("--enqueue", action="store_true",
                            help="queue the job for `crecer worker` instead of running it")

    def handle(self, *args, territory=None, threshold=batch.THRESHOLD, enqueue=False, **opts):
        path = None
        if territory:
            unit = OrgUnit.objects.filter(code=territory).first()
            if unit is None:
                self.stderr.write(f"Unknown territory code “{territory}”.")
                return
            path = unit.path
        if enqueue:
            from crecer.dedup.tasks import find_duplicates_batch

            result = find_duplicates_batch.enqueue(territory_path=path)
            self.stdout.write(f"Queued duplicate search as task {result.id}.")
            return
        res = batch.run(territory_path=path, threshold=threshold)
        self.stdout.write(
            f"persons: {res.persons}\n"
            f"pairs over threshold ({threshold}): {res.pairs_over_threshold}\n"
            f"new pairs queued for review: {res.created}\n"
            f"pairs already known (skipped): {res.skipped_existing}\n"
            + "".join(f"time {k}: {v:.2f} s\n" for k, v in res.timings.items())
            + f"total time: {res.seconds:.2f} s"
        )
