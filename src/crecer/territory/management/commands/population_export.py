from crecer.territory.io import export_population

from ._io import ExportCommand


class Command(ExportCommand):
    help = "Export population estimates as CSV (code, year, sex, age_band, value)."
    exporter = staticmethod(export_population)
    what = "population estimates"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--year", type=int, help="only this year")

    def handle(self, *args, **options):
        self.export(options, year=options["year"])
