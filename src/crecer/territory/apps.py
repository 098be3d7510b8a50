from django.apps import AppConfig


class TerritoryConfig(AppConfig):
    name = "crecer.territory"
    label = "territory"

    def ready(self):
        from . import lookups  # noqa: F401  (registers the `subtree` lookup)
