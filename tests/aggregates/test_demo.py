"""The demo's aggregate data: every municipality, two years, valid, deterministic, a few
approved months for one region."""

from __future__ import annotations

import datetime as dt

from crecer.aggregates import actions, queries
from crecer.aggregates.models import AggregateValue, DataElement, PeriodApproval
from crecer.demo.aggregates import fill_aggregates, value_counts

TODAY = dt.date(2026, 5, 15)


def snapshot():
    return sorted(AggregateValue.objects.values_list("element__code", "unit__code", "period",
                                                     "value"))


def test_fill_aggregates(tree, users):
    counts = fill_aggregates(rng_seed=7, today=TODAY)
    municipalities = [tree.muni_a1, tree.muni_a2, tree.muni_b1]
    assert counts["municipalities"] == 3 and counts["approvals"] == 3
    assert counts["values"] == AggregateValue.objects.count() > 0
    per_element = value_counts()
    monthly = {e.code for e in DataElement.objects.filter(period_type="month")}
    for code in monthly:  # 24 months up to last month, for each municipality
        assert per_element[code] == 24 * 3
    assert per_element["workshops_total"] == 9 * 3  # 2024Q2 … 2026Q2
    assert per_element["has_ecd_budget_line"] == 3 * 3  # 2024, 2025, 2026
    # every value passes the entry rules (types, ranges, not_above)
    elements = {e.code: e for e in DataElement.objects.all()}
    for unit in municipalities:
        for period in ("202604", "2026Q1", "2025"):
            values = queries.values_of(unit, period)
            assert values
            for code, row in values.items():
                assert actions.parse_value(elements[code], queries.as_text(
                    elements[code], row.value)) == row.value
                limit = values.get(elements[code].not_above)
                if limit is not None:
                    assert row.value <= limit.value, (code, unit, period)
    # three past months approved for the regional manager's region, by the data officer
    approvals = list(PeriodApproval.objects.order_by("period"))
    assert [a.period for a in approvals] == ["202601", "202602", "202603"]
    assert {a.unit for a in approvals} == {tree.region_a}
    assert {a.approved_by for a in approvals} == {users["data_officer"]}
    assert queries.is_locked(tree.muni_a1, "202602") is not None
    assert queries.is_locked(tree.muni_b1, "202602") is None
    assert queries.is_locked(tree.muni_a1, "202604") is None

    first = snapshot()
    assert fill_aggregates(rng_seed=7, today=TODAY)["values"] == 0  # only once
    AggregateValue.objects.all().delete()
    fill_aggregates(rng_seed=7, today=TODAY, approve=False)
    assert snapshot() == first  # deterministic
