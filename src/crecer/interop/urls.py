"""Mounted at /interop/ by crecer.config.urls."""

from django.urls import path

from . import views

app_name = "interop"
urlpatterns = [
    path("dhis2/", views.export_page, name="dhis2"),
    path("dhis2/download/", views.download, name="dhis2_download"),
    path("dhis2/mapping/", views.mapping, name="mapping"),
    path("dhis2/mapping/remove/", views.mapping_remove, name="mapping_remove"),
    path("dhis2/mapping/import/", views.mapping_import, name="mapping_import"),
    path("dhis2/mapping/export/", views.mapping_export, name="mapping_export"),
]
