"""Progress rolls up per component, territory (subtree), child territory and level with grouped
SQL aggregates; late steps are due and not done; everything is limited to the user's scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crecer.accounts import scope
from crecer.implementation import actions, queries
from crecer.implementation.models import Step, StepStatus

from .conftest import START

BEFORE_PLANNING_DUE = dt.date(2025, 3, 1)
AFTER_PLANNING_DUE = dt.date(2025, 6, 1)


def set_status(checklist, status: str, **filters) -> int:
    return Step.objects.filter(checklist=checklist, **filters).update(status=status)


@pytest.fixture
def marked(checklists):
    """muni_a1: component 1 done; muni_a2: 2 steps of component 1 in progress, 1 blocked;
    region_a: every planning step done; muni_b1: untouched."""
    set_status(checklists["muni_a1"], StepStatus.DONE, component_code="coordination")
    a2 = list(Step.objects.filter(checklist=checklists["muni_a2"],
                                  component_code="coordination").order_by("position"))
    Step.objects.filter(pk__in=[a2[0].pk, a2[1].pk]).update(status=StepStatus.IN_PROGRESS)
    Step.objects.filter(pk=a2[2].pk).update(status=StepStatus.BLOCKED)
    set_status(checklists["region_a"], StepStatus.DONE, phase="planning_start")
    return checklists


def test_instantiate_copies_the_template_with_due_dates(tree, checklists):
    c = checklists["muni_a1"]
    assert c.steps.count() == 110 and c.components.count() == 12
    s = c.steps.get(code="1.6")
    assert s.title_es == "Integración de CEIM" and s.phase == "planning_start"
    assert s.due_date == dt.date(2025, 4, 15) and s.territory == tree.muni_a1
    assert c.steps.get(code="2.5").due_date == dt.date(2026, 1, 15)  # operation: month 12
    assert c.steps.get(code="2.11").due_date == dt.date(2027, 1, 15)  # consolidation: 24
    assert set(c.steps.values_list("status", flat=True)) == {StepStatus.PENDING}
    comp = c.components.get(code="community_action")
    assert comp.factors and comp.indicators[0]["stage"] == "weeks 1-2"
    with pytest.raises(actions.Rejected) as info:
        actions.instantiate("mas-bienestar", tree.muni_a1, start_date=START)
    assert "already has a checklist" in str(info.value)
    with pytest.raises(actions.Rejected):
        actions.instantiate("mas-bienestar", tree.health_a1)  # a service point


def test_component_progress_of_one_checklist(marked):
    rows = {c.code: p for c, p in queries.component_progress(marked["muni_a2"],
                                                             BEFORE_PLANNING_DUE)}
    assert len(rows) == 12
    coord = rows["coordination"]
    assert (coord.total, coord.done, coord.in_progress, coord.blocked, coord.pending) == \
        (9, 0, 2, 1, 6)
    assert coord.percent == 0 and coord.percent_in_progress == 22 and coord.late == 0
    done = {c.code: p for c, p in queries.component_progress(marked["muni_a1"])}["coordination"]
    assert done.percent == 100 and done.late == 0


def test_subtree_rollup_and_scope(tree, users, marked):
    nat = users["national_manager"]
    region = queries.progress_of(nat, tree.region_a, AFTER_PLANNING_DUE)
    # region A's own checklist plus municipalities A1 and A2
    planning = Step.objects.filter(checklist=marked["region_a"], phase="planning_start").count()
    assert region.total == 3 * 110
    assert region.done == planning + 9
    assert region.in_progress == 2 and region.blocked == 1
    # late after the planning due date: planning steps of A1 and A2 not done
    a1_late = Step.objects.filter(checklist=marked["muni_a1"], phase="planning_start").exclude(
        component_code="coordination").count()
    a2_late = Step.objects.filter(checklist=marked["muni_a2"], phase="planning_start").count()
    assert region.late == a1_late + a2_late
    country = queries.progress_of(nat, tree.country)
    assert country.total == 4 * 110
    # the municipal officer of A1 sees only her municipality, even asking for the country
    officer = users["municipal_officer"]
    assert queries.progress_of(officer, tree.country).total == 110
    assert queries.progress_of(users["municipal_officer_b"], tree.region_a).total == 0


def test_child_rollup_is_one_grouped_query(tree, users, marked):
    nat = users["national_manager"]
    scope.root_paths(nat)  # the user's roots are read once per request, then cached
    with CaptureQueriesContext(connection) as ctx:
        rows = queries.child_rollup(nat, tree.country, AFTER_PLANNING_DUE)
    assert len(ctx.captured_queries) == 2  # the grouped counts, the child units
    by_name = {u.name: p for u, p in rows}
    assert set(by_name) == {"Atlántida", "Francisco Morazán"}
    assert by_name["Atlántida"].total == 330 and by_name["Francisco Morazán"].total == 110
    # below region A: the province (which holds both municipalities), not the region itself
    below = queries.child_rollup(nat, tree.region_a)
    assert [(u.name, p.total) for u, p in below] == [("Provincia A", 220)]
    assert queries.child_rollup(users["regional_manager"], tree.country)[0][1].total == 330
    assert len(queries.child_rollup(users["regional_manager"], tree.country)) == 1


def test_component_rollup_over_a_subtree(tree, users, marked):
    nat = users["national_manager"]
    scope.root_paths(nat)
    with CaptureQueriesContext(connection) as ctx:
        rows = queries.component_rollup(nat, tree.region_a)
    assert len(ctx.captured_queries) == 1
    assert [r.number for r in rows] == ["1", "2", "3", "4a", "4b", "5", "6", "7", "8", "9",
                                        "10", "11"]
    coord = rows[0]
    assert coord.code == "coordination" and coord.progress.total == 27
    region_planning_coord = Step.objects.filter(
        checklist=marked["region_a"], component_code="coordination",
        phase="planning_start").count()
    assert coord.progress.done == 9 + region_planning_coord
    assert coord.label == "Normative coordination and leadership (CCIM/CEIM)"


def test_level_rollup(tree, users, marked):
    scope.root_paths(users["national_manager"])
    with CaptureQueriesContext(connection) as ctx:
        rows = queries.level_rollup(users["national_manager"])
    assert len(ctx.captured_queries) == 2  # levels, grouped counts
    assert [(r.depth, r.name, r.territories, r.progress.total) for r in rows] == [
        (1, "Región", 1, 110), (3, "Municipio", 3, 330)]
    assert [(r.depth, r.territories) for r in queries.level_rollup(users["municipal_officer"])] \
        == [(3, 1)]


def test_late_steps(tree, users, marked):
    nat = users["national_manager"]
    day = AFTER_PLANNING_DUE
    late = list(queries.late_steps(nat, day=day))
    assert late and all(s.due_date < day and s.status != StepStatus.DONE for s in late)
    assert {s.territory for s in late} == {tree.muni_a1, tree.muni_a2, tree.muni_b1}
    assert not queries.late_steps(nat, day=BEFORE_PLANNING_DUE).exists()
    assert queries.late_steps(nat, tree.muni_a1, day).count() == Step.objects.filter(
        checklist=marked["muni_a1"], phase="planning_start").exclude(
        component_code="coordination").count()
    worst = queries.late_by_territory(nat, day=day)
    assert worst[0][0] in (tree.muni_a2, tree.muni_b1) and worst[-1][0] == tree.muni_a1
    assert worst[0][1] >= worst[-1][1]
    officer_b = users["municipal_officer_b"]
    assert {s.territory for s in queries.late_steps(officer_b, day=day)} == {tree.muni_b1}
    # a step done is not late, whatever its date
    s = late[0]
    actions.update_step(actor=users["admin"], step=s, status="done")
    assert not queries.late_steps(nat, day=day).filter(pk=s.pk).exists()


def test_reschedule_moves_calendar_dates_but_not_hand_set_ones(tree, users, checklists):
    c = checklists["muni_a1"]
    officer = users["municipal_officer"]
    hand = c.steps.get(code="1.1")
    actions.update_step(actor=officer, step=hand, due_date=dt.date(2025, 2, 1))
    moved = actions.reschedule(actor=officer, checklist=c, start_date=dt.date(2025, 3, 15))
    assert moved == 109
    assert c.steps.get(code="1.2").due_date == dt.date(2025, 6, 15)
    assert c.steps.get(code="2.11").due_date == dt.date(2027, 3, 15)
    assert c.steps.get(code="1.1").due_date == dt.date(2025, 2, 1)
