"""Shared code of the territory import/export commands (run as the system: no actor)."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from crecer.territory.models import OrgUnit


class ImportCommand(BaseCommand):
    importer = staticmethod(lambda source, **kw: None)
    what = ""

    def add_arguments(self, parser):
        parser.add_argument("file", help="file to read ('-' for standard input)")
        parser.add_argument("--dry-run", action="store_true",
                            help="validate and count, save nothing")

    def handle(self, *args, **options):
        name = options["file"]
        if name == "-":
            source = sys.stdin.buffer.read()
        else:
            source = Path(name)
            if not source.is_file():
                raise CommandError(f"no such file: {name}")
        result = type(self).importer(source, dry_run=options["dry_run"])
        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(result.errors)} error(s); nothing was saved")
        prefix = "dry run, nothing saved: " if result.dry_run else ""
        self.stdout.write(f"{self.what}: {prefix}{result.summary()}")


class ExportCommand(BaseCommand):
    exporter = staticmethod(lambda target, **kw: 0)
    what = ""

    def add_arguments(self, parser):
        parser.add_argument("file", help="file to write ('-' for standard output)")
        parser.add_argument("--root", action="append", default=[], metavar="CODE",
                            help="export only this unit's subtree (repeatable)")

    def roots(self, options):
        if not options["root"]:
            return None
        units = list(OrgUnit.objects.filter(code__in=options["root"]))
        missing = set(options["root"]) - {u.code for u in units}
        if missing:
            raise CommandError(f"unknown unit code(s): {', '.join(sorted(missing))}")
        return units

    def export(self, options, **extra):
        n = type(self).exporter(options["file"], roots=self.roots(options), **extra)
        # With '-' the data goes to stdout, so the count goes to stderr.
        out = self.stderr if options["file"] == "-" else self.stdout
        out.write(f"{self.what}: {n} written to {options['file']}")

    def handle(self, *args, **options):
        self.export(options)
