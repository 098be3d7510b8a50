"""The demo finance data: every municipality, three years, rising government share, in kind
valued, a social impact bond in one region, group purchases, growing early-childhood lines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from crecer.demo.finance import seed_finance
from crecer.finance import queries
from crecer.finance.models import Budget, Expenditure, GroupPurchase, GroupPurchaseShare

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 30)


def _fingerprint():
    return sorted((e.unit.code, e.date.isoformat(), e.category, e.source.code, str(e.amount))
                  for e in Expenditure.objects.select_related("unit", "source"))


def test_seed_finance(tree, users):
    counts = seed_finance(today=TODAY)
    assert counts["sources"] == 8 and counts["municipalities"] == 3
    assert counts["budgets"] == Budget.objects.count() > 0
    assert counts["expenditures"] == Expenditure.objects.count() > 0
    assert counts["group_purchases"] == 1  # only region A has two municipalities
    assert {b.year for b in Budget.objects.all()} == {2024, 2025, 2026}
    assert not Expenditure.objects.filter(date__gt=TODAY).exists()
    # every municipality has budgets and expenditures in each year
    for muni in (tree.muni_a1, tree.muni_a2, tree.muni_b1):
        assert sorted(queries.years_with_data(muni)) == [2024, 2025, 2026]
    # the government share rises year after year, as in the Honduras phases
    shares = [y.government_share for y in queries.by_year(tree.country)]
    assert shares == sorted(shares) and Decimal(40) < shares[0] < shares[-1] < Decimal(80)
    # in kind is valued, and written down how
    in_kind = Expenditure.objects.filter(in_kind=True)
    assert in_kind.exists() and not in_kind.filter(valuation_note="").exists()
    assert not Expenditure.objects.filter(source__code="aporte-comunitario",
                                          in_kind=False).exists()
    # the social impact bond: in the regional manager's region, from the second year
    bond = Expenditure.objects.filter(source__code="bono-impacto-social")
    assert bond.exists()
    assert {e.unit.code for e in bond} <= {"HN-0101", "HN-0102"}
    assert min(e.date.year for e in bond) == 2025
    # early-childhood lines in a growing share of municipalities
    with_line = [Budget.objects.filter(year=y, is_ecd_line=True).values("unit").distinct()
                 .count() for y in (2024, 2025, 2026)]
    assert with_line == sorted(with_line)
    assert not Budget.objects.filter(is_ecd_line=True).exclude(
        source__code="municipalidad").exists()
    # the group purchase: shares add up to its total, one expenditure per municipality
    purchase = GroupPurchase.objects.get()
    shares = GroupPurchaseShare.objects.filter(purchase=purchase)
    assert sum(s.amount for s in shares) == purchase.total_amount
    assert purchase.expenditures.count() == shares.count() == 2
    # nothing more on a second run
    again = seed_finance(today=TODAY)
    assert again["budgets"] == again["expenditures"] == again["sources"] == 0


def test_seed_finance_is_deterministic(tree, users):
    seed_finance(today=TODAY)
    first = _fingerprint()
    Expenditure.objects.all().delete()
    GroupPurchase.objects.all().delete()
    Budget.objects.all().delete()
    seed_finance(today=TODAY)
    assert _fingerprint() == first
