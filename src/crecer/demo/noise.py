"""Near-duplicates: a copy of a registered person with the errors real registries are full of.

Each planted duplicate gets one or two of these noise kinds (only those that change something
for that person), and its ID is either the same as the original's or missing:

- ``typo``: one letter of one given name substituted (b/v, s/z, y/i, ...) or dropped;
- ``no_accents``: accents and ñ written without marks ("Nuñez" → "Nunez");
- ``swapped_surnames``: first and second family names in the other order;
- ``no_second_surname``: the second family name left out;
- ``swapped_day_month``: birth date with day and month swapped (only when both are ≤ 12);
- ``phone``: a different phone number, or none (only for people who have one).
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
import uuid

from crecer.registry.identifiers import search_name
from crecer.registry.models import Household, Person

from .people import PeopleMaker

NOISE_KINDS = ("typo", "no_accents", "swapped_surnames", "no_second_surname",
               "swapped_day_month", "phone")
# Spelling confusions common in Spanish-language registries.
CONFUSIONS = {"b": "v", "v": "b", "s": "z", "z": "s", "c": "s", "y": "i", "i": "y", "n": "m",
              "m": "n", "e": "i", "o": "u", "g": "j", "j": "g", "x": "j", "k": "c", "l": "r",
              "r": "l", "t": "d", "d": "t", "a": "e", "u": "o", "h": "j", "ñ": "n", "f": "p"}
COPIED_FIELDS = ("given_names", "first_surname", "second_surname", "sex", "birth_date",
                 "birth_date_estimated", "id_type", "id_number", "id_country", "phone",
                 "language", "ethnicity", "disability", "disability_detail")


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed
                                                if not unicodedata.combining(c)))


def typo(name: str, rng: random.Random) -> str:
    """One letter of one of the given names substituted or dropped (never the first letter)."""
    tokens = name.split()
    order = [i for i, t in enumerate(tokens) if len(t) >= 3] or list(range(len(tokens)))
    i = rng.choice(order)
    token = tokens[i]
    for _attempt in range(10):
        pos = rng.randrange(1, len(token)) if len(token) > 1 else 0
        char = token[pos]
        if rng.random() < 0.35 and len(token) > 3:
            new = token[:pos] + token[pos + 1:]
        else:
            sub = CONFUSIONS.get(char.lower()) or rng.choice("aeiounrsl")
            new = token[:pos] + (sub.upper() if char.isupper() else sub) + token[pos + 1:]
        if new != token:
            tokens[i] = new
            return " ".join(tokens)
    tokens[i] = token + "a"
    return " ".join(tokens)


def _swappable(birth: dt.date | None, earliest: dt.date, today: dt.date) -> dt.date | None:
    if birth is None or birth.day > 12 or birth.day == birth.month:
        return None
    swapped = birth.replace(month=birth.day, day=birth.month)
    return swapped if earliest <= swapped <= today else None


def applicable(person: Person, earliest: dt.date, today: dt.date) -> list[str]:
    kinds = ["typo"]
    if person.phone:
        kinds.append("phone")
    names = f"{person.given_names}{person.first_surname}{person.second_surname}"
    if strip_accents(names) != names:
        kinds.append("no_accents")
    if person.second_surname and person.second_surname != person.first_surname:
        kinds.append("swapped_surnames")
    if person.second_surname:
        kinds.append("no_second_surname")
    if _swappable(person.birth_date, earliest, today):
        kinds.append("swapped_day_month")
    # Keep the order fixed (NOISE_KINDS), whatever order the checks ran in.
    return [k for k in NOISE_KINDS if k in kinds]


def make_duplicate(original: Person, *, household: Household, rng: random.Random,
                   people: PeopleMaker, new_id: uuid.UUID, earliest: dt.date,
                   today: dt.date) -> tuple[Person, list[str]]:
    """An unsaved copy of `original` in `household` with 1-2 kinds of noise; returns the copy
    and the labels of what was changed (noise kinds, then "same_id" or "no_id")."""
    dup = Person(id=new_id, household=household, territory=household.territory,
                 **{f: getattr(original, f) for f in COPIED_FIELDS})
    options = applicable(original, earliest, today)
    # Name noise is the most common in practice: weight it up.
    weights = [3 if k in ("typo", "no_accents", "swapped_surnames", "no_second_surname") else 2
               for k in options]
    chosen: list[str] = []
    for _n in range(1 if rng.random() < 0.55 else 2):
        pool = [(k, w) for k, w in zip(options, weights, strict=True) if k not in chosen]
        # Missing and swapped second surname do not combine.
        if "swapped_surnames" in chosen or "no_second_surname" in chosen:
            pool = [(k, w) for k, w in pool if k not in ("swapped_surnames", "no_second_surname")]
        if not pool:
            break
        chosen.append(rng.choices([k for k, _w in pool], [w for _k, w in pool])[0])
    chosen = [k for k in NOISE_KINDS if k in chosen]
    for kind in chosen:
        if kind == "typo":
            dup.given_names = typo(dup.given_names, rng)
        elif kind == "no_accents":
            dup.given_names = strip_accents(dup.given_names)
            dup.first_surname = strip_accents(dup.first_surname)
            dup.second_surname = strip_accents(dup.second_surname)
        elif kind == "swapped_surnames":
            dup.first_surname, dup.second_surname = dup.second_surname, dup.first_surname
        elif kind == "no_second_surname":
            dup.second_surname = ""
        elif kind == "swapped_day_month":
            dup.birth_date = _swappable(original.birth_date, earliest, today)
        elif kind == "phone":
            dup.phone = "" if rng.random() < 0.5 else people.phone()
    labels = list(chosen)
    if original.id_number:
        if rng.random() < 0.5:
            labels.append("same_id")
        else:
            dup.id_type = dup.id_number = dup.id_country = ""
            labels.append("no_id")
    dup.search_name = search_name(dup.given_names, dup.first_surname, dup.second_surname)
    return dup, labels
