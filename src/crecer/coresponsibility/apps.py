from django.apps import AppConfig


class CoresponsibilityConfig(AppConfig):
    name = "crecer.coresponsibility"
    label = "coresponsibility"
