"""Traffic lights, gaps, inherited targets and the ranking of the largest gaps."""

from __future__ import annotations

import pytest

from crecer.indicators import targets as T
from crecer.indicators.models import Indicator, Target
from crecer.indicators.queries import Value


def ind(direction="higher", green_at=100.0, yellow_at=80.0, denominator="sum(population.value)",
        code="x"):
    return Indicator(code=code, name=code, definition=code, numerator="count(persons)",
                     denominator=denominator, results_chain="output", direction=direction,
                     green_at=green_at, yellow_at=yellow_at)


@pytest.mark.parametrize("value,target,light", [
    (90, 80, "green"),
    (80, 80, "green"),      # exactly on the green threshold
    (79.99, 80, "yellow"),
    (64, 80, "yellow"),     # exactly on the yellow threshold (80 % of 80)
    (63.99, 80, "red"),
    (0, 80, "red"),
    (None, 80, None),
    (50, None, None),
    (0.3, 0.1 * 3, "green"),  # floating-point noise does not turn a hit into a miss
])
def test_traffic_light_higher_is_better(value, target, light):
    assert T.traffic_light(ind(), value, target) == light


@pytest.mark.parametrize("value,target,light", [
    (400, 475, "green"),
    (475, 475, "green"),    # exactly on the target
    (475.01, 475, "yellow"),
    (546.25, 475, "yellow"),  # exactly on 115 % of the target
    (546.26, 475, "red"),
    (None, 475, None),
])
def test_traffic_light_lower_is_better(value, target, light):
    cost = ind(direction="lower", green_at=100, yellow_at=115)
    assert T.traffic_light(cost, value, target) == light


def test_custom_thresholds_and_zero_target():
    strict = ind(green_at=110, yellow_at=100)
    assert T.traffic_light(strict, 100, 100) == "yellow"
    assert T.traffic_light(strict, 110, 100) == "green"
    assert T.traffic_light(ind(), 0, 0) == "green"
    assert T.traffic_light(ind(direction="lower", yellow_at=120), 1, 0) == "red"


def test_gap_is_positive_when_short_of_the_target():
    assert T.gap(ind(), 60, 80) == 20
    assert T.gap(ind(), 90, 80) == -10
    assert T.gap(ind(direction="lower", yellow_at=120), 500, 475) == 25
    assert T.gap(ind(direction="lower", yellow_at=120), 400, 475) == -75
    assert T.gap(ind(), None, 80) is None and T.gap(ind(), 1, None) is None
    assert T.relative_gap(ind(), 60, 80) == 0.25
    assert T.relative_gap(ind(), 3, 0) == -3


@pytest.fixture
def saved(db):
    ratio = ind(code="ratio")
    count = ind(code="count", denominator="")
    ratio.save()
    count.save()
    return ratio, count


def test_targets_are_inherited_from_the_nearest_ancestor_for_ratios_only(tree, saved):
    ratio, count = saved
    for indicator in (ratio, count):
        Target.objects.create(indicator=indicator, unit=tree.country, period="2026", value=80)
        Target.objects.create(indicator=indicator, unit=tree.region_a, period="2026", value=70)
    Target.objects.create(indicator=ratio, unit=tree.muni_a1, period="2026", value=90)
    Target.objects.create(indicator=ratio, unit=tree.comm_a2, period="2025", value=1)
    units = [tree.comm_a1.pk, tree.comm_a2.pk, tree.comm_b1.pk, tree.region_a.pk]
    got = T.targets_for([ratio, count], units, "2026")
    assert got[("ratio", tree.comm_a1.pk)] == T.TargetOf(90, tree.muni_a1.pk, True)
    assert got[("ratio", tree.comm_a2.pk)] == T.TargetOf(70, tree.region_a.pk, True)
    assert got[("ratio", tree.comm_b1.pk)] == T.TargetOf(80, tree.country.pk, True)
    assert got[("ratio", tree.region_a.pk)] == T.TargetOf(70, tree.region_a.pk, False)
    # counts do not inherit: only the region has its own
    assert {k for k in got if k[0] == "count"} == {("count", tree.region_a.pk)}
    assert T.target_of(ratio, tree.comm_a2.pk, "2025").value == 1


def test_largest_gaps_ranks_by_relative_gap(tree, saved, monkeypatch):
    ratio, count = saved
    Target.objects.create(indicator=ratio, unit=tree.country, period="2026Q1", value=80)
    Target.objects.create(indicator=count, unit=tree.muni_a1, period="2026Q1", value=200)
    Target.objects.create(indicator=count, unit=tree.muni_a2, period="2026Q1", value=100)
    rows = [
        Value("ratio", tree.muni_a1.pk, "2026Q1", "", "", 6, 10, 60.0, False),   # 25 %
        Value("ratio", tree.muni_a2.pk, "2026Q1", "", "", 8, 10, 80.0, False),   # on target
        Value("ratio", tree.muni_b1.pk, "2026Q1", "", "", 7, 10, 70.0, False),   # 12.5 %
        Value("ratio", tree.muni_b1.pk, "2026Q1", "sex", "F", 1, 10, 10.0, False),  # not total
        Value("count", tree.muni_a1.pk, "2026Q1", "", "", 100, None, 100.0, False),  # 50 %
        Value("count", tree.muni_a2.pk, "2026Q1", "", "", None, None, None, False),  # no value
        Value("count", tree.muni_b1.pk, "2026Q1", "", "", 5, None, 5.0, False),  # no target
    ]
    seen = {}

    def fake_values(**kwargs):
        seen.update(kwargs)
        return rows

    from crecer.indicators import queries

    monkeypatch.setattr(queries, "values", fake_values)
    units = [tree.muni_a1.pk, tree.muni_a2.pk, tree.muni_b1.pk]
    gaps = T.largest_gaps(unit_ids=units, period="2026Q1")
    assert seen == {"indicators": None, "unit_ids": units, "periods": ["2026Q1"]}
    assert [(g.indicator.code, g.unit_id, g.relative) for g in gaps] == [
        ("count", tree.muni_a1.pk, 0.5), ("ratio", tree.muni_a1.pk, 0.25),
        ("ratio", tree.muni_b1.pk, 0.125)]
    top = gaps[0]
    assert (top.value, top.target, top.gap, top.light) == (100.0, 200, 100.0, "red")
    assert gaps[2].target_unit_id == tree.country.pk  # inherited
    assert len(T.largest_gaps(unit_ids=units, period="2026Q1", n=1)) == 1


def test_largest_gaps_over_computed_results(tree, family, users):
    """End to end: the refresh counts the registry, the target comes from the country."""
    from crecer.indicators import actions, engine, periods

    officer = users["data_officer"]
    children = actions.save_indicator(actor=officer, data={
        "code": "children", "name": "Niñas y niños", "definition": "Niñas y niños",
        "numerator": "count(persons where child)", "results_chain": "output"})
    period = periods.current("month").code
    actions.set_target(actor=officer, indicator=children, unit=tree.muni_a1, period=period,
                       value=4)
    engine.refresh(full=True)
    gaps = T.largest_gaps(unit_ids=[tree.muni_a1.pk, tree.muni_b1.pk], period=period)
    assert [(g.indicator.code, g.unit_id, g.value, g.gap) for g in gaps] == [
        ("children", tree.muni_a1.pk, 1.0, 3.0)]
    assert gaps[0].light == "red"


def test_a_ratio_takes_the_target_of_the_year_containing_its_period(tree):
    from crecer.indicators.models import Indicator, Target
    from crecer.indicators.targets import targets_for

    ratio = Indicator.objects.create(code="cov", name="c", definition="c", results_chain="output",
                                     numerator="count(persons)", denominator="count(households)")
    count = Indicator.objects.create(code="kits-n", name="k", definition="k",
                                     results_chain="output", numerator="count(deliveries)")
    Target.objects.create(indicator=ratio, unit=tree.country, period="2026", value=80)
    Target.objects.create(indicator=ratio, unit=tree.country, period="2026Q2", value=70)
    Target.objects.create(indicator=count, unit=tree.muni_a1, period="2026", value=100)
    got = targets_for([ratio, count], [tree.muni_a1.pk], "202603")
    assert got[("cov", tree.muni_a1.pk)].value == 80  # the year's target, from the country
    assert ("kits-n", tree.muni_a1.pk) not in got  # counts need a target of their own period
    assert targets_for([ratio], [tree.muni_a1.pk], "202605")[("cov", tree.muni_a1.pk)].value == 70
