import datetime as dt
import uuid

import pytest
from django.utils import timezone

from crecer.fieldwork.models import Contact
from crecer.fieldwork.queries import facilitator_overview, worklist_for
from crecer.programmes import actions as programmes
from crecer.registry import actions as registry

TODAY = dt.date(2025, 3, 10)
START = dt.date(2025, 1, 1)


@pytest.fixture
def make_household(users, tree, presets):
    officer = users["municipal_officer"]
    n = iter(range(1, 100))

    def make(code, *, child_born=None, pregnant=False, volunteer=None, last=None,
             programme="honduras-pi-volunteers", start=START):
        hh = registry.create_household(actor=officer, territory=tree.comm_a1,
                                       data={"code": code, "area": "rural"})
        mother = registry.register_person(
            actor=officer, household=hh, roles=["caregiver"],
            data={"given_names": f"Madre{next(n)}", "first_surname": "Prueba", "sex": "F",
                  "birth_date": "1995-01-01"})
        if pregnant:
            registry.set_pregnancy(actor=officer, person=mother,
                                   expected_delivery_date=timezone.localdate()
                                   + dt.timedelta(days=60))
        if child_born:
            registry.register_person(actor=officer, household=hh, roles=["child"], data={
                "given_names": f"Hijo{next(n)}", "first_surname": "Prueba", "sex": "M",
                "birth_date": child_born.isoformat()})
        programmes.enrol(actor=officer, programme=presets[programme], household=hh,
                         volunteer=volunteer or users["volunteer"], start=start)
        if last:
            Contact.objects.create(
                id=uuid.uuid4(), household=hh, kind="home_visit",
                volunteer=volunteer or users["volunteer"],
                occurred_at=timezone.make_aware(dt.datetime.combine(last, dt.time(10))))
        return hh

    return make


def test_worklist_order_and_due_dates(users, make_household, django_assert_max_num_queries):
    D = dt.date
    older = make_household("OLDER", child_born=D(2020, 6, 1), last=D(2025, 3, 5))
    toddler = make_household("TODDLER", child_born=D(2023, 1, 1), last=D(2025, 2, 10))
    new = make_household("NEW", child_born=D(2023, 1, 1), start=D(2025, 3, 1))
    preg = make_household("PREG", pregnant=True, last=D(2025, 2, 12))
    baby = make_household("BABY", child_born=D(2024, 12, 1), last=D(2025, 3, 1))
    # a second, older contact does not count; the latest one does
    Contact.objects.create(id=uuid.uuid4(), household=baby, kind="call",
                           volunteer=users["volunteer"], remote_outcome="reached",
                           occurred_at=timezone.make_aware(dt.datetime(2025, 1, 3, 9)))
    vol = users["volunteer"]
    with django_assert_max_num_queries(3):
        items = worklist_for(vol, TODAY)
    assert [i.household.code for i in items] == ["BABY", "PREG", "TODDLER", "NEW", "OLDER"]
    by_code = {i.household.code: i for i in items}
    assert by_code["BABY"].next_due == D(2025, 3, 8) and by_code["BABY"].days_overdue == 2
    assert by_code["BABY"].every_days == 7 and by_code["BABY"].priority
    assert by_code["PREG"].next_due == D(2025, 3, 14) and by_code["PREG"].pregnant
    assert by_code["TODDLER"].next_due == D(2025, 2, 24) and by_code["TODDLER"].days_overdue == 14
    assert by_code["NEW"].next_due == D(2025, 3, 1) and by_code["NEW"].last_contact is None
    assert by_code["OLDER"].next_due == D(2025, 4, 4) and not by_code["OLDER"].is_due(TODAY)
    assert {older, toddler, new, preg, baby} == {i.household for i in items}


def test_one_row_per_household_with_the_shortest_interval(users, make_household, presets):
    # Juntos visits monthly, Honduras weekly under 12 months: the household shows once, weekly
    hh = make_household("TWO", child_born=dt.date(2024, 12, 1), last=dt.date(2025, 3, 1),
                        programme="juntos-cct")
    programmes.enrol(actor=users["municipal_officer"], programme=presets["honduras-pi-volunteers"],
                     household=hh, volunteer=users["volunteer"], start=START)
    [item] = worklist_for(users["volunteer"], TODAY)
    assert item.every_days == 7 and len(item.programmes) == 2


def test_worklist_excludes_others_and_exited(users, make_household, make_user, tree):
    other = make_user("vol2", "volunteer", tree.comm_a1)
    make_household("THEIRS", child_born=dt.date(2024, 1, 1), volunteer=other)
    gone = make_household("GONE", child_born=dt.date(2024, 1, 1))
    programmes.exit_enrolment(actor=users["municipal_officer"], enrolment=gone.enrolments.get(),
                              reason="moved", on=TODAY)
    mine = make_household("MINE", child_born=dt.date(2024, 1, 1))
    assert [i.household for i in worklist_for(users["volunteer"], TODAY)] == [mine]
    assert [i.household.code for i in worklist_for(other, TODAY)] == ["THEIRS"]


def test_facilitator_overview(users, make_household, make_user, tree,
                              django_assert_max_num_queries):
    vol2 = make_user("vol2", "volunteer", tree.comm_a1)
    make_user("vol_far", "volunteer", tree.comm_b1)  # outside the facilitator's municipality
    make_household("A1", child_born=dt.date(2024, 12, 1), last=dt.date(2025, 3, 9))  # fine
    make_household("A2", child_born=dt.date(2023, 1, 1), last=dt.date(2025, 1, 10))  # overdue
    make_household("B1", child_born=dt.date(2023, 1, 1), volunteer=vol2,
                   last=dt.date(2025, 3, 1))  # due 15 March: due this week, not overdue
    fac = users["facilitator"]
    with django_assert_max_num_queries(4):
        rows = facilitator_overview(fac, TODAY)
    assert [r.volunteer.username for r in rows] == ["vol", "vol2"]
    vol, v2 = rows
    assert (vol.caseload, vol.overdue, vol.contacted_30_days, vol.coverage) == (2, 1, 1, 50)
    assert (v2.caseload, v2.overdue, v2.due, v2.coverage) == (1, 0, 1, 100)
    # a municipal officer elsewhere sees only the volunteer of her municipality
    [far] = facilitator_overview(users["municipal_officer_b"], TODAY)
    assert far.volunteer.username == "vol_far" and far.caseload == 0
