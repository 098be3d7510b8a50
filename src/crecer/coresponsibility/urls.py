from django.urls import path

from . import views

app_name = "coresponsibility"
urlpatterns = [
    path("coresponsibility/", views.compliance_list, name="list"),
    path("coresponsibility/verify/", views.verify, name="verify"),
    path("coresponsibility/roster.csv", views.roster_csv, name="roster_csv"),
    path("coresponsibility/roster.xlsx", views.roster_xlsx, name="roster_xlsx"),
    path("coresponsibility/upload/", views.upload, name="upload"),
]
