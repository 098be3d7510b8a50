"""The gate check evaluates every criterion of the current phase from the engine's results:
value, threshold, pass / fail / no data, the period read, and the evidence (numerator and
denominator with their labels, the tablero link). See conftest.py for the figures."""

from __future__ import annotations

import datetime as dt

import pytest

from crecer.indicators import periods
from crecer.scaleup import queries
from crecer.scaleup.queries import FAIL, NO_DATA, PASS, compare

from .conftest import LAST_MONTH, LAST_YEAR, THIS_YEAR, place


def _by_code(check):
    return {c.indicator: c for c in check.criteria}


def test_gate_check_with_live_values_and_evidence(gate_world, tree, honduras):
    from crecer.indicators.models import Indicator

    check = queries.gate_check(tree.muni_a1, honduras)
    assert check.phase.code == "consolidacion" and check.next_phase.code == "expansion"
    c = _by_code(check)
    assert [x.indicator for x in check.criteria] == [
        "hn-caregiver-registry", "hn-cost-per-beneficiary", "hn-government-cost-share",
        "hn-municipal-teams-trained"]
    # Exactly on the threshold (4 caregivers of 5 estimated = 80 %): >= passes.
    registry = c["hn-caregiver-registry"]
    assert (registry.status, registry.value, registry.threshold) == (PASS, 80.0, 80)
    assert registry.period == LAST_MONTH.code  # monthly: the latest complete month
    assert (registry.numerator, registry.denominator) == (4, 5)
    sheet = Indicator.objects.get(code="hn-caregiver-registry")
    assert registry.numerator_label == sheet.numerator_label
    assert registry.denominator_label == sheet.denominator_label
    assert registry.url == (f"/tablero/{tree.muni_a1.pk}/indicator/hn-caregiver-registry/"
                            f"?pt=month&period={LAST_MONTH.code}")
    # Yearly figures of the year under way: 512 USD per family, 46 % paid by government.
    cost = c["hn-cost-per-beneficiary"]
    assert (cost.status, cost.value, cost.period) == (FAIL, 512.0, THIS_YEAR.code)
    assert (cost.numerator, cost.denominator, cost.unit) == (512, 1, "USD")
    share = c["hn-government-cost-share"]
    assert (share.status, share.period) == (FAIL, THIS_YEAR.code)
    assert share.value == pytest.approx(46.0)
    # Nothing entered this year or last: no data (never a pass), reported for last year.
    teams = c["hn-municipal-teams-trained"]
    assert (teams.status, teams.value, teams.period, teams.loaded) == (
        NO_DATA, None, LAST_YEAR.code, True)
    assert check.status == queries.NOT_MET
    assert check.counts == {PASS: 1, FAIL: 2, NO_DATA: 1}
    # The evidence is JSON-ready for the decision's snapshot.
    frozen = check.to_dict()
    assert frozen["status"] == "not_met" and frozen["phase"] == "consolidacion"
    assert frozen["criteria"][1]["value"] == 512.0


def test_on_the_threshold_from_last_year_and_missing_values(gate_world, tree, honduras):
    c = _by_code(queries.gate_check(tree.muni_a2, honduras))
    # No figure this year: last year's, exactly on the thresholds, passes (<= and >=).
    cost = c["hn-cost-per-beneficiary"]
    assert (cost.status, cost.value, cost.period) == (PASS, 475.0, LAST_YEAR.code)
    share = c["hn-government-cost-share"]
    assert (share.status, share.period) == (PASS, LAST_YEAR.code)
    assert share.value == pytest.approx(50.0)
    # No population estimate: a zero denominator is no value, hence no data.
    registry = c["hn-caregiver-registry"]
    assert (registry.status, registry.value) == (NO_DATA, None)
    assert queries.gate_check(tree.muni_a2, honduras).status == queries.INCOMPLETE


def test_the_table_of_phases_reads_every_gate_at_once(gate_world, tree, users, honduras,
                                                      django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        table = queries.phase_table(users["national_manager"], honduras)
    rows = {r.unit.name: r for r in table.rows}
    assert set(rows) == {"La Ceiba", "El Porvenir", "Distrito Central"}
    assert rows["La Ceiba"].gate == queries.NOT_MET
    assert rows["El Porvenir"].gate == queries.INCOMPLETE
    assert rows["Distrito Central"].current is None and rows["Distrito Central"].gate == "none"
    consolidation = table.phases[0]
    assert table.counts == {consolidation.pk: 2, None: 1}
    only = queries.phase_table(users["national_manager"], honduras, phase="none")
    assert [r.unit.name for r in only.rows] == ["Distrito Central"]
    regional = queries.phase_table(users["regional_manager"], honduras)
    assert {r.unit.name for r in regional.rows} == {"La Ceiba", "El Porvenir"}


def test_compare_on_and_around_the_threshold():
    assert compare(80, ">=", 80) and compare(475, "<=", 475) and compare(100, "=", 100)
    assert not compare(80, ">", 80) and not compare(80, "<", 80)
    assert compare(80.1, ">", 80) and compare(79.9, "<", 80)
    assert not compare(79.99, ">=", 80) and not compare(475.01, "<=", 475)
    # Float noise from a division is not "above" or "below" the threshold.
    assert compare(100 * 0.8 - 1e-12, ">=", 80) and not compare(80 + 1e-12, ">", 80)
    with pytest.raises(ValueError):
        compare(1, "=>", 1)


def test_candidate_periods():
    today = dt.date(2026, 3, 15)
    assert [p.code for p in queries.candidate_periods("month", today)] == ["202602"]
    assert [p.code for p in queries.candidate_periods("quarter", today)] == ["2025Q4"]
    assert [p.code for p in queries.candidate_periods("semester", today)] == ["2025S2"]
    assert [p.code for p in queries.candidate_periods("year", today)] == ["2026", "2025"]


def test_not_started_last_phase_and_indicators_not_loaded(tree, phase_models):
    honduras, mas = phase_models["honduras-pi"], phase_models["mas-bienestar"]
    fresh = queries.gate_check(tree.muni_b1, honduras)
    assert fresh.phase is None and fresh.next_phase.code == "consolidacion"
    assert fresh.criteria == [] and fresh.status == queries.NO_GATE
    place(tree.muni_b1, honduras, "institucionalizacion", dt.date(2024, 1, 1))
    last = queries.gate_check(tree.muni_b1, honduras)
    assert last.next_phase is None and last.previous_phase.code == "expansion"
    assert [c.indicator for c in last.criteria] == [
        "hn-government-cost-share", "hn-ecd-budget-line-share", "hn-parenting-scale-gain"]
    # The indicators are in the catalogue files but not loaded: no data, said so.
    assert all(c.status == NO_DATA and not c.loaded for c in last.criteria)
    # MAS-BIENESTAR's calendar: planning should end by month 3; five months in, it is late.
    start = periods.month_start(periods.month_index(dt.date.today()) - 5)
    place(tree.region_a, mas, "planeacion-arranque", start)
    check = queries.gate_check(tree.region_a, mas)
    assert check.calendar.months == 5 and check.calendar.late_by == 2
    assert queries.applies(mas, tree.region_a) and not queries.applies(honduras, tree.region_a)
    assert [m.code for m in queries.models_for(tree.region_a)] == ["mas-bienestar"]
