"""The world the access matrix runs in: the shared tree and users, and the same set of objects
(a household with a caregiver and a child, a duplicate pair, an import job…) in three places:

    A  comm_a1 (municipality A1, region A)   the `family` fixture of tests/conftest.py
    B  comm_b1 (municipality B1, region B)
    X  a community of a second country (GT), outside every user of the `users` fixture

For each user, `inside(user)` is a place within her territories and `outside(user)` one
beyond them (X for the national roles, whose country holds both A and B).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from crecer.accounts.models import ApiToken

_counter = itertools.count(1)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@dataclass
class Place:
    """One territory and the objects of every kind that lie in it."""

    name: str
    territory: object
    officer: object  # a user working here who may edit, review duplicates and import
    household: object
    mother: object
    child: object
    _made: dict = field(default_factory=dict)

    # -- shared objects, made on first use --------------------------------------------------

    @property
    def pair(self):
        """A pending duplicate pair of two persons of this place."""
        if "pair" not in self._made:
            self._made["pair"] = self.fresh_pair()
        return self._made["pair"]

    @property
    def job(self):
        """A checked import job of this place's officer."""
        if "job" not in self._made:
            self._made["job"] = self.fresh_job()
        return self._made["job"]

    # -- fresh objects, for requests that change or consume them (one per request) ----------

    def new_person(self, given: str):
        from crecer.registry import actions

        return actions.register_person(
            actor=self.officer, household=self.household, roles=["other"],
            data={"given_names": given, "first_surname": f"Matriz{self.name}", "sex": "F",
                  "birth_date": "1980-01-01"})

    def fresh_pair(self):
        from crecer.dedup.models import DuplicateCandidate

        n = next(_counter)
        a, b = DuplicateCandidate.ordered(self.new_person(f"Dup{n}"), self.new_person(f"Dup{n}"))
        return DuplicateCandidate.objects.create(person_a=a, person_b=b, score=0.97,
                                                 reasons=["same names"], source="batch")

    def fresh_merge(self):
        from crecer.dedup import actions

        n = next(_counter)
        return actions.merge_persons(actor=self.officer, survivor=self.new_person(f"Keep{n}"),
                                     merged=self.new_person(f"Drop{n}"))

    def fresh_job(self):
        """A checked import job without errors (one new household here), uploaded by the
        officer of this place."""
        from crecer.imports import actions

        n = next(_counter)
        content = ("household_ref,community,given_names,first_surname,sex,birth_date,role\r\n"
                   f"M-{n},{self.territory.code},Importada{n},Matriz{self.name},F,1990-01-01,"
                   "caregiver\r\n")
        return actions.start_import(actor=self.officer,
                                    upload=SimpleUploadedFile(f"m{n}.csv", content.encode()))


class World:
    def __init__(self, users: dict, places: dict[str, Place]):
        self.users = users
        self.places = places
        self._tokens: dict[int, str] = {}

    def inside(self, user) -> Place:
        return next(p for p in self.places.values() if self._covers(user, p))

    def outside(self, user) -> Place:
        return next(p for p in self.places.values() if not self._covers(user, p))

    @staticmethod
    def _covers(user, place: Place) -> bool:
        from crecer.accounts import scope

        return scope.covers(user, place.territory)

    def token(self, user) -> str:
        if user.pk not in self._tokens:
            self._tokens[user.pk] = ApiToken.issue(user, name="matrix")[1]
        return self._tokens[user.pk]


def _place(name, territory, officer, data_suffix: str) -> Place:
    """A household like the `family` fixture's (same first surname, so that one search finds
    the persons of every place; other given names, so that a page shows whose they are)."""
    from crecer.registry import actions

    hh = actions.create_household(actor=officer, territory=territory,
                                  data={"code": f"H-{name}", "area": "rural"})
    mother = actions.register_person(
        actor=officer, household=hh, roles=["caregiver"],
        data={"given_names": f"Madre {data_suffix}", "first_surname": "Hernández",
              "sex": "F", "birth_date": "1992-02-02"})
    child = actions.register_person(
        actor=officer, household=hh, roles=["child"], relationships=[(mother, "mother")],
        data={"given_names": f"Hija {data_suffix}", "first_surname": "Hernández",
              "sex": "F", "birth_date": "2023-03-03"})
    return Place(name=name, territory=territory, officer=officer, household=hh, mother=mother,
                 child=child)


@pytest.fixture
def world(tree, users, family, make_user, settings, tmp_path) -> World:
    from crecer.territory.actions import create_unit

    settings.MEDIA_ROOT = tmp_path / "media"
    gt = create_unit(code="GT", name="Guatemala", parent=None)
    gt_dept = create_unit(code="GT-01", name="Guatemala (departamento)", parent=gt)
    gt_muni = create_unit(code="GT-0101", name="Mixco", parent=gt_dept)
    gt_comm = create_unit(code="GT-0101-001", name="El Naranjo", parent=gt_muni)
    admin_gt = make_user("adm_gt", "admin", gt)
    places = {
        "A": Place(name="A", territory=tree.comm_a1, officer=users["municipal_officer"],
                   household=family["household"], mother=family["mother"],
                   child=family["child"]),
        "B": _place("B", tree.comm_b1, users["municipal_officer_b"], "Berta"),
        "X": _place("X", gt_comm, admin_gt, "Xiomara"),
    }
    return World(users, places)
