"""The projection: hand-computed plans, rounding, and every impossible parameter refused."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import pytest
from django.http import QueryDict

from crecer.finance import projection as pj
from crecer.finance.forms import ProjectionForm

MIX_PLAN = pj.Plan(
    start_year=2027, years=3, new_municipalities=(3, 5, 0), existing_municipalities=2,
    beneficiaries_per_municipality=100, unit_cost=D(500), yearly_reduction=D(10),
    mode=pj.MIX, mix={"central_government": D(40), "municipality": D(20),
                      "community_in_kind": D(10), "international_cooperation": D(30)})

PHASE_PLAN = pj.Plan(
    start_year=2027, years=3, new_municipalities=(0, 10, 20), existing_municipalities=10,
    beneficiaries_per_municipality=150, unit_cost=D(475), yearly_reduction=D(5),
    mode=pj.PHASES, phases=(pj.CONSOLIDATION, pj.EXPANSION, pj.INSTITUTIONALISATION),
    government_split={"central_government": D(60), "municipality": D(40)},
    other_split={"community_in_kind": D(30), "international_cooperation": D(50),
                 "private_sector": D(10), "social_impact_bond": D(10)})


def test_one_mix_for_every_year():
    p = pj.project(MIX_PLAN)
    assert [(y.year, y.municipalities, y.beneficiaries, y.unit_cost, y.total_cost)
            for y in p.years] == [
        (2027, 5, 500, D(500), D(250000)),
        (2028, 10, 1000, D(450), D(450000)),
        (2029, 10, 1000, D(405), D(405000)),
    ]
    first, second = p.years[0], p.years[1]
    assert first.amounts["central_government"] == D(100000)
    assert first.amounts["municipality"] == D(50000)
    assert first.amounts["community_in_kind"] == D(25000)
    assert first.amounts["international_cooperation"] == D(75000)
    assert first.amounts["private_sector"] == 0
    assert second.amounts["international_cooperation"] == D(135000)
    assert first.government_share == D(60) and first.government_amount == D(150000)
    assert p.years[-1].cumulative_cost == p.total_cost == D(1105000)
    assert p.total_of("central_government") == D(100000 + 180000 + 162000)
    assert p.kinds_used == ["central_government", "municipality", "community_in_kind",
                            "international_cooperation"]


def test_government_share_by_phase_of_the_honduras_table():
    p = pj.project(PHASE_PLAN)
    y1, y2, y3 = p.years
    assert (y1.total_cost, y2.total_cost, y3.total_cost) == (D(712500), D(1353750),
                                                           D("2572125.00"))
    assert (y2.unit_cost, y3.unit_cost) == (D("451.25"), D("428.69"))
    assert [y.government_share for y in p.years] == [D(50), D(70), D(90)]
    assert y1.amounts == {
        "central_government": D(213750), "state_government": D(0), "municipality": D(142500),
        "community_in_kind": D(106875), "international_cooperation": D(178125),
        "private_sector": D(35625), "social_impact_bond": D(35625)}
    assert y2.amounts["central_government"] == D(568575)
    assert y2.amounts["community_in_kind"] == D("121837.50")
    assert y3.amounts["municipality"] == D(925965)
    assert y3.amounts["social_impact_bond"] == D("25721.25")
    for y in p.years:
        assert sum(y.amounts.values()) == y.total_cost
        assert sum(y.shares.values()) == 100


def test_amounts_always_add_up_to_the_total():
    plan = replace(MIX_PLAN, years=1, new_municipalities=(0,), existing_municipalities=1,
                   beneficiaries_per_municipality=1, unit_cost=D("1000.01"),
                   mix={"central_government": D(50), "international_cooperation": D(50)})
    year = pj.project(plan).years[0]
    assert year.total_cost == D("1000.01")
    assert sum(year.amounts.values()) == D("1000.01")
    assert sorted([year.amounts["central_government"],
                   year.amounts["international_cooperation"]]) == [D("500.00"), D("500.01")]


def test_full_government_share_needs_no_split_of_the_rest():
    plan = replace(PHASE_PLAN, phase_government={**pj.HONDURAS_GOVERNMENT_SHARE,
                                                 pj.INSTITUTIONALISATION: D(100)},
                   phases=(pj.INSTITUTIONALISATION,) * 3, other_split={})
    assert all(y.government_share == 100 for y in pj.project(plan).years)


@pytest.mark.parametrize("changes,field,message", [
    ({"years": 0, "new_municipalities": ()}, "years", "at least 1 year"),
    ({"years": -2, "new_municipalities": ()}, "years", "at least 1 year"),
    ({"unit_cost": D(-1)}, "unit_cost", "a cost cannot be negative"),
    ({"yearly_reduction": D(100)}, "yearly_reduction", "must be below 100 %"),
    ({"yearly_reduction": D(-5)}, "yearly_reduction", "cannot be negative"),
    ({"beneficiaries_per_municipality": 0}, "beneficiaries_per_municipality", "at least 1"),
    ({"existing_municipalities": -1}, "existing_municipalities", "cannot be negative"),
    ({"new_municipalities": (1, -3, 0)}, "new_2", "year 2: the new municipalities cannot"),
    ({"new_municipalities": (1, 2)}, "new_municipalities", "each of the 3 years (2 given)"),
    ({"mix": {"central_government": D(50), "municipality": D(40)}}, "mix",
     "add up to 90 %, not 100 %"),
    ({"mix": {"central_government": D(150), "municipality": D(-50)}},
     "mix:central_government", "between 0 and 100"),
    ({"start_year": 1900}, "start_year", "not a plausible first year"),
    ({"mode": "lottery"}, "mode", "choose how the funding mix"),
])
def test_impossible_parameters_are_refused(changes, field, message):
    plan = replace(MIX_PLAN, **changes)
    errors = pj.validate(plan)
    assert any(f == field and message in m for f, m in errors), errors
    with pytest.raises(pj.ProjectionError):
        pj.project(plan)


@pytest.mark.parametrize("changes,field,message", [
    ({"phases": (pj.CONSOLIDATION, "", pj.EXPANSION)}, "phase_2", "year 2: choose a phase"),
    ({"phases": (pj.CONSOLIDATION,)}, "phases", "the phase of each year"),
    ({"phase_government": {**pj.HONDURAS_GOVERNMENT_SHARE, pj.EXPANSION: D(120)}},
     "government_expansion", "between 0 and 100"),
    ({"government_split": {"central_government": D(60)}}, "government_split",
     "add up to 60 %"),
    ({"other_split": {"private_sector": D(10)}}, "other_split", "add up to 10 %"),
])
def test_impossible_phase_parameters_are_refused(changes, field, message):
    errors = pj.validate(replace(PHASE_PLAN, **changes))
    assert any(f == field and message in m for f, m in errors), errors


def _form_data(**extra) -> QueryDict:
    data = QueryDict(mutable=True)
    base = {"start_year": "2027", "years": "2", "existing_municipalities": "1",
            "beneficiaries_per_municipality": "10", "unit_cost": "100",
            "yearly_reduction": "0", "mode": "mix", "new_1": "1", "new_2": "0",
            "mix_central_government": "100"}
    for k, v in {**base, **extra}.items():
        if isinstance(v, list):
            data.setlist(k, v)
        else:
            data[k] = v
    return data


def test_the_form_reads_a_plan_and_its_chosen_municipalities():
    munis = {"7": "Tela", "8": "Arizona"}
    form = ProjectionForm(_form_data(units_2=["7", "8"], new_2=""))
    plan, chosen, errors = form.plan(munis)
    assert errors == []
    assert plan.new_municipalities == (1, 2) and chosen[2] == ["Tela", "Arizona"]
    assert plan.phases == ()  # the same mix every year: phases are optional
    years = pj.project(plan).years
    assert [y.municipalities for y in years] == [2, 4]
    assert years[1].total_cost == D(4000)


def test_the_form_refuses_text_and_the_same_municipality_twice():
    form = ProjectionForm(_form_data(unit_cost="cheap", units_1=["7"], units_2=["7"],
                                     new_1=""))
    plan, _chosen, errors = form.plan({"7": "Tela"})
    assert plan is None
    assert ("unit_cost", "“cheap” is not a number.") in errors
    assert any(f == "units_2" and "already chosen for year 1" in m for f, m in errors)
