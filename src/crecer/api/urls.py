"""Mounted at /api/v1/ by crecer.config.urls; URL names live in the "api-v1" namespace."""

from django.urls import path

from .v1 import api

urlpatterns = [path("", api.urls)]
