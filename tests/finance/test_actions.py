"""Recording lines one by one: audited; bad input refused with the field named, nothing saved;
permissions and territory scope; funding sources."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from crecer.core.models import AuditEvent
from crecer.finance import actions
from crecer.finance.cleaning import Rejected
from crecer.finance.models import Budget, Expenditure, FundingSource

pytestmark = pytest.mark.django_db


def test_record_budget_is_saved_and_audited(tree, users, sources):
    officer = users["municipal_officer"]
    budget = actions.record_budget(actor=officer, unit=tree.muni_a1, year="2025",
                                   category="staff", source="municipalidad", amount="1 250,50",
                                   is_ecd_line="yes")
    assert budget.amount == Decimal("1250.50") and budget.is_ecd_line and budget.year == 2025
    assert budget.entered_by == officer
    event = AuditEvent.objects.get(entity="finance.budget", object_id=str(budget.pk))
    assert event.actor == officer and event.action == "create"
    assert event.territory_path == tree.muni_a1.path
    assert event.changes["amount"] == [None, "1250.50"]


def test_record_expenditure_in_kind_with_its_valuation(tree, users, sources):
    spent = actions.record_expenditure(
        actor=users["municipal_officer"], unit=tree.comm_a1, date=dt.date(2025, 3, 1),
        category="transport", source=sources["municipalidad"], amount=Decimal(300),
        in_kind=True, valuation_note="10 trips × 30 USD")
    assert spent.in_kind and spent.valuation_note == "10 trips × 30 USD"
    assert AuditEvent.objects.filter(entity="finance.expenditure").count() == 1


def _refused(call, **kwargs) -> Rejected:
    with pytest.raises(Rejected) as info:
        call(**kwargs)
    return info.value


def test_negative_amount_is_refused_naming_the_field(tree, users, sources):
    exc = _refused(actions.record_expenditure, actor=users["municipal_officer"],
                   unit=tree.muni_a1, date="2025-03-01", category="staff",
                   source="municipalidad", amount="-50")
    assert [e.field for e in exc.errors] == ["amount"]
    assert str(exc.errors[0]) == "Amount: -50 is negative: amounts are 0 or more."
    assert not Expenditure.objects.exists()
    assert not AuditEvent.objects.filter(entity="finance.expenditure").exists()


def test_unknown_source_and_category_are_refused(tree, users, sources):
    exc = _refused(actions.record_budget, actor=users["municipal_officer"], unit=tree.muni_a1,
                   year=2025, category="fireworks", source="lottery", amount="10")
    messages = {e.field: e.message for e in exc.errors}
    assert set(messages) == {"category", "source"}
    assert "“lottery” is not a known funding source" in messages["source"]
    assert "“fireworks” is not a category" in messages["category"]
    assert not Budget.objects.exists()


def test_every_error_is_listed_at_once(tree, users, sources):
    exc = _refused(actions.record_budget, actor=users["municipal_officer"], unit="HN-0801",
                   year="1999", category="", source="", amount="abc")
    assert {e.field for e in exc.errors} == {"unit", "year", "category", "source", "amount"}
    unit_error = next(e for e in exc.errors if e.field == "unit")
    # a territory outside hers reads exactly like an unknown code: outsiders learn nothing
    assert unit_error.message == "“HN-0801” is not the code of a territory of yours."
    assert "1999 is outside 2000" in next(e.message for e in exc.errors if e.field == "year")


def test_bad_dates_and_years(tree, users, sources):
    officer = users["municipal_officer"]
    future = dt.date.today() + dt.timedelta(days=3)
    for date, expected in (("31/02/2025", "is not a date"), (future, "is in the future")):
        exc = _refused(actions.record_expenditure, actor=officer, unit=tree.muni_a1, date=date,
                       category="staff", source="municipalidad", amount="1")
        assert expected in exc.errors[0].message and exc.errors[0].field == "date"
    exc = _refused(actions.record_budget, actor=officer, unit=tree.muni_a1, year="25",
                   category="staff", source="municipalidad", amount="1")
    assert "is not a year" in exc.errors[0].message


def test_amounts_format(tree, users, sources):
    officer = users["municipal_officer"]
    for raw, message in (("12.345", "more than 2 decimals"), ("1e5", "is not an amount"),
                         ("1000000000000", "too large"), ("", "enter an amount")):
        exc = _refused(actions.record_budget, actor=officer, unit=tree.muni_a1, year=2025,
                       category="staff", source="municipalidad", amount=raw)
        assert message in exc.errors[0].message, raw
    ok = actions.record_budget(actor=officer, unit=tree.muni_a1, year=2025, category="staff",
                               source="municipalidad", amount="$ 1500")
    assert ok.amount == Decimal(1500)


def test_in_kind_needs_its_valuation_and_community_is_always_in_kind(tree, users, sources):
    officer = users["municipal_officer"]
    exc = _refused(actions.record_expenditure, actor=officer, unit=tree.muni_a1,
                   date="2025-01-01", category="other", source="aporte-comunitario", amount="80")
    assert exc.errors[0].field == "valuation_note"
    spent = actions.record_expenditure(actor=officer, unit=tree.muni_a1, date="2025-01-01",
                                       category="other", source="aporte-comunitario",
                                       amount="80", valuation_note="1 room × 80")
    assert spent.in_kind is True


def test_early_childhood_line_belongs_to_a_municipal_budget(tree, users, sources):
    officer = users["municipal_officer"]
    exc = _refused(actions.record_budget, actor=officer, unit=tree.muni_a1, year=2025,
                   category="staff", source="unicef", amount="10", is_ecd_line=True)
    assert exc.errors[0].field == "is_ecd_line" and "municipality's own budget" in str(
        exc.errors[0])
    exc = _refused(actions.record_budget, actor=officer, unit=tree.comm_a1, year=2025,
                   category="staff", source="municipalidad", amount="10", is_ecd_line=True)
    assert "is not a municipality" in exc.errors[0].message


def test_service_point_and_inactive_source(tree, users, sources):
    officer = users["municipal_officer"]
    exc = _refused(actions.record_budget, actor=officer, unit=tree.health_a1, year=2025,
                   category="staff", source="municipalidad", amount="10")
    assert "service point" in exc.errors[0].message
    actions.set_source_active(actor=users["admin"], source=sources["bid"], active=False)
    exc = _refused(actions.record_budget, actor=officer, unit=tree.muni_a1, year=2025,
                   category="staff", source="bid", amount="10")
    assert "no longer in use" in exc.errors[0].message


@pytest.mark.parametrize("role", ["volunteer", "facilitator", "regional_manager",
                                  "national_manager"])
def test_roles_without_the_rule_cannot_record(tree, users, sources, role):
    with pytest.raises(PermissionDenied):
        actions.record_budget(actor=users[role], unit=tree.muni_a1, year=2025,
                              category="staff", source="municipalidad", amount="10")


def test_delete_lines(tree, users, sources):
    officer = users["municipal_officer"]
    budget = actions.record_budget(actor=officer, unit=tree.muni_a1, year=2025,
                                   category="staff", source="municipalidad", amount="10")
    with pytest.raises(PermissionDenied):
        actions.delete_budget(actor=users["municipal_officer_b"], budget=budget)
    actions.delete_budget(actor=officer, budget=budget)
    assert not Budget.objects.exists()
    assert AuditEvent.objects.filter(entity="finance.budget", action="delete").count() == 1


def test_funding_sources(users, sources):
    admin = users["admin"]
    assert sources["gobierno-central"].is_government
    assert sources["municipalidad"].is_government
    assert not sources["aporte-comunitario"].is_government
    assert not sources["bono-impacto-social"].is_government
    source = actions.add_funding_source(actor=admin, code="Estado-1", name="Estado",
                                        kind="state_government")
    assert source.code == "estado-1" and source.is_government
    exc = _refused(actions.add_funding_source, actor=admin, code="estado-1", name="",
                   kind="pirates")
    assert {e.field for e in exc.errors} == {"code", "name", "kind"}
    with pytest.raises(PermissionDenied):
        actions.add_funding_source(actor=users["municipal_officer"], code="x", name="X",
                                   kind="municipality")
    # the database refuses a government flag that does not match the kind
    with pytest.raises(IntegrityError), transaction.atomic():
        FundingSource.objects.filter(pk=source.pk).update(is_government=False)
