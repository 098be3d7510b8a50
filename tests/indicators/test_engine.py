"""The engine's values equal a straightforward reference computation (ORM and Python over the
same records), at every level of the tree and for month, quarter and year, including the edge
cases: empty denominators, a household moved to another territory, a merged duplicate, and an
approval that freezes a period."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from crecer.indicators import engine, periods, queries
from crecer.indicators.models import FrozenValue, Indicator
from crecer.territory.models import OrgUnit

TODAY = dt.date.today()
THIS_MONTH = periods.current("month")
LAST_MONTH = periods.previous(THIS_MONTH)

INDICATORS = {
    "children": ("count(persons where child)", "", 1, ["sex", "age_band", "area"]),
    "girls_share": ("count(persons where child and sex = 'F')", "count(persons where child)",
                    100, ["area"]),
    "visits": ("count(contacts where kind = 'home_visit')", "", 1, ["area", "programme"]),
    "households_reached": ("count_distinct(contacts.household_id where reached or "
                           "kind = 'home_visit')", "", 1, []),
    "calls_reached_pct": ("count(contacts where remote and reached)",
                          "count(contacts where remote)", 100, []),
    "counter_referral_pct": ("count(referrals where counter_referred)", "count(referrals)", 100,
                             ["sex"]),
    "kits": ("sum(deliveries.quantity where item_kind = 'kit')", "", 1, []),
}


def _make_indicators():
    for code, (num, den, factor, dims) in INDICATORS.items():
        Indicator.objects.create(code=code, name=code, definition=code, results_chain="output",
                                 numerator=num, denominator=den, factor=factor,
                                 disaggregations=dims)


@pytest.fixture
def world(tree, users, family):
    """Households in two municipalities, children of both sexes, contacts this month and last
    month, referrals and deliveries."""
    from crecer.deliveries.models import Delivery, Item
    from crecer.fieldwork.models import Contact
    from crecer.referrals.models import Referral
    from crecer.registry import actions

    officer = users["municipal_officer"]
    officer_b = users["municipal_officer_b"]
    vol = users["volunteer"]
    hh2 = actions.create_household(actor=officer, territory=tree.comm_a1b,
                                   data={"code": "H-2", "area": "urban"})
    girl = actions.register_person(actor=officer, household=hh2, roles=["child"],
                                   data={"given_names": "Ana", "first_surname": "Paz",
                                         "sex": "F", "birth_date": "2025-01-10"})
    hh3 = actions.create_household(actor=officer_b, territory=tree.comm_b1,
                                   data={"code": "H-3", "area": "rural"})
    girl_b = actions.register_person(actor=officer_b, household=hh3, roles=["child"],
                                     data={"given_names": "Eva", "first_surname": "Cruz",
                                           "sex": "F", "birth_date": "2023-05-01"})
    hh4 = actions.create_household(actor=officer_b, territory=tree.comm_b1,
                                   data={"code": "H-4", "area": "urban"})  # no children

    def at(period, day):
        d = periods.month_start(period.start) + dt.timedelta(days=day)
        return timezone.make_aware(dt.datetime(d.year, d.month, d.day, 10))

    contacts = [
        (family["household"], "home_visit", "", at(THIS_MONTH, 0)),
        (family["household"], "call", "reached", at(THIS_MONTH, 1)),
        (hh2, "call", "no_answer", at(THIS_MONTH, 0)),
        (hh2, "home_visit", "", at(LAST_MONTH, 3)),
        (hh3, "home_visit", "", at(LAST_MONTH, 4)),
        (hh3, "home_visit", "", at(THIS_MONTH, 0)),
        (hh3, "text", "reached", at(THIS_MONTH, 0)),
    ]
    Contact.objects.bulk_create([Contact(household=h, kind=k, remote_outcome=o, volunteer=vol,
                                         occurred_at=t) for h, k, o, t in contacts])
    hs = tree.health_a1
    refs = [(family["child"], family["household"], "attended", THIS_MONTH),
            (girl, hh2, "sent", THIS_MONTH), (girl, hh2, "received", LAST_MONTH),
            (girl_b, hh3, "attended", LAST_MONTH)]
    Referral.objects.bulk_create([
        Referral(person=p, household=h, from_unit=h.territory, to_service=hs, reason_code="fever",
                 status=s, referred_on=periods.month_start(m.start),
                 due_date=periods.month_start(m.start)) for p, h, s, m in refs])
    kit = Item.objects.create(code="kit-x", name="Kit", kind="kit", unit="kit")
    basket = Item.objects.create(code="basket-x", name="Basket", kind="food_basket", unit="b")
    Delivery.objects.bulk_create([
        Delivery(household=family["household"], item=kit, quantity=2,
                 delivered_on=periods.month_start(THIS_MONTH.start), municipality=tree.muni_a1),
        Delivery(household=hh3, item=kit, quantity=1,
                 delivered_on=periods.month_start(LAST_MONTH.start), municipality=tree.muni_b1),
        Delivery(household=hh3, item=basket, quantity=5,
                 delivered_on=periods.month_start(THIS_MONTH.start), municipality=tree.muni_b1),
    ])
    _make_indicators()
    return {"girl": girl, "girl_b": girl_b, "hh2": hh2, "hh3": hh3, "hh4": hh4}


# ---- the reference computation: plain ORM and Python, one value at a time ---------------------

def _in(unit: OrgUnit, territory_path: str) -> bool:
    return territory_path.startswith(unit.path)


def reference(code: str, unit: OrgUnit, period: periods.Period):
    from crecer.deliveries.models import Delivery
    from crecer.fieldwork.models import Contact
    from crecer.referrals.models import Referral
    from crecer.registry.models import Person

    first = periods.month_start(period.start)
    end_month = min(period.end, periods.month_index(TODAY))
    last = periods.month_start(end_month + 1) - dt.timedelta(days=1)
    children = [p for p in Person.objects.select_related("household__territory")
                if p.merged_into_id is None and p.roles.filter(role="child", active=True).exists()
                and p.created_at.date() <= last and _in(unit, p.household.territory.path)]
    contacts = [c for c in Contact.objects.select_related("household__territory")
                if first <= c.occurred_at.date() <= last
                and _in(unit, c.household.territory.path)]
    referrals = [r for r in Referral.objects.select_related("household__territory")
                 if first <= r.referred_on <= last and _in(unit, r.household.territory.path)]

    def ratio(num, den, factor=100):
        return (num, den, factor * num / den if den else None)

    if code == "children":
        n = len(children)
        return (n, None, n)
    if code == "girls_share":
        return ratio(sum(p.sex == "F" for p in children), len(children))
    if code == "visits":
        n = sum(c.kind == "home_visit" for c in contacts)
        return (n, None, n)
    if code == "households_reached":
        n = len({c.household_id for c in contacts
                 if c.remote_outcome == "reached" or c.kind == "home_visit"})
        return (n, None, n)
    if code == "calls_reached_pct":
        remote = [c for c in contacts if c.kind in ("call", "text")]
        return ratio(sum(c.remote_outcome == "reached" for c in remote), len(remote))
    if code == "counter_referral_pct":
        return ratio(sum(r.status == "attended" for r in referrals), len(referrals))
    if code == "kits":
        n = sum(d.quantity for d in Delivery.objects.select_related("item", "household__territory")
                if d.item.kind == "kit" and first <= d.delivered_on <= last
                and _in(unit, d.household.territory.path))
        return (n, None, n)
    raise AssertionError(code)


def _check_all(tree):
    units = OrgUnit.objects.filter(kind="area")
    checked = 0
    for period in (THIS_MONTH, LAST_MONTH, periods.current("quarter"), periods.current("year")):
        got = {(v.indicator, v.unit_id): v for v in queries.values(
            unit_ids=[u.pk for u in units], periods=[period.code])}
        for unit in units:
            for code in INDICATORS:
                num, den, value = reference(code, unit, period)
                v = got[(code, unit.pk)]
                assert (v.numerator or 0, v.denominator) == (num, den if den is not None else
                                                             v.denominator), (code, unit, period)
                if value is None:
                    assert v.value is None, (code, unit.name, period.code)
                else:
                    assert v.value == pytest.approx(value), (code, unit.name, period.code)
                checked += 1
    return checked


def test_engine_equals_reference_at_every_level(world, tree):
    engine.refresh(full=True)
    assert _check_all(tree) == 4 * OrgUnit.objects.filter(kind="area").count() * len(INDICATORS)
    # a spot check a reader can follow: the country has 3 children, 2 girls
    (v,) = queries.values(indicators=["girls_share"], unit_ids=[tree.country.pk],
                          periods=[THIS_MONTH.code])
    assert (v.numerator, v.denominator) == (2, 3)
    assert v.value == pytest.approx(200 / 3)


def test_empty_denominator_gives_no_value(world, tree):
    engine.refresh(full=True)
    (v,) = queries.values(indicators=["calls_reached_pct"], unit_ids=[tree.comm_a2.pk],
                          periods=[THIS_MONTH.code])
    assert (v.numerator, v.denominator, v.value) == (0, 0, None)


def test_disaggregations_add_up_to_the_total(world, tree):
    engine.refresh(full=True)
    by_sex = queries.values(indicators=["children"], unit_ids=[tree.country.pk],
                            periods=[THIS_MONTH.code], dim="sex")
    assert {v.dim_value: v.value for v in by_sex} == {"F": 2, "M": 1}
    by_area = queries.values(indicators=["visits"], unit_ids=[tree.country.pk],
                             periods=[THIS_MONTH.code], dim="area")
    assert {v.dim_value: v.value for v in by_area} == {"rural": 2}
    # A filtered sub-population is computed on demand: girls in rural areas.
    (v,) = queries.values(indicators=["children"], unit_ids=[tree.country.pk],
                          periods=[THIS_MONTH.code], filters={"sex": ["F"], "area": ["rural"]})
    assert v.value == 1
    # A denominator-less disaggregation the source lacks is refused rather than invented.
    assert queries.values(indicators=["kits"], unit_ids=[tree.country.pk],
                          periods=[THIS_MONTH.code], filters={"sex": ["F"]}) == []


def test_incremental_refresh_picks_up_changes_moves_and_merges(world, tree, users, family):
    from crecer.dedup import actions as dedup_actions
    from crecer.fieldwork.models import Contact
    from crecer.registry import actions

    engine.refresh(full=True)
    officer = users["municipal_officer"]
    # A new visit, a household moved to another municipality, a duplicate merged.
    Contact.objects.create(household=world["hh2"], kind="home_visit", volunteer=users["volunteer"],
                           occurred_at=timezone.now())
    actions.update_household(actor=users["admin"], household=world["hh2"], data={},
                             territory=tree.comm_a2)
    dup = actions.register_person(actor=officer, household=family["household"], roles=["child"],
                                  data={"given_names": "Luis Angel", "first_surname": "Hernandez",
                                        "sex": "M", "birth_date": "2024-07-02"})
    dedup_actions.merge_persons(actor=users["data_officer"], survivor=family["child"], merged=dup)
    report = engine.refresh()
    assert report.rows_read["contacts"] >= 1 and report.rows_read["contacts"] < 9
    assert report.rows_read["persons"] >= 1
    _check_all(tree)
    (v,) = queries.values(indicators=["children"], unit_ids=[tree.comm_a2.pk],
                          periods=[THIS_MONTH.code])
    assert v.value == 1  # the girl moved with her household
    (v,) = queries.values(indicators=["children"], unit_ids=[tree.muni_a1.pk],
                          periods=[THIS_MONTH.code])
    assert v.value == 1  # the merged duplicate is not counted


def test_approval_freezes_values_until_undone(world, tree, users):
    from crecer.aggregates.models import PeriodApproval
    from crecer.fieldwork.models import Contact

    engine.refresh(full=True)
    approval = PeriodApproval.objects.create(unit=tree.muni_b1, period=LAST_MONTH.code,
                                             approved_by=users["data_officer"])
    assert engine.freeze(approval) > 0
    # A late visit for the approved month arrives.
    late = periods.month_start(LAST_MONTH.start) + dt.timedelta(days=10)
    Contact.objects.create(household=world["hh3"], kind="home_visit", volunteer=users["volunteer"],
                           occurred_at=timezone.make_aware(dt.datetime(late.year, late.month,
                                                                       late.day, 9)))
    engine.refresh()
    (v,) = queries.values(indicators=["visits"], unit_ids=[tree.muni_b1.pk],
                          periods=[LAST_MONTH.code])
    assert (v.value, v.approved) == (1, True)  # frozen at approval
    (v,) = queries.values(indicators=["visits"], unit_ids=[tree.muni_a1.pk],
                          periods=[LAST_MONTH.code])
    assert v.approved is False
    engine.release(approval)
    assert not FrozenValue.objects.exists()
    engine.refresh()
    (v,) = queries.values(indicators=["visits"], unit_ids=[tree.muni_b1.pk],
                          periods=[LAST_MONTH.code])
    assert (v.value, v.approved) == (2, False)


def test_refresh_with_no_indicators_and_no_data(db):
    report = engine.refresh(full=True)
    assert report.values == 0
    assert queries.status()["computed"] is True


def test_a_change_queues_a_refresh_after_commit(tree, users, settings,
                                               django_capture_on_commit_callbacks):
    from crecer.registry import actions

    settings.CRECER_INDICATORS_AUTO_REFRESH = True
    Indicator.objects.create(code="households", name="h", definition="h", results_chain="output",
                             numerator="count(households)")
    assert queries.status() == {"computed": False}
    with django_capture_on_commit_callbacks(execute=True):
        actions.create_household(actor=users["municipal_officer"], territory=tree.comm_a1,
                                 data={"code": "H-9"})
    (v,) = queries.values(indicators=["households"], unit_ids=[tree.muni_a1.pk],
                          periods=[THIS_MONTH.code])
    assert v.value == 1


def test_entered_values_count_in_the_periods_that_contain_them(tree):
    from crecer.aggregates.models import AggregateValue, DataElement

    budget = DataElement.objects.create(code="budget", name="Budget", value_type="money",
                                        period_type="year")
    workshops = DataElement.objects.create(code="workshops", name="W", value_type="integer",
                                           period_type="month")
    year = periods.current("year")
    AggregateValue.objects.create(element=budget, unit=tree.muni_a1, period=year.code, value=1000)
    AggregateValue.objects.create(element=budget, unit=tree.muni_a2, period=year.code, value=500)
    AggregateValue.objects.create(element=workshops, unit=tree.muni_a1, period=THIS_MONTH.code,
                                  value=3)
    AggregateValue.objects.create(element=workshops, unit=tree.muni_a1, period=LAST_MONTH.code,
                                  value=4)
    quarterly = DataElement.objects.create(code="sessions", name="S", value_type="integer",
                                           period_type="quarter")
    quarter = periods.current("quarter")
    AggregateValue.objects.create(element=quarterly, unit=tree.muni_a2, period=quarter.code,
                                  value=6)
    Indicator.objects.create(code="sessions", name="s", definition="s", results_chain="process",
                             numerator="sum(aggregate.value where element = 'sessions')")
    Indicator.objects.create(code="budget", name="b", definition="b", results_chain="structure",
                             numerator="sum(aggregate.value where element = 'budget')")
    Indicator.objects.create(code="workshops", name="w", definition="w", results_chain="process",
                             numerator="sum(aggregate.value where element = 'workshops')")
    engine.refresh(full=True)

    def value(code, unit, period):
        (v,) = queries.values(indicators=[code], unit_ids=[unit.pk], periods=[period.code])
        return v.value

    # The current year's budget shows before December, and adds up the tree.
    assert value("budget", tree.muni_a1, year) == 1000
    assert value("budget", tree.region_a, year) == 1500
    # A territory that reported nothing has no value (not zero).
    assert value("budget", tree.muni_b1, year) is None
    # A yearly figure does not belong to one month; monthly figures add up over the year.
    assert value("budget", tree.muni_a1, THIS_MONTH) is None
    assert value("workshops", tree.muni_a1, THIS_MONTH) == 3
    expected = 7 if LAST_MONTH.year == year.year else 3
    assert value("workshops", tree.country, year) == expected
    assert value("sessions", tree.country, quarter) == 6
    assert value("sessions", tree.country, year) == 6
    assert value("sessions", tree.muni_a2, THIS_MONTH) is None


def test_population_is_own_estimate_else_the_sum_below_never_both(tree):
    from crecer.territory.models import PopulationEstimate

    year = periods.current("year").year
    est = [(tree.muni_a1, "F", 100), (tree.muni_a1, "M", 90),  # the municipality's own figure
           (tree.comm_a1, "F", 40), (tree.comm_a1, "M", 30),  # and its communities'
           (tree.comm_a1b, "F", 50), (tree.comm_a1b, "M", 50),
           (tree.comm_a2, "F", 20), (tree.comm_a2, "M", 25)]  # El Porvenir: communities only
    PopulationEstimate.objects.bulk_create([
        PopulationEstimate(unit=u, year=year, sex=s, age_band="0-11m", value=v)
        for u, s, v in est])
    Indicator.objects.create(code="pop", name="p", definition="p", results_chain="structure",
                             numerator="sum(population.value)", disaggregations=["sex"])
    engine.refresh(full=True)
    got = {v.unit_id: v.value for v in queries.values(
        indicators=["pop"], unit_ids=[u.pk for u in (tree.muni_a1, tree.comm_a1, tree.muni_a2,
                                                     tree.region_a)],
        periods=[THIS_MONTH.code])}
    assert got[tree.muni_a1.pk] == 190  # its own estimate, not 190 + 170
    assert got[tree.comm_a1.pk] == 70
    assert got[tree.muni_a2.pk] == 45  # from its communities
    # The region: La Ceiba's own 190 plus El Porvenir's communities' 45.
    assert got[tree.region_a.pk] == 235
    by_sex = queries.values(indicators=["pop"], unit_ids=[tree.muni_a1.pk],
                            periods=[THIS_MONTH.code], dim="sex")
    assert {v.dim_value: v.value for v in by_sex} == {"F": 100, "M": 90}
    # On-demand filters follow the same rule.
    (v,) = queries.values(indicators=["pop"], unit_ids=[tree.region_a.pk],
                          periods=[THIS_MONTH.code], filters={"sex": ["F"]})
    assert v.value == 120


def test_workforce_turnover_retention_and_trainings(tree):
    from crecer.workforce.models import Curriculum, Module, TrainingSession, Worker

    year = periods.current("year").year
    last = year - 1

    def worker(name, start, leave=None, kind="volunteer"):
        return Worker.objects.create(given_names=name, surnames="X", kind=kind,
                                     territory=tree.comm_a1, start_date=start, leave_date=leave)

    # Active on 1 January of last year: a, b, c; b leaves during last year; d joins last year.
    a = worker("a", dt.date(last - 2, 3, 1))
    worker("b", dt.date(last - 1, 5, 1), leave=dt.date(last, 6, 30))
    worker("c", dt.date(last - 1, 7, 1))
    worker("d", dt.date(last, 4, 1))
    worker("m", dt.date(last - 1, 1, 1), kind="municipal_staff")
    curriculum = Curriculum.objects.create(code="pi", name="PI", for_kinds=["volunteer"])
    module = Module.objects.create(curriculum=curriculum, code="m1", name="M1")
    for local in (True, False, False):
        TrainingSession.objects.create(module=module, trainer=a, territory=tree.comm_a1,
                                       date=dt.date(last, 9, 1), trainer_is_local_staff=local)
    for code, num, den in [
            ("turnover", 'count(worker_exits where kind = "volunteer")',
             'count(workers where kind = "volunteer")'),
            ("retention", 'count(worker_cohorts where kind = "volunteer" and retained)',
             'count(worker_cohorts where kind = "volunteer")'),
            ("local", "count(trainings where local_staff)", "count(trainings)")]:
        Indicator.objects.create(code=code, name=code, definition=code, results_chain="structure",
                                 numerator=num, denominator=den, factor=100)
    engine.refresh(full=True)
    got = {v.indicator: v for v in queries.values(unit_ids=[tree.muni_a1.pk],
                                                  periods=[str(last)])}
    # 1 volunteer left; 3 active at the end of last year (a, c, d)
    assert (got["turnover"].numerator, got["turnover"].denominator) == (1, 3)
    # of a, b, c (active on 1 January), a and c stayed
    assert (got["retention"].numerator, got["retention"].denominator) == (2, 3)
    assert got["local"].value == pytest.approx(100 / 3)
