from django.urls import path

from . import views

app_name = "workforce"
urlpatterns = [
    path("", views.worker_list, name="workers"),
    path("workers/new/", views.worker_new, name="worker_new"),
    path("workers/<uuid:pk>/", views.worker_detail, name="worker"),
    path("workers/<uuid:pk>/leave/", views.worker_leave, name="worker_leave"),
    path("workers/<uuid:pk>/career/", views.worker_career, name="worker_career"),
    path("completions/<uuid:pk>/certify/", views.certify, name="certify"),
    path("sessions/", views.session_list, name="sessions"),
    path("sessions/new/", views.session_new, name="session_new"),
    path("sessions/<uuid:pk>/", views.session_detail, name="session"),
    path("cascade/", views.cascade, name="cascade"),
    path("turnover/", views.turnover, name="turnover"),
]
