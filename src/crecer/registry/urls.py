from django.urls import path

from . import views

app_name = "registry"
urlpatterns = [
    path("households/", views.household_list, name="households"),
    path("households/<uuid:pk>/", views.household_detail, name="household"),
    path("persons/<uuid:pk>/", views.person_detail, name="person"),
    path("search/", views.search, name="search"),
]
