"""Reads of programmes and enrolments, limited to what the caller may see."""

from __future__ import annotations

from django.db.models import QuerySet

from crecer.accounts.scope import within

from .models import Enrolment, EnrolmentStatus, Programme


def programmes_for(user) -> QuerySet[Programme]:
    """Programmes are configuration, not personal data: every user with a role sees them."""
    return Programme.objects.all() if getattr(user, "is_authenticated", False) \
        else Programme.objects.none()


def enrolments_for(user) -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(within(user, "household__territory")).select_related(
        "programme", "household", "volunteer")


def active_enrolments_for(user) -> QuerySet[Enrolment]:
    return enrolments_for(user).filter(status=EnrolmentStatus.ACTIVE)
