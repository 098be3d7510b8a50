"""`crecer indicators <subcommand>`:

    load-catalogue [--path FILE_OR_DIR] [--overwrite]   upsert the shipped catalogue files
    export-catalogue [--all] [CODE ...]                 indicators as TOML (stdout)
    import-targets FILE.csv --user USERNAME             targets from a CSV file
    refresh [--full]                                    recompute the indicator values
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Indicator catalogue, targets and values (see `crecer indicators <subcommand> -h`)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="subcommand")
        load = sub.add_parser("load-catalogue", help="create or update the catalogue's "
                                                     "indicators (all or nothing)")
        load.add_argument("--path", help="a catalogue file or folder (default: the shipped one)")
        load.add_argument("--overwrite", action="store_true",
                          help="also replace indicators edited on the page")
        export = sub.add_parser("export-catalogue", help="print indicators as a catalogue file")
        export.add_argument("codes", nargs="*", help="indicator codes (default: those made or "
                                                     "edited on the page)")
        export.add_argument("--all", action="store_true", help="every indicator")
        targets = sub.add_parser("import-targets", help="import targets from a CSV file "
                                                        "(indicator, unit_code, period, value)")
        targets.add_argument("file")
        targets.add_argument("--user", required=True,
                             help="username of the M&E officer the import is recorded for")
        refresh = sub.add_parser("refresh", help="recompute the indicator values")
        refresh.add_argument("--full", action="store_true",
                             help="rebuild the extract instead of reading changed rows only")

    def handle(self, *args, **options):
        return getattr(self, "_" + options["subcommand"].replace("-", "_"))(options)

    def _load_catalogue(self, options):
        from crecer.indicators.catalogue import CatalogueError, load_catalogue

        try:
            report = load_catalogue(options.get("path"), overwrite=options.get("overwrite"))
        except CatalogueError as exc:
            raise CommandError("the catalogue was not loaded:\n  " + "\n  ".join(exc.errors)
                               ) from None
        self.stdout.write(str(report))
        for code in report.kept:
            self.stdout.write(f"  kept (edited on the page; --overwrite replaces it): {code}")

    def _export_catalogue(self, options):
        from crecer.indicators.catalogue import export_catalogue
        from crecer.indicators.models import Indicator

        qs = None
        if options.get("all"):
            qs = Indicator.objects.order_by("code")
        elif options.get("codes"):
            qs = Indicator.objects.filter(code__in=options["codes"]).order_by("code")
            missing = set(options["codes"]) - set(qs.values_list("code", flat=True))
            if missing:
                raise CommandError(f"unknown indicators: {', '.join(sorted(missing))}")
        self.stdout.write(export_catalogue(qs))

    def _import_targets(self, options):
        from crecer.accounts.models import User
        from crecer.indicators.actions import import_targets_csv

        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"no user '{options['user']}'")
        try:
            with open(options["file"], "rb") as fh:
                counts = import_targets_csv(actor=user, file=fh)
        except OSError as exc:
            raise CommandError(str(exc)) from None
        except ValidationError as exc:
            raise CommandError("nothing was imported:\n  " + "\n  ".join(exc.messages)
                               ) from None
        except PermissionDenied:
            raise CommandError(f"{user.username} may not manage indicators and targets "
                               "(M&E officer or administrator)") from None
        self.stdout.write("targets: {created} created, {updated} updated, "
                          "{unchanged} unchanged".format(**counts))

    def _refresh(self, options):
        from crecer.indicators import engine

        engine.refresh(full=options["full"], progress=print)
