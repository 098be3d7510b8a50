"""Population estimates (coverage denominators) of every synthetic community and municipality,
by sex and age band, for each of the three years of field work.

As in the demo (`demo.population`): a community's population is worked back from its registered
children under 7 and a programme coverage drawn between 35 % and 80 %, split with the demo's age
structure (`BAND_SHARES`); every estimate stays above what the registry holds in its band; a
municipality has people outside its registered communities (1.4-2.5 times their sum); earlier
years are a little smaller.
"""

from __future__ import annotations

import math
import random
from collections import Counter

from crecer.demo.population import BAND_SHARES, CHILD_BANDS
from crecer.territory.models import AGE_BANDS

from .activity import YEARS
from .world import World

CHILD_SHARE = sum(BAND_SHARES[b] for b in CHILD_BANDS) / 100


def _female_share(band: str) -> float:
    return 0.49 if band in CHILD_BANDS or band == "7-17y" else 0.52


def estimates(world: World, registered: Counter, sink) -> None:
    """`registered`: (community id, sex, band) -> registered persons (without duplicates)."""
    rng = random.Random(f"synth:{world.seed}:population")
    years = [world.today.year - i for i in range(YEARS)]
    for muni in world.munis:
        muni_values: Counter = Counter()
        muni_registered: Counter = Counter()
        for ci in muni.communities:
            comm_id = world.communities[ci].id
            counts = {(sex, band): registered.get((comm_id, sex, band), 0)
                      for sex in "FM" for band in AGE_BANDS}
            children = sum(n for (_s, band), n in counts.items() if band in CHILD_BANDS)
            total = max(children / rng.uniform(0.35, 0.8), 30) / CHILD_SHARE
            values = {}
            for (sex, band), n in counts.items():
                share = _female_share(band) if sex == "F" else 1 - _female_share(band)
                value = round(total * BAND_SHARES[band] / 100 * share * rng.uniform(0.85, 1.15))
                values[(sex, band)] = max(value, math.ceil(n * 1.1) + 1)
            _write(sink, comm_id, values, counts, years, rng)
            muni_values.update(values)
            muni_registered.update(counts)
        factor = rng.uniform(1.4, 2.5)
        values = {k: max(v, round(v * factor * rng.uniform(0.95, 1.05)))
                  for k, v in muni_values.items()}
        _write(sink, muni.id, values, muni_registered, years, rng)


def _write(sink, unit_id: int, values: dict, registered, years: list[int],
           rng: random.Random) -> None:
    for (sex, band), value in values.items():
        for back, year in enumerate(years):
            v = value if back == 0 else max(round(value * rng.uniform(0.96, 0.995) ** back),
                                             math.ceil(registered[(sex, band)] * 1.05) + 1)
            sink.add("population_estimates", (unit_id, year, sex, band, v))
