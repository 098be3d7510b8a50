from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImplementationConfig(AppConfig):
    name = "crecer.implementation"
    label = "implementation"
    verbose_name = _("Implementation")
    default_auto_field = "django.db.models.BigAutoField"
