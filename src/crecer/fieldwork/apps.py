from django.apps import AppConfig


class FieldworkConfig(AppConfig):
    name = "crecer.fieldwork"
    label = "fieldwork"
