from django.urls import path

from . import views, webapp

app_name = "fieldwork"
urlpatterns = [
    path("worklist/", views.worklist, name="worklist"),
    path("worklist/team/", views.team, name="team"),
    path("households/<uuid:pk>/visit/", views.visit, name="visit"),
    path("worklist/team/contacts/", views.contacts_to_review, name="review"),
    path("worklist/team/accompanied/", views.accompanied_visits, name="accompanied"),
    path("contacts/<uuid:pk>/review/", views.review_contact, name="review_contact"),
    path("app/manifest.webmanifest", webapp.manifest, name="manifest"),
    path("app/sw.js", webapp.service_worker, name="service_worker"),
]
