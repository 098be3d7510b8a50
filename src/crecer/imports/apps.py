from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "crecer.imports"
    label = "imports"
