from django.apps import AppConfig


class TerritoryConfig(AppConfig):
    name = "crecer.territory"
    label = "territory"
