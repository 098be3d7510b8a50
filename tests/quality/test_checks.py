"""Pending duplicates, missing denominators, approvals and unusual values."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pytest

from crecer.indicators import periods
from crecer.indicators.queries import Value
from crecer.quality import outliers, queries


def _person(officer, household, name):
    from crecer.registry import actions

    return actions.register_person(actor=officer, household=household, roles=["other"], data={
        "given_names": name, "first_surname": "Doble", "sex": "F", "birth_date": "1990-01-01"})


def _pair(a, b, status="pending"):
    from crecer.dedup.models import DuplicateCandidate

    a, b = DuplicateCandidate.ordered(a, b)
    return DuplicateCandidate.objects.create(person_a=a, person_b=b, score=0.9, status=status)


@pytest.fixture
def pairs(tree, users, family):
    """Two pending pairs in Sambo Creek, one rejected there, one pending in Villa Nueva, and
    one whose person was merged away."""
    from crecer.registry import actions

    officer, officer_b = users["municipal_officer"], users["municipal_officer_b"]
    hh = family["household"]
    _pair(_person(officer, hh, "Ana"), _person(officer, hh, "Ana"))
    _pair(_person(officer, hh, "Bea"), _person(officer, hh, "Bea"))
    _pair(_person(officer, hh, "Cora"), _person(officer, hh, "Cora"), status="rejected")
    hh_b = actions.create_household(actor=officer_b, territory=tree.comm_b1, data={"code": "B-1"})
    _pair(_person(officer_b, hh_b, "Dora"), _person(officer_b, hh_b, "Dora"))
    from crecer.dedup.actions import merge_persons

    keep, drop = _person(officer, hh, "Eva"), _person(officer, hh, "Eva")
    _pair(keep, drop)
    merge_persons(actor=officer, survivor=keep, merged=drop)


def test_pending_duplicates_are_counted_in_scope(tree, users, pairs,
                                                 django_assert_max_num_queries):
    national = users["national_manager"]
    rows = queries.rows_below(tree.country)
    with django_assert_max_num_queries(3):
        found = queries.pending_duplicates(national, tree.country, rows)
    assert found.total == 3
    assert {u.name: n for u, n in found.rows} == {"Atlántida": 2, "Francisco Morazán": 1}
    # La Ceiba's officer: her two pairs, per community
    officer = users["municipal_officer"]
    found = queries.pending_duplicates(officer, tree.muni_a1, queries.rows_below(tree.muni_a1))
    assert found.total == 2
    assert {u.name: n for u, n in found.rows} == {"Sambo Creek": 2, "Corozal": 0}
    # even when she asks about the whole country, Villa Nueva's pair is not hers
    assert queries.pending_duplicates(officer, tree.country, []).total == 2
    # a region whose only province is passed through: its municipalities, counted per row
    found = queries.pending_duplicates(national, tree.region_a,
                                       queries.rows_below(tree.region_a))
    assert {u.name: n for u, n in found.rows} == {"La Ceiba": 2, "El Porvenir": 0}


def test_missing_denominators(tree):
    from crecer.territory.models import PopulationEstimate

    PopulationEstimate.objects.create(unit=tree.comm_a1, year=2025, sex="F", age_band="0-11m",
                                      value=10)
    PopulationEstimate.objects.create(unit=tree.comm_b1, year=2024, sex="F", age_band="0-11m",
                                      value=12)
    PopulationEstimate.objects.create(unit=tree.muni_b1, year=2023, sex="M", age_band="3y",
                                      value=5)
    found = queries.missing_denominators(tree.country, 2025)
    assert found.depth == 4 and found.checked == 12  # every area unit, communities included
    missing = {m.unit.name: m for m in found.missing}
    assert set(missing) == {"Francisco Morazán", "Provincia B", "Distrito Central",
                            "Villa Nueva", "El Porvenir", "Río Cangrejal", "Corozal"}
    assert missing["Villa Nueva"].latest_year == 2024
    assert missing["Distrito Central"].latest_year == 2024  # its community's
    assert missing["Corozal"].latest_year is None
    assert missing["Corozal"].parent == "La Ceiba" and missing["Corozal"].level == "Comunidad"
    assert queries.missing_denominators(tree.comm_a1, 2025).missing == []
    # estimates that stop at a level: nothing below it is checked
    found = queries.missing_denominators(tree.muni_b1, 2023)
    assert found.depth == 4 and [m.unit.name for m in found.missing] == ["Villa Nueva"]


def test_approvals_cover_the_period_and_longer_ones(tree, users):
    from crecer.aggregates.models import PeriodApproval

    officer = users["regional_manager"]
    PeriodApproval.objects.create(unit=tree.muni_a1, period="2025Q1", approved_by=officer)
    PeriodApproval.objects.create(unit=tree.country, period="202503", approved_by=officer,
                                  revoked_by=officer, revoked_at=dt.datetime(2025, 4, 2,
                                                                            tzinfo=dt.UTC))
    rows = queries.rows_below(tree.muni_a1)
    found = queries.approvals(tree.muni_a1, rows, periods.parse("202503"))
    assert [p.code for p in found.periods] == ["202503", "2025Q1", "2025S1", "2025"]
    for row in found.rows:
        assert row.locked == {"202503": True, "2025Q1": True, "2025S1": False, "2025": False}
    assert not found.computed and found.share is None  # no engine results in this data folder
    other = queries.approvals(tree.muni_a2, [], periods.parse("202503"))
    assert other.rows[0].locked["202503"] is False  # the revoked country approval counts not


def test_share_of_approved_values_from_the_engine(tree, monkeypatch):
    from crecer.indicators import queries as engine

    def values(*, unit_ids, periods, **_kw):
        out = []
        for unit_id in unit_ids:
            for n, code in enumerate(["a", "b", "c", "d"]):
                approved = unit_id == tree.comm_a1.pk and n < 3
                out.append(Value(code, unit_id, "202503", "", "", 1, 2, 50, approved))
            out.append(Value("e", unit_id, "202503", "", "", None, None, None, False))
        return out

    monkeypatch.setattr(engine, "status", lambda: {"computed": True})
    monkeypatch.setattr(engine, "values", values)
    rows = queries.rows_below(tree.muni_a1)
    found = queries.approvals(tree.muni_a1, rows, periods.parse("202503"))
    shares = {r.unit.name: r.share("202503") for r in found.rows}
    assert shares == {"La Ceiba": 0.0, "Corozal": 0.0, "Sambo Creek": 75.0}
    assert (found.values, found.approved) == (4, 0)  # the page's own unit; no value: not counted


def test_robust_z():
    assert outliers.robust_z(10, [10, 11, 9, 10, 12, 8]) == 0
    assert outliers.robust_z(40, [10, 11, 9, 10, 12, 8]) == pytest.approx(0.6745 * 30 / 1)
    assert outliers.robust_z(5, [5, 5, 5, 5]) == 0
    assert outliers.robust_z(6, [5, 5, 5, 5]) == math.inf
    assert outliers.robust_z(4, [5, 5, 5, 5, 9]) == pytest.approx(-1 / (1.2533 * 0.8))


def test_indicator_outliers_against_history_and_siblings(tree, users, monkeypatch):
    from crecer.indicators import queries as engine
    from crecer.indicators.models import Indicator

    Indicator.objects.create(code="cov", name="Cobertura", definition="x",
                             numerator="count(persons)", denominator="sum(population.value)",
                             results_chain="output")
    Indicator.objects.create(code="visits", name="Visitas", definition="x",
                             numerator="count(contacts)", results_chain="process")
    month = periods.parse("202503")
    months = periods.series(periods.MONTH, month.start - 12, month.start)
    units = [tree.region_a, tree.region_b]
    history = [50, 52, 49, 51, 50, 48, 53, 50, 51, 49, 52, 50]

    def values(*, unit_ids, periods, **_kw):
        out = []
        for unit_id in unit_ids:
            for m, h in zip(months, [*history, 0], strict=True):
                v = h
                if m.code == "202503":
                    v = 400 if unit_id == tree.region_a.pk else 51
                out.append(Value("visits", unit_id, m.code, "", "", v, None, v, False))
        return out

    monkeypatch.setattr(engine, "status", lambda: {"computed": True})
    monkeypatch.setattr(engine, "values", values)
    found = outliers.indicator_outliers(tree.country, units, month)
    assert found.checked == 3
    [o] = found.rows
    assert (o.code, o.unit, o.basis, o.value, o.median, o.n) == \
        ("visits", tree.region_a, "history", 400, 50, 12)
    assert o.z > 3.5

    # a history of zeros (before the programme started) is no history
    history[:] = [0] * 7 + [5, 6, 5, 4, 6]
    assert outliers.indicator_outliers(tree.country, units, month).rows == []
    assert outliers.active_history([None, 0, 0, 3, 0, None, 4]) == [3, 0, 4]

    # siblings: rates only, at least five units with a value
    six = [tree.region_a, tree.region_b, tree.muni_a1, tree.muni_a2, tree.muni_b1, tree.comm_a1]
    rates = dict(zip([u.pk for u in six], [40, 42, 41, 39, 43, 95], strict=True))

    def sibling_values(*, unit_ids, periods, **_kw):
        return [Value("cov", u, "202503", "", "", 1, 1, rates[u], False)
                for u in unit_ids if u in rates]

    monkeypatch.setattr(engine, "values", sibling_values)
    found = outliers.indicator_outliers(tree.country, six, month)
    assert [(o.code, o.unit.name, o.basis) for o in found.rows] == \
        [("cov", "Sambo Creek", "siblings")]


def test_no_engine_results_no_indicator_outliers(tree):
    assert outliers.indicator_outliers(tree.country, [], periods.parse("202503")).computed is False


def test_aggregate_outliers(tree, users):
    from crecer.aggregates.models import AggregateValue, DataElement

    workshops = DataElement.objects.create(code="workshops", name="Talleres",
                                           value_type="integer", period_type="month")
    flag = DataElement.objects.create(code="has_budget", name="Partida", value_type="boolean",
                                      period_type="year")
    budget = DataElement.objects.create(code="budget", name="Presupuesto", value_type="money",
                                        period_type="year")
    for n, value in enumerate([10, 12, 11, 9, 10, 11, 12, 10, 90, 11]):
        AggregateValue.objects.create(element=workshops, unit=tree.muni_a1,
                                      period=f"2025{n + 1:02d}", value=Decimal(value))
    AggregateValue.objects.create(element=flag, unit=tree.muni_a1, period="2025", value=1)
    # a yearly budget without history: compared with the other municipalities of the year
    for unit, value in zip([tree.muni_a1, tree.muni_a2, tree.muni_b1], [100, 110, 5000],
                           strict=True):
        AggregateValue.objects.create(element=budget, unit=unit, period="2023", value=value)
    found = outliers.aggregate_outliers(tree.country, periods.parse("202510"))
    [o] = found.rows
    assert (o.code, o.unit, o.period, o.value, o.basis) == \
        ("workshops", tree.muni_a1, "202509", 90.0, "history")
    assert found.checked == 10  # the monthly values of the 12 months; the boolean is skipped
    # the 2023 budget is in the window of December 2023; three municipalities are too few
    found = outliers.aggregate_outliers(tree.country, periods.parse("202312"))
    assert found.rows == [] and found.checked == 3
