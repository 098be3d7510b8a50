"""The nominal registry: households, persons, their roles and relationships."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from crecer.core.models import BaseModel
from crecer.territory.models import OrgUnit


class Area(models.TextChoices):
    RURAL = "rural", _("rural")
    URBAN = "urban", _("urban")


class PovertyLevel(models.TextChoices):
    EXTREME = "extreme", _("extreme poverty")
    POOR = "poor", _("poverty")
    NOT_POOR = "not_poor", _("not poor")
    UNKNOWN = "unknown", _("unknown")


class WaterSource(models.TextChoices):
    PIPED = "piped", _("piped water in the dwelling")
    PUBLIC_TAP = "public_tap", _("public tap")
    WELL = "well", _("well")
    RIVER = "river", _("river or spring")
    TRUCK = "truck", _("water truck")
    OTHER = "other", _("other")


class Household(BaseModel):
    territory = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="households")
    code = models.CharField(max_length=32, blank=True, db_index=True)
    address = models.CharField(max_length=255, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    area = models.CharField(max_length=8, choices=Area.choices, default=Area.URBAN)
    poverty_level = models.CharField(
        max_length=16, choices=PovertyLevel.choices, default=PovertyLevel.UNKNOWN
    )
    water_source = models.CharField(max_length=16, choices=WaterSource.choices, blank=True)
    has_electricity = models.BooleanField(null=True, blank=True)
    rooms = models.PositiveSmallIntegerField(null=True, blank=True)
    monthly_income = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["territory", "created_at"])]

    def __str__(self) -> str:
        return self.code or str(self.pk)[:8]


class Sex(models.TextChoices):
    FEMALE = "F", _("female")
    MALE = "M", _("male")


class IdType(models.TextChoices):
    NONE = "", _("none")
    CURP = "CURP", _("CURP (Mexico)")
    DNI_PE = "DNI_PE", _("DNI (Peru)")
    DNI_HN = "DNI_HN", _("DNI (Honduras)")
    DNI_AR = "DNI_AR", _("DNI (Argentina)")
    OTHER = "OTHER", _("other document")


class Person(BaseModel):
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    # Denormalized from the household so that scope is one join; kept in sync by actions.
    territory = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="persons")
    given_names = models.CharField(max_length=120)
    first_surname = models.CharField(max_length=80)
    second_surname = models.CharField(max_length=80, blank=True)
    sex = models.CharField(max_length=1, choices=Sex.choices)
    birth_date = models.DateField(null=True, blank=True)
    birth_date_estimated = models.BooleanField(default=False)
    id_type = models.CharField(max_length=8, choices=IdType.choices, blank=True)
    id_number = models.CharField(max_length=32, blank=True, db_index=True)
    id_country = models.CharField(max_length=2, blank=True)  # ISO 3166-1 alpha-2
    phone = models.CharField(max_length=16, blank=True, db_index=True)  # E.164
    language = models.CharField(max_length=32, blank=True)
    ethnicity = models.CharField(max_length=64, blank=True)
    disability = models.BooleanField(default=False)
    disability_detail = models.CharField(max_length=255, blank=True)
    # Accent- and case-free "given first second" for search and matching (set by actions).
    search_name = models.CharField(max_length=300, db_index=True, editable=False, default="")
    # A merged duplicate keeps its row and history and points at the survivor.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_records"
    )

    class Meta:
        indexes = [
            models.Index(fields=["territory", "merged_into"]),
            models.Index(fields=["birth_date"]),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.given_names, self.first_surname, self.second_surname) if p)


class RoleKind(models.TextChoices):
    CAREGIVER = "caregiver", _("caregiver")
    CHILD = "child", _("child")
    PREGNANT = "pregnant", _("pregnant woman")
    HEAD = "head", _("head of household")
    OTHER = "other", _("other member")


class PersonRole(BaseModel):
    """A role of a person in her household; a person may hold several (a pregnant caregiver)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=16, choices=RoleKind.choices)
    expected_delivery_date = models.DateField(null=True, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "role"], condition=models.Q(active=True), name="one_active_role"
            )
        ]
        indexes = [models.Index(fields=["role", "active"])]


class RelationshipKind(models.TextChoices):
    MOTHER = "mother", _("mother")
    FATHER = "father", _("father")
    GRANDPARENT = "grandparent", _("grandparent")
    SIBLING = "sibling", _("sibling")
    PARTNER = "partner", _("partner")
    GUARDIAN = "guardian", _("guardian")
    OTHER = "other", _("other")


class Relationship(BaseModel):
    """`from_person` is the `kind` of `to_person` (Ana is the mother of Luis)."""

    from_person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="relations_out")
    to_person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="relations_in")
    kind = models.CharField(max_length=16, choices=RelationshipKind.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["from_person", "to_person"], name="one_relationship")
        ]
