"""`crecer aggregates load-elements [--file PATH]`: create or update the shipped data elements."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from crecer.aggregates.catalogue import ELEMENTS_FILE, CatalogueError, load_elements


class Command(BaseCommand):
    help = "Aggregate data: load-elements (create or update the data elements from a TOML file)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load-elements", help="create or update the data elements "
                                                    "(idempotent)")
        load.add_argument("--file", default=str(ELEMENTS_FILE),
                          help="TOML file of elements (default: the shipped one)")

    def handle(self, *args, action: str, **options):
        if action == "load-elements":
            path = Path(options["file"])
            if not path.exists():
                raise CommandError(f"no such file: {path}")
            try:
                counts = load_elements(path)
            except CatalogueError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"data elements: {counts['created']} created, "
                              f"{counts['updated']} updated, {counts['unchanged']} unchanged")
