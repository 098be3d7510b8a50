from django.urls import path

from . import audit_views as views

app_name = "audit"
urlpatterns = [
    path("", views.audit_index, name="index"),
    path("person/<uuid:person_id>/", views.audit_person, name="person"),
    path("user/<str:username>/", views.audit_user, name="user"),
]
