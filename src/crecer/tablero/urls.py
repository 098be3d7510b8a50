from django.urls import path

from . import views

app_name = "tablero"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:unit_id>/", views.unit, name="unit"),
    path("<int:unit_id>/indicator/<slug:code>/", views.indicator, name="indicator"),
    path("<int:unit_id>/chain/<slug:column>/", views.chain, name="chain"),
    path("static/plotly.min.js", views.plotly_js, name="plotly"),
]
