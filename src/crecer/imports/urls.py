from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("imports/", views.index, name="index"),
    path("imports/template.xlsx", views.template_xlsx, name="template_xlsx"),
    path("imports/template.csv", views.template_csv, name="template_csv"),
    path("imports/<uuid:pk>/", views.job_detail, name="job"),
    path("imports/<uuid:pk>/status/", views.job_status, name="job_status"),
    path("imports/<uuid:pk>/commit/", views.job_commit, name="job_commit"),
    path("imports/<uuid:pk>/run/", views.job_run, name="job_run"),
]
