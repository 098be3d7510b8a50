from django.apps import AppConfig


class DeliveriesConfig(AppConfig):
    name = "crecer.deliveries"
    label = "deliveries"
