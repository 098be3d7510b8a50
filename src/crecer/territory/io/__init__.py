"""Import and export of the territory: the tree and population estimates as CSV, boundaries
and points as GeoJSON. Imports validate the whole file first and save nothing when any row is
wrong; see `common.ImportResult`."""

from .common import ImportResult, RowError
from .geojson import export_boundaries, import_boundaries, validate_geometry
from .population import export_population, import_population
from .tree import export_tree, import_tree

__all__ = [
    "ImportResult", "RowError", "export_boundaries", "export_population", "export_tree",
    "import_boundaries", "import_population", "import_tree", "validate_geometry",
]
