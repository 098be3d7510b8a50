import datetime as dt

from crecer.fieldwork.models import Contact
from crecer.fieldwork.queries import facilitator_overview, worklist_for
from crecer.programmes.models import Enrolment, Programme


def test_demo_fieldwork_enrols_and_makes_contacts(db):
    from crecer.accounts.models import User
    from crecer.demo.fieldwork import seed_fieldwork
    from crecer.demo.generator import generate

    today = dt.date(2026, 3, 2)
    generate(password="demo-pass-123", households=300, duplicates=5, reference_date=today)
    made = seed_fieldwork(password="demo-pass-123", today=today)
    assert Programme.objects.count() == 5
    assert made["enrolments"] == Enrolment.objects.count() > 0
    assert made["contacts"] == Contact.objects.count() > 0
    vol = User.objects.get(username="voluntaria")
    items = worklist_for(vol, today)
    assert 0 < len(items) <= 23
    assert any(i.overdue for i in items) and any(not i.overdue for i in items)
    rows = facilitator_overview(User.objects.get(username="facilitadora"), today)
    assert sum(r.caseload for r in rows) == len({e.household_id for e in Enrolment.objects.all()})
    assert seed_fieldwork(password="x", today=today) == {"enrolments": 0, "contacts": 0}
