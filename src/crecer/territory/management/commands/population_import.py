from crecer.territory.io import import_population

from ._io import ImportCommand


class Command(ImportCommand):
    help = "Import population estimates from CSV (code, year, sex, age_band, value)."
    importer = staticmethod(import_population)
    what = "population estimates"
