"""Users with a role and the territories they work in; API tokens for scripts."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from crecer.territory.models import OrgUnit


class Role(models.TextChoices):
    VOLUNTEER = "volunteer", _("community volunteer")
    FACILITATOR = "facilitator", _("facilitator")
    MUNICIPAL_OFFICER = "municipal_officer", _("municipal officer")
    REGIONAL_MANAGER = "regional_manager", _("regional manager")
    NATIONAL_MANAGER = "national_manager", _("national manager")
    DATA_OFFICER = "data_officer", _("data officer")
    ADMIN = "admin", _("administrator")


class User(AbstractUser):
    role = models.CharField(max_length=32, choices=Role.choices, default=Role.VOLUNTEER)
    territories = models.ManyToManyField(OrgUnit, blank=True, related_name="users")
    preferred_language = models.CharField(max_length=8, default="es")

    def __str__(self) -> str:
        return self.get_full_name() or self.username


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for scripts. Only its SHA-256 is stored; the raw value is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @classmethod
    def issue(cls, user: User, name: str = "") -> tuple[ApiToken, str]:
        raw = "crc_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, key_hash=hash_token(raw), prefix=raw[:8])
        return token, raw
