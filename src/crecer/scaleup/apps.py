from django.apps import AppConfig


class ScaleupConfig(AppConfig):
    name = "crecer.scaleup"
    label = "scaleup"
    verbose_name = "Scale-up"
    default_auto_field = "django.db.models.BigAutoField"
