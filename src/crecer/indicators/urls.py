from django.urls import path

from . import views

app_name = "indicators"
urlpatterns = [
    path("", views.indicator_list, name="list"),
    path("new/", views.indicator_new, name="new"),
    path("check/", views.check_expression, name="check"),
    path("targets/", views.target_list, name="targets"),
    path("targets/import/", views.target_import, name="targets_import"),
    path("<slug:code>/", views.indicator_detail, name="detail"),
    path("<slug:code>/edit/", views.indicator_edit, name="edit"),
    path("<slug:code>/toml/", views.indicator_export, name="export"),
]
