from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "crecer.core"
    label = "core"
