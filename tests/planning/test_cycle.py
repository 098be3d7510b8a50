"""The RIL cycle: stages, diagnosis scores per dimension, suggested and ranked opportunities,
objectives with metrics read from the indicator engine, actions (late ones), projects."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from crecer.core.models import AuditEvent
from crecer.planning import actions, queries
from crecer.planning import template as tpl
from crecer.planning.models import (
    Answer,
    Criticality,
    Horizon,
    Metric,
    Opportunity,
    OpportunityStatus,
    PlanAction,
    Stage,
)

from .conftest import TODAY


def test_template_is_read_and_checked():
    t = tpl.template()
    assert (t.scale_min, t.scale_max) == (1, 5)
    assert [lv.value for lv in t.levels] == [1, 2, 3, 4, 5]
    assert {d.code for d in t.dimensions} == {"team", "actors", "data", "planning", "services",
                                             "rights"}
    assert all(len(d.questions) == 3 for d in t.dimensions)
    with pytest.raises(tpl.TemplateError):
        tpl.template("nope")


def test_template_errors_name_the_place(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[template]\ncode = "x"\nversion = 1\n[scale]\nmin = 1\nmax = 3\n'
                   '[[scale.level]]\nvalue = 1\nname = "a"\n')
    with pytest.raises(tpl.TemplateError, match="one level for each value"):
        tpl.read(bad)


def test_cycle_has_its_stages_dated_in_order(cycle, officer):
    stages = list(cycle.stages.all())
    assert [s.stage for s in stages] == [s.value for s in Stage]
    assert stages[0].planned_start == cycle.starts_on
    assert stages[-1].planned_end == cycle.ends_on
    for before, after in zip(stages, stages[1:], strict=False):
        assert after.planned_start == before.planned_end + dt.timedelta(days=1)
    assert AuditEvent.objects.filter(entity="planning.cycle", object_id=str(cycle.pk),
                                     action="create").exists()
    row = queries.timeline(cycle, TODAY)
    assert row[0].state == "late"  # its end has passed and it is not done
    actions.update_stage(actor=officer, stage=stages[0], planned_start=stages[0].planned_start,
                         planned_end=stages[0].planned_end, completed_on=TODAY)
    assert queries.timeline(cycle, TODAY)[0].state == "done"
    assert queries.current_stage(cycle, TODAY).stage == Stage.DIAGNOSIS


def test_cycle_rules(tree, users, cycle):
    officer = users["municipal_officer"]
    with pytest.raises(ValidationError) as exc:
        actions.create_cycle(actor=officer, territory=tree.muni_a1, name="RIL 2026",
                             starts_on=TODAY)
    assert "already has a cycle" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        actions.create_cycle(actor=officer, territory=tree.muni_a1, name="Other",
                             starts_on=TODAY, ends_on=TODAY - dt.timedelta(days=1))
    assert "ends_on" in exc.value.error_dict
    with pytest.raises(PermissionDenied):  # another municipality
        actions.create_cycle(actor=officer, territory=tree.muni_b1, name="X", starts_on=TODAY)
    with pytest.raises(PermissionDenied):  # a viewer only
        actions.create_cycle(actor=users["facilitator"], territory=tree.muni_a1, name="Y",
                             starts_on=TODAY)


def _answers(**by_dimension) -> dict[str, str]:
    t = tpl.template()
    out = {}
    for d in t.dimensions:
        values = by_dimension.get(d.code)
        for q, v in zip(d.questions, values or [None] * 3, strict=True):
            out[q.code] = "" if v is None else str(v)
    return out


def test_dimension_scores_are_one_grouped_query(cycle, officer, django_assert_num_queries):
    diagnosis = actions.save_diagnosis(
        actor=officer, cycle=cycle, assessed_on=TODAY,
        scores=_answers(team=[4, 5, 3], actors=[2, 2, 3], data=[1, 1, 2], planning=[2, 1, None],
                        services=[3, 3, 3], rights=[5, 5, 5]))
    assert Answer.objects.filter(diagnosis=diagnosis).count() == 17
    with django_assert_num_queries(1):
        scores = queries.dimension_scores(diagnosis)
    by = {s.code: s for s in scores}
    assert [s.code for s in scores] == ["team", "actors", "data", "planning", "services", "rights"]
    assert by["team"].mean == 4.0 and by["team"].percent == 75.0 and by["team"].level.value == 4
    assert by["data"].mean == pytest.approx(1.33, abs=0.01) and by["data"].percent == 8.3
    assert (by["planning"].answered, by["planning"].questions, by["planning"].mean) == (2, 3, 1.5)
    assert by["rights"].percent == 100.0 and by["rights"].level.value == 5
    assert queries.overall_score(scores) == pytest.approx(
        round(sum(s.percent for s in scores) / 6, 1))


def test_diagnosis_is_updated_and_audited(cycle, officer):
    actions.save_diagnosis(actor=officer, cycle=cycle, assessed_on=TODAY,
                           scores={"team-exists": "2", "data-use": "3"})
    actions.save_diagnosis(actor=officer, cycle=cycle, assessed_on=TODAY,
                           scores={"team-exists": "4", "data-use": ""},
                           comments={"team-exists": "Equipo formal desde marzo"})
    answers = {a.question: (a.score, a.comment) for a in Answer.objects.all()}
    assert answers == {"team-exists": (4, "Equipo formal desde marzo")}
    last = AuditEvent.objects.filter(entity="planning.diagnosis").first()
    assert last.action == "update"
    assert last.changes["answer:team-exists"] == [2, 4]
    assert last.changes["answer:data-use"] == [3, None]


def test_bad_scores_are_named_and_nothing_is_saved(cycle, officer):
    with pytest.raises(ValidationError) as exc:
        actions.save_diagnosis(actor=officer, cycle=cycle, assessed_on=TODAY,
                               scores={"team-exists": "3", "team-roles": "7",
                                       "data-use": "abc", "made-up": "2"})
    errors = exc.value.message_dict
    assert set(errors) == {"team-roles", "data-use", "made-up"}
    assert "from 1 to 5" in errors["team-roles"][0]
    assert "not a question" in errors["made-up"][0]
    assert not Answer.objects.exists()
    with pytest.raises(ValidationError):
        actions.save_diagnosis(actor=officer, cycle=cycle, scores={"team-exists": "3"},
                               assessed_on=TODAY + dt.timedelta(days=3))
    assert not Answer.objects.exists()


def test_suggestions_come_from_the_lowest_dimensions(cycle, officer):
    actions.save_diagnosis(
        actor=officer, cycle=cycle, assessed_on=TODAY,
        scores=_answers(team=[4, 4, 4], actors=[3, 3, 3], data=[1, 1, 2], planning=[2, 2, 3],
                        services=[2, 3, 3], rights=[5, 5, 5]))
    made = actions.suggest_opportunities(actor=officer, cycle=cycle)
    # data 8 %, planning 33 %, services 42 %: all under 60 %, lowest first, at most three
    assert [o.dimension for o in made] == ["data", "planning", "services"]
    assert [o.criticality for o in made] == [Criticality.HIGH, Criticality.HIGH,
                                             Criticality.MEDIUM]
    assert [o.horizon for o in made] == [Horizon.MEDIUM, Horizon.MEDIUM, Horizon.MEDIUM]
    assert all(o.status == OpportunityStatus.SUGGESTED and o.generated for o in made)
    assert "Tablero de Gestión Social" in made[0].title
    assert actions.suggest_opportunities(actor=officer, cycle=cycle) == []  # not twice
    actions.update_opportunity(actor=officer, opportunity=made[0],
                               data={"status": "confirmed", "horizon": 1})
    made[0].refresh_from_db()
    assert (made[0].status, made[0].horizon) == ("confirmed", Horizon.SHORT)


def test_suggest_needs_a_diagnosis(cycle, officer):
    with pytest.raises(ValidationError, match="diagnosis"):
        actions.suggest_opportunities(actor=officer, cycle=cycle)


def test_ranking_by_criticality_then_horizon(cycle, officer, django_assert_num_queries):
    for title, crit, hor in [("b-low-short", 1, 1), ("a-high-long", 3, 3), ("c-high-short", 3, 1),
                             ("d-medium-medium", 2, 2), ("e-high-short", 3, 1)]:
        actions.add_opportunity(actor=officer, cycle=cycle, data={
            "title": title, "criticality": crit, "horizon": hor})
    gone = Opportunity.objects.get(title="d-medium-medium")
    actions.update_opportunity(actor=officer, opportunity=gone, data={"status": "discarded"})
    with django_assert_num_queries(1):
        ranked = [o.title for o in queries.ranked_opportunities(cycle)]
    assert ranked == ["c-high-short", "e-high-short", "a-high-long", "b-low-short"]
    with pytest.raises(ValidationError) as exc:
        actions.add_opportunity(actor=officer, cycle=cycle, data={
            "title": "x", "criticality": 9, "horizon": 1})
    assert "criticality" in exc.value.error_dict


@pytest.fixture
def caregiver_indicator(db):
    from crecer.indicators.models import Indicator

    return Indicator.objects.create(code="t-caregivers", name="Cuidadores", name_en="Caregivers",
                                    definition="x", numerator="count(persons where caregiver)",
                                    results_chain="output", periodicity="month", decimals=0)


def test_metric_reads_the_engine_value(cycle, officer, family, caregiver_indicator):
    from crecer.indicators import engine

    objective = actions.add_objective(actor=officer, cycle=cycle, title="Registrar cuidadores")
    metric = actions.add_metric(actor=officer, objective=objective, indicator="t-caregivers",
                                baseline=0, target=4, target_period="2027")
    assert queries.metric_values([metric], cycle.territory_id)[metric.pk].value is None
    engine.refresh(full=True)
    value = queries.metric_values([metric], cycle.territory_id)[metric.pk]
    assert value.value == 1  # the family's mother, in a community of La Ceiba
    assert value.period == f"{TODAY:%Y%m}"
    assert value.progress == 25.0
    assert queries.progress(540, 475, 507.5) == 50.0  # lower is better works the same way


def test_metric_input_is_checked(cycle, officer, caregiver_indicator):
    objective = actions.add_objective(actor=officer, cycle=cycle, title="O")
    with pytest.raises(ValidationError) as exc:
        actions.add_metric(actor=officer, objective=objective, indicator="no-such",
                           baseline=0, target=1, target_period="2027")
    assert "not an active indicator" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        actions.add_metric(actor=officer, objective=objective, indicator="t-caregivers",
                           baseline=0, target=1, target_period="2027-13")
    assert "target_period" in exc.value.error_dict
    assert not Metric.objects.exists()


def test_actions_late_and_status(cycle, officer, django_assert_num_queries):
    objective = actions.add_objective(actor=officer, cycle=cycle, title="O")
    past = TODAY - dt.timedelta(days=10)
    late = actions.add_action(actor=officer, objective=objective, title="late", owner="Ana",
                              starts_on=past - dt.timedelta(days=30), ends_on=past)
    done = actions.add_action(actor=officer, objective=objective, title="done", owner="Bea",
                              starts_on=past - dt.timedelta(days=30), ends_on=past)
    actions.add_action(actor=officer, objective=objective, title="future", owner="Eva",
                       starts_on=TODAY, ends_on=TODAY + dt.timedelta(days=30))
    actions.set_action_status(actor=officer, action=done, status="done")
    done.refresh_from_db()
    assert done.completed_on == TODAY
    qs = PlanAction.objects.filter(objective__cycle=cycle)
    with django_assert_num_queries(1):
        assert [a.title for a in queries.late_actions(qs, TODAY)] == ["late"]
    counts = queries.action_counts(cycle, TODAY)
    assert counts == {"planned": 2, "done": 1, "late": 1}
    actions.set_action_status(actor=officer, action=done, status="in_progress")
    done.refresh_from_db()
    assert done.completed_on is None
    with pytest.raises(ValidationError):
        actions.set_action_status(actor=officer, action=late, status="finished")
    with pytest.raises(ValidationError) as exc:
        actions.add_action(actor=officer, objective=objective, title="x", owner="y",
                           starts_on=TODAY, ends_on=past)
    assert "ends_on" in exc.value.error_dict
    assert late.is_late(TODAY) and not late.is_late(past)


def test_projects_move_through_their_stages(cycle, officer):
    opp = actions.add_opportunity(actor=officer, cycle=cycle, data={
        "title": "Rutas", "criticality": 3, "horizon": 1})
    project = actions.add_project(actor=officer, cycle=cycle, title="Círculos de crianza",
                                  opportunity=opp, mentors="Mentora")
    assert project.stage == "idea"
    actions.set_project_stage(actor=officer, project=project, stage="prototype")
    actions.set_project_stage(actor=officer, project=project, stage="pilot")
    project.refresh_from_db()
    assert project.stage == "pilot"
    assert AuditEvent.objects.filter(entity="planning.project", action="update").count() == 2
    assert queries.project_counts(cycle) == {"pilot": 1}
    with pytest.raises(ValidationError):
        actions.set_project_stage(actor=officer, project=project, stage="galaxy")
