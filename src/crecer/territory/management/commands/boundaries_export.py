from crecer.territory.io import export_boundaries

from ._io import ExportCommand


class Command(ExportCommand):
    help = "Export boundaries and points as a GeoJSON FeatureCollection."
    exporter = staticmethod(export_boundaries)
    what = "features"
