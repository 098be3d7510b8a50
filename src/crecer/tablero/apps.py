from django.apps import AppConfig


class TableroConfig(AppConfig):
    name = "crecer.tablero"
    label = "tablero"
    verbose_name = "Tablero"
    default_auto_field = "django.db.models.BigAutoField"
