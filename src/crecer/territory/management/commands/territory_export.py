from crecer.territory.io import export_tree

from ._io import ExportCommand


class Command(ExportCommand):
    help = "Export the org-unit tree as CSV (parents before children)."
    exporter = staticmethod(export_tree)
    what = "tree units"
