from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "crecer.indicators"
    label = "indicators"
    verbose_name = "Indicators"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from crecer.core import audit

        from .tasks import schedule_refresh

        if schedule_refresh not in audit.CHANGE_LISTENERS:
            audit.CHANGE_LISTENERS.append(schedule_refresh)
