from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "crecer.planning"
    label = "planning"
    verbose_name = "Planning, evaluation and risks"
    default_auto_field = "django.db.models.BigAutoField"
