from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "crecer.api"
    label = "api"
