"""`crecer scaleup <subcommand>`:

    load-models [--path FILE_OR_DIR] [--overwrite]   create or update the phase models
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Scale-up phase models (see `crecer scaleup <subcommand> -h`)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="subcommand")
        load = sub.add_parser("load-models", help="create or update the phase models of the "
                                                  "preset files (all or nothing)")
        load.add_argument("--path", help="a model file or folder (default: the shipped presets)")
        load.add_argument("--overwrite", action="store_true",
                          help="also replace models edited in the admin")

    def handle(self, *args, **options):
        return getattr(self, "_" + options["subcommand"].replace("-", "_"))(options)

    def _load_models(self, options):
        from crecer.scaleup.presets import ModelError, load_models

        try:
            report = load_models(options.get("path"), overwrite=options.get("overwrite"))
        except ModelError as exc:
            raise CommandError("the phase models were not loaded:\n  "
                               + "\n  ".join(exc.errors)) from None
        self.stdout.write(str(report))
        for code in report.kept:
            self.stdout.write(f"  kept (edited in the admin; --overwrite replaces it): {code}")
