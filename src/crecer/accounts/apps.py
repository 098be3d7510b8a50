from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "crecer.accounts"
    label = "accounts"
