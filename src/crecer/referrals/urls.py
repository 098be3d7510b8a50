from django.urls import path

from . import views

app_name = "referrals"
urlpatterns = [
    path("referrals/", views.referral_list, name="list"),
    path("referrals/new/", views.referral_create, name="new"),
    path("referrals/inbox/", views.inbox, name="inbox"),
    path("referrals/services/", views.directory, name="services"),
    path("referrals/<uuid:pk>/", views.referral_detail, name="detail"),
    path("referrals/<uuid:pk>/receive/", views.receive, name="receive"),
    path("referrals/<uuid:pk>/attend/", views.attend, name="attend"),
    path("referrals/<uuid:pk>/reject/", views.reject, name="reject"),
]
