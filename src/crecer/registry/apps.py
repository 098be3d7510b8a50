from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "crecer.registry"
    label = "registry"
