from django.urls import path

from . import views

app_name = "territory"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.unit_detail, name="unit"),
    path("import/", views.upload, name="import"),
    path("export/tree.csv", views.export_tree, name="export_tree"),
    path("export/population.csv", views.export_population, name="export_population"),
    path("export/boundaries.geojson", views.export_boundaries, name="export_boundaries"),
]
