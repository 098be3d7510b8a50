"""The org-unit tree (materialized path), service points and population denominators."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.Model):
    """A configurable level of the tree: depth 0 is the country."""

    depth = models.PositiveSmallIntegerField(unique=True)
    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=64)

    class Meta:
        ordering = ["depth"]

    def __str__(self) -> str:
        return self.name


class Kind(models.TextChoices):
    AREA = "area", _("administrative area")
    SERVICE_POINT = "service_point", _("service point")


class Sector(models.TextChoices):
    HEALTH = "health", _("health")
    EDUCATION = "education", _("education")
    DAYCARE = "daycare", _("day care")
    PROTECTION = "protection", _("protection")
    SOCIAL = "social", _("social")
    NUTRITION = "nutrition", _("nutrition")
    SANITATION = "sanitation", _("sanitation")


class OrgUnit(models.Model):
    """A territory or a service point.

    `path` is the materialized path of ids ("/1/5/42/"), so a subtree is one indexed
    prefix query (`path LIKE '/1/5/%'`) with no recursion.
    """

    code = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    depth = models.PositiveSmallIntegerField(default=0)
    path = models.CharField(max_length=255, db_index=True, editable=False)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.AREA)
    sector = models.CharField(max_length=16, choices=Sector.choices, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    boundary = models.JSONField(null=True, blank=True)  # GeoJSON geometry

    class Meta:
        ordering = ["path"]
        indexes = [models.Index(fields=["parent", "name"])]

    def __str__(self) -> str:
        return self.name

    @property
    def level_name(self) -> str:
        level = Level.objects.filter(depth=self.depth).first()
        return level.name if level else str(self.depth)

    def ancestor_ids(self) -> list[int]:
        return [int(p) for p in self.path.strip("/").split("/") if p]


class Sex(models.TextChoices):
    FEMALE = "F", _("female")
    MALE = "M", _("male")


AGE_BANDS = ["0-11m", "12-23m", "24-35m", "3y", "4y", "5y", "6y", "7-17y", "18-49y", "50+y"]


class PopulationEstimate(models.Model):
    """Yearly population estimate of a territory by sex and age band (coverage denominators)."""

    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="population")
    year = models.PositiveSmallIntegerField()
    sex = models.CharField(max_length=1, choices=Sex.choices)
    age_band = models.CharField(max_length=16)
    value = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "sex", "age_band"], name="population_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.year} {self.sex} {self.age_band}: {self.value}"
