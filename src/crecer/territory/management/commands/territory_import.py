from crecer.territory.io import import_tree

from ._io import ImportCommand


class Command(ImportCommand):
    help = "Import the org-unit tree from CSV (code, name, parent_code, level, kind, sector, latitude, longitude)."
    importer = staticmethod(import_tree)
    what = "tree units"
