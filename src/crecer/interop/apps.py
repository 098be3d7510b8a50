from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "crecer.interop"
    label = "interop"
    verbose_name = "Interoperability"
