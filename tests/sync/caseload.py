"""A large synthetic caseload made fast with bulk_create (tests and benchmarks/sync.py only:
it bypasses the actions, so no audit events; never use it for real data)."""

from __future__ import annotations

import datetime as dt
import uuid

from crecer.programmes.models import Enrolment
from crecer.registry.identifiers import search_name
from crecer.registry.models import Household, Person, PersonRole


def build_caseload(*, volunteer, territory, programme, n: int, prefix: str = "C",
                   today: dt.date | None = None) -> list[Household]:
    """`n` households in `territory`, each with a caregiver and a child (every fifth caregiver
    pregnant), enrolled in `programme` with `volunteer`."""
    today = today or dt.date.today()
    households, persons, roles, enrolments = [], [], [], []
    for i in range(n):
        hh = Household(id=uuid.uuid4(), territory=territory, code=f"{prefix}-{i:05d}",
                       address=f"Calle {i % 40 + 1}, casa {i}", area="rural")
        households.append(hh)
        mother = Person(id=uuid.uuid4(), household=hh, territory=territory,
                        given_names=f"Madre {i}", first_surname="Prueba",
                        second_surname="Sintética", sex="F", birth_date=dt.date(1995, 1, 1),
                        search_name=search_name(f"Madre {i}", "Prueba", "Sintética"))
        child = Person(id=uuid.uuid4(), household=hh, territory=territory,
                       given_names=f"Niño {i}", first_surname="Prueba", sex="M",
                       birth_date=today - dt.timedelta(days=30 + (i * 13) % 1000),
                       search_name=search_name(f"Niño {i}", "Prueba", ""))
        persons += [mother, child]
        roles.append(PersonRole(person=mother, role="caregiver"))
        roles.append(PersonRole(person=child, role="child"))
        if i % 5 == 0:
            roles.append(PersonRole(person=mother, role="pregnant",
                                    expected_delivery_date=today + dt.timedelta(days=90)))
        enrolments.append(Enrolment(programme=programme, household=hh, volunteer=volunteer,
                                    start=today - dt.timedelta(days=60)))
    Household.objects.bulk_create(households, batch_size=500)
    Person.objects.bulk_create(persons, batch_size=500)
    PersonRole.objects.bulk_create(roles, batch_size=500)
    Enrolment.objects.bulk_create(enrolments, batch_size=500)
    return households
