from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "crecer.programmes"
    label = "programmes"
