from django.urls import path

from . import views

app_name = "implementation"
urlpatterns = [
    path("", views.index, name="index"),
    path("territory/<int:unit_id>/", views.unit, name="unit"),
    path("territory/<int:unit_id>/start/", views.instantiate, name="instantiate"),
    path("steps/<uuid:pk>/", views.step, name="step"),
    path("evidence/<uuid:pk>/", views.evidence, name="evidence"),
    path("late/", views.late, name="late"),
    path("committees/", views.committees, name="committees"),
    path("committees/new/", views.committee_new, name="committee_new"),
    path("committees/<uuid:pk>/", views.committee, name="committee"),
    path("committees/<uuid:pk>/members/", views.member_new, name="member_new"),
    path("committees/<uuid:pk>/meetings/", views.meeting_new, name="meeting_new"),
    path("committees/<uuid:pk>/agreements/", views.agreement_new, name="agreement_new"),
    path("meetings/<uuid:pk>/", views.meeting, name="meeting"),
    path("minutes/<uuid:pk>/", views.meeting_file, name="meeting_file"),
    path("agreements/", views.agreements, name="agreements"),
    path("agreements/<uuid:pk>/", views.agreement, name="agreement"),
]
