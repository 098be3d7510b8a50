"""A small synthetic registry with planted near-duplicates, for the batch job's own tests
(the demo generator has its own, bigger one)."""

from __future__ import annotations

import datetime as dt
import random
import unicodedata

import pytest
from faker.providers.person.es_MX import Provider as FakerNames


def _zipf(names, head):
    """Common names first (as in real registries), then the rest with falling weights."""
    ordered = list(head) + sorted(set(names) - set(head))
    return ordered, [1 / (rank + 3) for rank in range(len(ordered))]


GIVEN_F, W_F = _zipf(FakerNames.first_names_female,
                     ["María", "Guadalupe", "Juana", "Rosa", "Ana", "Carmen", "Sofía", "Lucía"])
GIVEN_M, W_M = _zipf(FakerNames.first_names_male,
                     ["José", "Juan", "Luis", "Carlos", "Jesús", "Miguel", "Pedro", "Santiago"])
SURNAMES, W_S = _zipf(FakerNames.last_names,
                      ["Hernández", "García", "Martínez", "López", "González", "Pérez",
                       "Rodríguez", "Sánchez", "Ramírez", "Cruz", "Flores", "Gómez"])


def given_name(rng: random.Random, sex: str) -> str:
    names, weights = (GIVEN_F, W_F) if sex == "F" else (GIVEN_M, W_M)
    first = rng.choices(names, weights)[0]
    if rng.random() < 0.3:
        second = rng.choices(names, weights)[0]
        if second != first:
            return f"{first} {second}"
    return first


def surname(rng: random.Random) -> str:
    return rng.choices(SURNAMES, W_S)[0]


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def typo(rng: random.Random, text: str) -> str:
    letters = [i for i, c in enumerate(text) if c.isalpha()]
    i = rng.choice(letters[1:] or letters)
    kind = rng.choice(["swap", "drop", "replace"])
    if kind == "swap" and i + 1 < len(text) and text[i + 1].isalpha():
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    if kind == "drop":
        return text[:i] + text[i + 1:]
    return text[:i] + rng.choice("aeioulnrst") + text[i + 1:]


def corrupt(rng: random.Random, rec: dict, kind: str) -> dict:
    d = dict(rec)
    if kind == "typo":
        f = rng.choice(["given_names", "first_surname", "second_surname"])
        d[f] = typo(rng, d[f]) if d[f] else d[f]
    elif kind == "accents":
        for f in ("given_names", "first_surname", "second_surname"):
            d[f] = strip_accents(d[f]).upper()
    elif kind == "swap_surnames":
        d["first_surname"], d["second_surname"] = d["second_surname"], d["first_surname"]
    elif kind == "missing_second":
        d["second_surname"] = ""
    elif kind == "swap_date":
        b = d["birth_date"]
        if b.day <= 12 and b.day != b.month:
            d["birth_date"] = b.replace(month=b.day, day=b.month)
        else:
            d["given_names"] = typo(rng, d["given_names"])
    elif kind == "no_date_same_id":
        d["birth_date"] = None
        d["given_names"] = d["given_names"].split()[0]
    d["phone"] = "" if rng.random() < 0.5 else d["phone"]
    return d


KINDS = ["typo", "accents", "swap_surnames", "missing_second", "swap_date", "no_date_same_id"]


def build_registry(territories, *, households: int, duplicates: int, seed: int = 7):
    """Bulk-create households (a mother and 1–3 children sharing surnames and phone) and
    `duplicates` corrupted copies of random persons. Returns the planted (original, copy) pairs."""
    from crecer.registry.identifiers import search_name
    from crecer.registry.models import Household, Person

    rng = random.Random(seed)
    hh_rows, people = [], []
    today = dt.date(2026, 1, 1)
    for h in range(households):
        unit = territories[h % len(territories)]
        hh = Household(territory=unit, code=f"S-{h:05d}")
        hh_rows.append(hh)
        mum_first, mum_second, dad_first = surname(rng), surname(rng), surname(rng)
        phone = f"+504{rng.randint(30000000, 99999999)}"
        mum_birth = today - dt.timedelta(days=rng.randint(18 * 365, 45 * 365))
        has_id = rng.random() < 0.6
        people.append(dict(household=hh, territory=unit, given_names=given_name(rng, "F"),
                           first_surname=mum_first, second_surname=mum_second, sex="F",
                           birth_date=mum_birth, phone=phone,
                           id_type="DNI_HN" if has_id else "",
                           id_number=f"0101{mum_birth.year}{rng.randint(10000, 99999)}"
                           if has_id else ""))
        used = {people[-1]["given_names"]}
        for _c in range(rng.randint(1, 3)):
            sex = rng.choice("FM")
            given = given_name(rng, sex)
            while given in used:
                given = given_name(rng, sex)
            used.add(given)
            people.append(dict(household=hh, territory=unit, given_names=given,
                               first_surname=dad_first, second_surname=mum_first, sex=sex,
                               birth_date=today - dt.timedelta(days=rng.randint(30, 6 * 365)),
                               phone=phone, id_type="", id_number=""))
    Household.objects.bulk_create(hh_rows)
    originals = list(range(len(people)))
    planted_idx = []
    for k, i in enumerate(rng.sample(originals, duplicates)):
        kind = KINDS[k % len(KINDS)]
        src = people[i]
        if kind == "no_date_same_id" and not src["id_number"]:
            kind = "typo"
        copy = corrupt(rng, src, kind)
        people.append(copy)
        planted_idx.append((i, len(people) - 1))
    objs = []
    for p in people:
        obj = Person(**p)
        obj.search_name = search_name(obj.given_names, obj.first_surname, obj.second_surname)
        objs.append(obj)
    Person.objects.bulk_create(objs, batch_size=1000)
    return [(objs[i].pk, objs[j].pk) for i, j in planted_idx]


@pytest.fixture
def synthetic(tree):
    return build_registry([tree.comm_a1, tree.comm_a1b, tree.comm_a2, tree.comm_b1],
                          households=400, duplicates=60)
