from django.urls import path

from . import views

app_name = "programmes"
urlpatterns = [
    path("programmes/", views.programme_list, name="list"),
    path("programmes/<uuid:pk>/edit/", views.programme_edit, name="edit"),
    path("households/<uuid:pk>/enrol/", views.enrol, name="enrol"),
]
