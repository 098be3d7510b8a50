"""A synthetic org-unit tree of any size, bulk-inserted level by level (for benchmarks and tests).

country → regions → provinces → municipalities → communities and service points. Paths are set
with `actions.fill_paths` (one UPDATE per level), exactly as imports do.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from .actions import fill_paths
from .models import Kind, OrgUnit, Sector

SECTORS = [Sector.HEALTH, Sector.EDUCATION, Sector.DAYCARE, Sector.PROTECTION]


@dataclass
class SyntheticTree:
    country: int
    regions: list[int] = field(default_factory=list)
    provinces: list[int] = field(default_factory=list)
    municipalities: list[int] = field(default_factory=list)
    size: dict[int, int] = field(default_factory=dict)  # unit id -> units in its subtree
    communities: dict[int, list[str]] = field(default_factory=dict)  # municipality -> codes
    units: int = 0


def build_tree(units: int = 50_000, *, regions: int = 20, provinces: int = 10,
               municipalities: int = 10, service_point_every: int = 6,
               prefix: str = "SY") -> SyntheticTree:
    """Insert a tree of exactly `units` units: `regions` regions of `provinces` provinces of
    `municipalities` municipalities, the rest spread evenly as communities, one in every
    `service_point_every` being a service point instead."""
    upper = 1 + regions * (1 + provinces * (1 + municipalities))
    leaves = units - upper
    if leaves < 0:
        raise ValueError(f"at least {upper} units are needed for this shape")
    with transaction.atomic():
        (country,) = _insert([OrgUnit(code=prefix, name=f"País {prefix}", depth=0, path="")])
        tree = SyntheticTree(country=country.pk, units=units)
        region_units = _insert([
            OrgUnit(code=f"{prefix}-{r:02d}", name=f"Región {r}", depth=1, path="",
                    parent_id=country.pk) for r in range(regions)])
        province_units = _insert([
            OrgUnit(code=f"{reg.code}-{p:02d}", name=f"Provincia {reg.code[-2:]}.{p}", depth=2,
                    path="", parent_id=reg.pk) for reg in region_units for p in range(provinces)])
        muni_units = _insert([
            OrgUnit(code=f"{prov.code}-{m:02d}", name=f"Municipio {prov.code[-5:]}.{m}", depth=3,
                    path="", parent_id=prov.pk)
            for prov in province_units for m in range(municipalities)])
        leaf_units, per_muni = [], [0] * len(muni_units)
        for i in range(leaves):
            k = i % len(muni_units)
            muni = muni_units[k]
            per_muni[k] += 1
            service = i % service_point_every == service_point_every - 1
            leaf_units.append(OrgUnit(
                code=f"{muni.code}-{per_muni[k]:04d}", depth=4, path="", parent_id=muni.pk,
                name=f"{'Centro' if service else 'Comunidad'} {muni.code[-8:]}.{per_muni[k]}",
                kind=Kind.SERVICE_POINT if service else Kind.AREA,
                sector=SECTORS[i % len(SECTORS)] if service else ""))
            if not service:
                tree.communities.setdefault(muni.pk, []).append(leaf_units[-1].code)
        _insert(leaf_units)
        fill_paths()
    tree.regions = [u.pk for u in region_units]
    tree.provinces = [u.pk for u in province_units]
    tree.municipalities = [u.pk for u in muni_units]
    for k, muni in enumerate(muni_units):
        tree.size[muni.pk] = 1 + per_muni[k]
    for p, prov in enumerate(province_units):
        tree.size[prov.pk] = 1 + sum(tree.size[m.pk] for m in
                                     muni_units[p * municipalities:(p + 1) * municipalities])
    for r, reg in enumerate(region_units):
        tree.size[reg.pk] = 1 + sum(tree.size[p.pk] for p in
                                    province_units[r * provinces:(r + 1) * provinces])
    tree.size[country.pk] = units
    return tree


def _insert(units: list[OrgUnit]) -> list[OrgUnit]:
    created = OrgUnit.objects.bulk_create(units, batch_size=1000)
    assert all(u.pk is not None for u in created), "bulk_create must return primary keys"
    return created
