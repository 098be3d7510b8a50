from django.urls import path

from . import views

app_name = "scaleup"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:unit_id>/", views.unit, name="unit"),
    path("<int:unit_id>/decide/", views.decide, name="decide"),
]
