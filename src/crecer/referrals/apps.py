from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "crecer.referrals"
    label = "referrals"
