"""Group purchases: shares add up to 100 % (or to the total), one expenditure per territory."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from crecer.finance import actions
from crecer.finance.cleaning import Rejected
from crecer.finance.models import Expenditure, GroupPurchase, GroupPurchaseShare

pytestmark = pytest.mark.django_db


def _purchase(actor, shares, total="1000", **extra):
    return actions.record_group_purchase(actor=actor, name="Kits", date="2025-04-20",
                                         total_amount=total, source="municipalidad",
                                         shares=shares, **extra)


def test_percent_shares_become_expenditures_that_add_up_to_the_total(tree, users, sources):
    admin = users["admin"]
    purchase = _purchase(admin, [{"unit": tree.muni_a1, "percent": "33.33"},
                                 {"unit": tree.muni_a2, "percent": "33.33"},
                                 {"unit": "HN-0801", "percent": "33.34"}])
    amounts = [s.amount for s in purchase.shares.order_by("unit__code")]
    assert amounts == [Decimal("333.30"), Decimal("333.30"), Decimal("333.40")]
    spent = Expenditure.objects.filter(group_purchase=purchase)
    assert spent.count() == 3
    assert sum(e.amount for e in spent) == Decimal("1000.00")
    assert {e.category for e in spent} == {"materials_kits"}
    assert {e.unit.code for e in spent} == {"HN-0101", "HN-0102", "HN-0801"}


def test_amount_shares(tree, users, sources):
    purchase = _purchase(users["admin"], [{"unit": tree.muni_a1, "amount": "250"},
                                          {"unit": tree.muni_a2, "amount": "750"}])
    assert sorted(s.percent for s in purchase.shares.all()) == [Decimal(25), Decimal(75)]


@pytest.mark.parametrize("shares,message", [
    ([{"unit": "HN-0101", "percent": "60"}, {"unit": "HN-0102", "percent": "30"}],
     "the percentages add up to 90 %, not 100 %."),
    ([{"unit": "HN-0101", "amount": "600"}, {"unit": "HN-0102", "amount": "300"}],
     "the amounts add up to 900.00, not to the total 1000.00."),
    ([{"unit": "HN-0101", "percent": "100"}], "at least two territories"),
    ([{"unit": "HN-0101", "percent": "50"}, {"unit": "HN-0101", "percent": "50"}],
     "has two shares"),
    ([{"unit": "HN-0101", "percent": "50"}, {"unit": "HN-0102", "amount": "500"}],
     "not a mix"),
    ([{"unit": "HN-0101", "percent": "-5"}, {"unit": "HN-0102", "percent": "105"}],
     "is not a percentage"),
    ([{"unit": "HN-0101", "percent": "50"}, {"unit": "HN-0102"}], "give its percentage"),
])
def test_bad_shares_save_nothing(tree, users, sources, shares, message):
    with pytest.raises(Rejected) as info:
        _purchase(users["admin"], shares)
    assert any(message in e.message for e in info.value.errors), info.value.errors
    assert all(e.field == "shares" for e in info.value.errors)
    assert not GroupPurchase.objects.exists() and not Expenditure.objects.exists()
    assert not GroupPurchaseShare.objects.exists()


def test_a_share_outside_her_territories_is_refused(tree, users, sources):
    with pytest.raises(Rejected) as info:
        _purchase(users["municipal_officer"], [{"unit": "HN-0101", "percent": "50"},
                                               {"unit": "HN-0801", "percent": "50"}])
    assert "share 2: “HN-0801” is not the code of a territory of yours." in [
        e.message for e in info.value.errors]


def test_bad_total_and_community_source(tree, users, sources):
    with pytest.raises(Rejected) as info:
        actions.record_group_purchase(
            actor=users["admin"], name="", date="2025-04-20", total_amount="0",
            source="aporte-comunitario",
            shares=[{"unit": "HN-0101", "percent": "50"}, {"unit": "HN-0102", "percent": "50"}])
    assert {e.field for e in info.value.errors} == {"name", "total_amount", "source"}


def test_share_expenditures_are_deleted_with_the_purchase_only(tree, users, sources):
    admin = users["admin"]
    purchase = _purchase(admin, [{"unit": tree.muni_a1, "percent": "50"},
                                 {"unit": tree.muni_a2, "percent": "50"}])
    one = purchase.expenditures.first()
    with pytest.raises(Rejected):
        actions.delete_expenditure(actor=admin, expenditure=one)
    with pytest.raises(PermissionDenied):  # La Ceiba's officer does not cover El Porvenir
        actions.delete_group_purchase(actor=users["municipal_officer"], purchase=purchase)
    actions.delete_group_purchase(actor=admin, purchase=purchase)
    assert not Expenditure.objects.exists() and not GroupPurchaseShare.objects.exists()
