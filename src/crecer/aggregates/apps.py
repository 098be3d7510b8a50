from django.apps import AppConfig


class AggregatesConfig(AppConfig):
    name = "crecer.aggregates"
    label = "aggregates"
    verbose_name = "Aggregate data"
    default_auto_field = "django.db.models.BigAutoField"
