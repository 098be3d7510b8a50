from django.apps import AppConfig


class DedupConfig(AppConfig):
    name = "crecer.dedup"
    label = "dedup"
