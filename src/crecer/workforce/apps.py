from django.apps import AppConfig


class WorkforceConfig(AppConfig):
    name = "crecer.workforce"
    label = "workforce"
