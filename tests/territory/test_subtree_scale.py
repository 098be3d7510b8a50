"""Subtree queries on a 50,000-unit tree: right answers, each in ONE SQL query (no Python walks).
Timings are measured by benchmarks/territory_subtree.py, not asserted here."""

from __future__ import annotations

import pytest

from crecer.accounts import scope
from crecer.registry import actions
from crecer.registry.queries import households_for
from crecer.territory import queries
from crecer.territory.models import Kind, OrgUnit
from crecer.territory.synthetic import build_tree


@pytest.mark.slow
def test_subtree_queries_on_50k_units(db, make_user, django_assert_num_queries):
    t = build_tree(50_000)
    assert OrgUnit.objects.count() == 50_000
    assert not OrgUnit.objects.filter(path="").exists()

    region = OrgUnit.objects.get(pk=t.regions[7])
    with django_assert_num_queries(1):
        size = queries.subtree(region).count()
    assert size == t.size[region.pk] > 2000

    muni = OrgUnit.objects.get(pk=t.municipalities[1234])
    with django_assert_num_queries(1):
        communities = list(queries.subtree(muni).filter(depth=muni.depth + 1, kind=Kind.AREA)
                           .values_list("code", flat=True))
    assert sorted(communities) == sorted(t.communities[muni.pk])
    leaf = OrgUnit.objects.get(code=communities[0])
    assert leaf.path == f"{muni.path}{leaf.pk}/" and leaf.depth == 4

    # A user with three roots in different regions; households inside and outside them.
    roots = [OrgUnit.objects.get(pk=t.provinces[i]) for i in (0, 55, 199)]
    user = make_user("three_roots", "admin", *roots)
    writer = make_user("writer", "admin", OrgUnit.objects.get(pk=t.country))
    inside = [queries.subtree(r).filter(depth=4, kind=Kind.AREA).order_by("path")[k]
              for r in roots for k in (0, 7)]
    outside = [queries.subtree(OrgUnit.objects.get(pk=t.provinces[i]))
               .filter(depth=4, kind=Kind.AREA).first() for i in (1, 54, 100)]
    for unit in inside + outside:
        actions.create_household(actor=writer, territory=unit, data={"area": "rural"})

    scope.root_paths(user)  # the user's roots are read once per request
    with django_assert_num_queries(1):
        visible = set(households_for(user).values_list("territory__code", flat=True))
    assert visible == {u.code for u in inside}

    # Households per child of a region: one grouped query whatever the number of children.
    first_region = OrgUnit.objects.get(pk=t.regions[0])
    with django_assert_num_queries(1):
        counts = queries.counts_by_child(first_region, households_for(writer))
    assert counts == {t.provinces[0]: 2, t.provinces[1]: 1}
