"""`crecer expire_referrals`: mark every referral past its due date with no answer as expired."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from crecer.referrals import actions


class Command(BaseCommand):
    help = "Expire every referral still sent or received after its due date."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="take this date (YYYY-MM-DD) as today")
        parser.add_argument("--enqueue", action="store_true",
                            help="queue the job for `crecer worker` instead of running it")

    def handle(self, *args, today=None, enqueue=False, **opts):
        if enqueue:
            from crecer.referrals.tasks import expire_referrals

            result = expire_referrals.enqueue()
            self.stdout.write(f"Queued referral expiry as task {result.id}.")
            return
        day = None
        if today:
            try:
                day = dt.date.fromisoformat(today)
            except ValueError as exc:
                raise CommandError(f"--today: “{today}” is not a date (YYYY-MM-DD).") from exc
        n = actions.expire_overdue_referrals(today=day)
        self.stdout.write(f"expired referrals: {n}")
