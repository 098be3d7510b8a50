from django.urls import path

from . import views

app_name = "dedup"
urlpatterns = [
    path("duplicates/", views.queue, name="queue"),
    path("duplicates/merges/", views.merges, name="merges"),
    path("duplicates/merges/<uuid:pk>/undo/", views.undo, name="undo"),
    path("duplicates/<uuid:pk>/", views.compare, name="compare"),
]
