from crecer.territory.io import import_boundaries

from ._io import ImportCommand


class Command(ImportCommand):
    help = "Import boundaries (Polygon/MultiPolygon) and points of units from a GeoJSON FeatureCollection."
    importer = staticmethod(import_boundaries)
    what = "boundaries and points"
