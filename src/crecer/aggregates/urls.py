from django.urls import path

from . import views

app_name = "aggregates"
urlpatterns = [
    path("aggregates/", views.index, name="index"),
    path("aggregates/approvals/", views.approvals, name="approvals"),
    path("aggregates/approvals/<int:pk>/undo/", views.undo, name="undo"),
    path("aggregates/<int:unit_id>/<str:period>/", views.entry, name="entry"),
    path("aggregates/<int:unit_id>/<str:period>/approve/", views.approve, name="approve"),
]
