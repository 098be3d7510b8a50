from django.urls import path

from . import views

app_name = "registry"
urlpatterns = [
    path("households/", views.household_list, name="households"),
    path("households/new/", views.household_create, name="household_new"),
    path("households/<uuid:pk>/", views.household_detail, name="household"),
    path("households/<uuid:pk>/edit/", views.household_edit, name="household_edit"),
    path("households/<uuid:pk>/members/new/", views.member_create, name="member_new"),
    path("persons/<uuid:pk>/", views.person_detail, name="person"),
    path("persons/<uuid:pk>/edit/", views.person_edit, name="person_edit"),
    path("search/", views.search, name="search"),
]
