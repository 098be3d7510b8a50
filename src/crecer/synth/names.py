"""Weighted name pools and place names for the synthetic country, built once from the demo's
sources (Faker's Spanish-language person lists with their frequencies, the demo's Honduran and
ethnic surname lists, its compound-name heads) so that picking a name is one `bisect` on a
cumulative-weight table instead of a Faker call: the synth makes tens of millions of names.
"""

from __future__ import annotations

import bisect
import importlib
import itertools
import random
from dataclasses import dataclass
from functools import cache

from crecer.demo import geography
from crecer.demo.people import (
    ADULT_LOCALES,
    CHILD_LOCALES,
    COMPOUND_HEADS,
    ETHNIC_SURNAMES,
    HONDURAN_GIVEN,
    HONDURAN_SURNAMES,
    SURNAME_LOCALES,
)


@dataclass(frozen=True)
class Pool:
    """Names and their cumulative weights: `pick(rng)` draws one by frequency."""

    names: tuple[str, ...]
    cumulative: tuple[float, ...]

    def pick(self, rng: random.Random) -> str:
        i = bisect.bisect_right(self.cumulative, rng.random() * self.cumulative[-1])
        return self.names[min(i, len(self.names) - 1)]


def _provider(locale: str):
    return importlib.import_module(f"faker.providers.person.{locale}").Provider


def _weighted(values) -> dict[str, float]:
    """A Faker list as {name: share}: its own frequencies, or equal shares for plain tuples."""
    if isinstance(values, dict):
        total = sum(values.values())
        return {" ".join(k.split()): v / total for k, v in values.items()}
    return {" ".join(v.split()): 1 / len(values) for v in values}


def _pool(parts: list[tuple[dict[str, float], float]]) -> Pool:
    """Mix several {name: share} lists, each with its own weight."""
    weights: dict[str, float] = {}
    for shares, weight in parts:
        for name, share in shares.items():
            weights[name] = weights.get(name, 0.0) + share * weight
    names = tuple(weights)
    return Pool(names, tuple(itertools.accumulate(weights[n] for n in names)))


@cache
def given_pool(sex: str, child: bool) -> Pool:
    attr = "first_names_female" if sex == "F" else "first_names_male"
    locales = CHILD_LOCALES if child else ADULT_LOCALES
    total = sum(w for _loc, w in locales)
    parts = [(_weighted(getattr(_provider(loc), attr)), 0.94 * w / total) for loc, w in locales]
    parts.append((_weighted(HONDURAN_GIVEN[sex]), 0.06))
    return _pool(parts)


@cache
def surname_pool(ethnicity: str) -> Pool:
    total = sum(w for _loc, w in SURNAME_LOCALES)
    own = ETHNIC_SURNAMES.get(ethnicity)
    rest = 0.55 if own else 1.0
    parts = [(_weighted(_provider(loc).last_names), rest * 0.85 * w / total)
             for loc, w in SURNAME_LOCALES]
    parts.append((_weighted(HONDURAN_SURNAMES), rest * 0.15))
    if own:
        parts.append((_weighted(own), 0.45))
    return _pool(parts)


def given_names(rng: random.Random, sex: str, *, child: bool = False) -> str:
    """One or two given names, about 40 % compound ("María José", "Keyla Sofía"), as the demo's
    `PeopleMaker.given_names` makes them."""
    pool = given_pool(sex, child)
    first = pool.pick(rng)
    roll = rng.random()
    if " " in first or roll >= 0.4:
        return first
    if roll < 0.15:
        head = rng.choice(COMPOUND_HEADS[sex])
        if head not in first:
            return f"{head} {first}"
    for _attempt in range(5):
        second = pool.pick(rng)
        if " " not in second and second != first:
            return f"{first} {second}"
    return first


def surname(rng: random.Random, ethnicity: str = "mestizo") -> str:
    return surname_pool(ethnicity).pick(rng)


# -- places -----------------------------------------------------------------------------------

REGIONS = (
    "Alta Montaña", "Bahía Norte", "Cordillera Central", "Costa del Pacífico", "Llanos del Sur",
    "Valle del Río Grande", "Sierra Nevada", "Los Volcanes", "Altiplano", "Selva Oriental",
    "Las Lagunas", "Tierra Caliente", "San Lorenzo", "Santa Bárbara", "La Frontera",
    "Golfo de las Garzas", "Río Claro", "Occidente", "Las Islas", "Cerro Azul", "El Chaparral",
    "Nueva Esperanza", "Santa Cruz", "Los Pinares", "Valle Verde", "El Desierto",
    "Las Cañadas", "Bosque Nublado",
)
SAINTS = ("San Juan", "San Pedro", "San José", "San Miguel", "San Antonio", "San Francisco",
          "San Marcos", "San Luis", "San Isidro", "San Rafael", "San Jerónimo", "San Agustín",
          "Santa Rosa", "Santa Ana", "Santa Lucía", "Santa María", "Santa Cruz", "Santa Elena",
          "Santa Rita", "Santa Clara", "Santiago", "San Sebastián", "San Martín", "San Andrés")
PLACE_WORDS = ("El Naranjo", "Las Flores", "Los Pinos", "La Ceibita", "Agua Caliente",
               "Río Blanco", "Cerro Grande", "El Zapote", "Las Delicias", "El Porvenir",
               "La Esperanza", "Buenos Aires", "El Progreso", "Las Mercedes", "El Carmen",
               "La Libertad", "Los Laureles", "El Rosario", "La Montañita", "El Jícaro",
               "Piedra Pintada", "Ojo de Agua", "El Tablón", "Quebrada Honda", "Los Encuentros",
               "La Laguna", "El Llano", "Monte Verde", "Palo Alto", "El Guayabo", "Las Lomas",
               "El Ocotal", "La Cumbre", "Los Ángeles", "Nueva Suyapa", "El Pedregal")
SUFFIXES = ("de Arriba", "de Abajo", "del Valle", "del Monte", "de la Sierra", "del Río",
            "Centro", "Viejo", "Nuevo", "de las Flores")
URBAN_PREFIXES = ("Colonia", "Barrio", "Residencial", "Colonia")


@cache
def demo_place_names() -> tuple[str, ...]:
    """The real community names of the demo territory, reused as part of the pool."""
    return tuple(name for d in geography.DEPARTMENTS for m in d.municipalities
                 for name, _area in m.communities if "Centro" not in name)


def municipality_name(rng: random.Random, taken: set[str]) -> str:
    for _attempt in range(50):
        form = rng.random()
        if form < 0.45:
            name = f"{rng.choice(SAINTS)} {rng.choice(SUFFIXES)}" if rng.random() < 0.4 \
                else f"{rng.choice(SAINTS)} de {rng.choice(PLACE_WORDS).split(' ', 1)[-1]}"
        elif form < 0.75:
            name = f"{rng.choice(PLACE_WORDS)} {rng.choice(SUFFIXES)}"
        else:
            name = f"{rng.choice(('Villa', 'Puerto', 'Ciudad', 'Real de'))} " \
                   f"{rng.choice(SAINTS + PLACE_WORDS)}"
        if name not in taken:
            taken.add(name)
            return name
    name = f"{rng.choice(SAINTS)} {len(taken)}"
    taken.add(name)
    return name


def community_name(rng: random.Random, urban: bool) -> str:
    base = rng.choice(PLACE_WORDS + demo_place_names()) if rng.random() < 0.7 \
        else f"{rng.choice(SAINTS)}"
    if urban:
        return f"{rng.choice(URBAN_PREFIXES)} {base}"
    return base if rng.random() < 0.7 else f"{base} {rng.choice(SUFFIXES)}"
