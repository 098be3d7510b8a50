"""Names, national IDs and phones for synthetic people.

Given names and surnames come from Faker's Spanish-language locales (Colombian, Mexican and
Chilean lists carry real frequencies and accents; Argentine for newer children's names; Spain as
a fallback), mixed with short lists of surnames typical of Honduras and of its Garífuna,
Miskito, Lenca, Maya Chortí, Tolupán, Pech and Tawahka peoples. Every choice is made by one
seeded `random.Random` and seeded Faker instances, so a seed always gives the same people.
"""

from __future__ import annotations

import datetime as dt
import random

from faker import Faker

from crecer.registry.identifiers import normalize_id
from crecer.registry.models import IdType

from .geography import OTHER_BIRTHPLACES

ADULT_LOCALES = (("es_CO", 32), ("es_MX", 28), ("es_CL", 22), ("es_ES", 10), ("es_AR", 8))
CHILD_LOCALES = (("es_CO", 25), ("es_MX", 20), ("es_CL", 20), ("es_AR", 25), ("es_ES", 10))
SURNAME_LOCALES = (("es_CO", 40), ("es_MX", 30), ("es_CL", 30))
LOCALES = ("es_CO", "es_MX", "es_CL", "es_AR", "es_ES")

HONDURAN_SURNAMES = (
    "Zelaya", "Mejía", "Maradiaga", "Funes", "Matamoros", "Banegas", "Zúniga", "Bustillo",
    "Izaguirre", "Cálix", "Amador", "Paz", "Pineda", "Euceda", "Oseguera", "Ordóñez", "Núñez",
    "Peña", "Hernández", "Rápalo", "Osorto", "Andino", "Midence", "Cerrato", "Lagos",
    "Alvarado", "Cruz", "Reyes", "Flores", "Aguilar", "Velásquez", "Ávila", "Sierra",
)
ETHNIC_SURNAMES = {
    "garífuna": ("Guity", "Bernárdez", "Suazo", "Lacayo", "Cacho", "Sambulá", "Arzú", "Ellis",
                 "Martínez", "Álvarez", "Castillo", "Núñez", "Colón", "Zúniga", "Güity"),
    "miskito": ("Wood", "Bennett", "Cooper", "Salomón", "Morgan", "Kingsman", "Waldan",
                "Haylock", "Pravia", "Bordas", "Green", "Castellón", "Urbina", "Sandoval"),
    "lenca": ("Gómez", "Méndez", "Vásquez", "Domínguez", "Pineda", "Sánchez", "Manueles",
              "Benítez", "Lorenzo", "Girón", "Hernández", "Pérez"),
    "maya chortí": ("Ramírez", "Pérez", "Interiano", "Guerra", "Martínez", "López",
                    "Vásquez", "Díaz"),
    "tolupán": ("Soto", "Martínez", "Cardona", "Vieda", "Nolasco", "Velásquez"),
    "pech": ("Bonilla", "Escobar", "García", "Sánchez", "Cárcamo"),
    "tawahka": ("Cardona", "Gutiérrez", "Sánchez", "Alvarado"),
    "negro de habla inglesa": ("Bodden", "Jackson", "Ebanks", "McNab", "Woods"),
}
# Given names common in Honduras that the locale lists lack.
HONDURAN_GIVEN = {
    "F": ("Dania", "Xiomara", "Yessenia", "Glenda", "Lesly", "Keyla", "Génesis", "Ariana",
          "Dilcia", "Sheyla", "Nohemí", "Yolany", "Karla", "Fátima", "Wendy", "Iris"),
    "M": ("Wilmer", "Osman", "Marvin", "Nelson", "Elvin", "Allan", "Nahúm", "Kenly", "Jeyson",
          "Edwin", "Yefri", "Darwin", "Kevin", "Ángel", "Josué", "Elías"),
}
COMPOUND_HEADS = {"F": ("María", "Ana", "Rosa"), "M": ("José", "Juan", "Luis")}
MOBILE_PREFIXES = ("3", "8", "9")


def _clean(name: str) -> str:
    return " ".join(name.split())


class PeopleMaker:
    """Makes names, DNIs and phones; remembers the IDs and phones it gave to keep them unique."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(f"people-{seed}")
        self.fakers: dict[str, Faker] = {}
        for i, loc in enumerate(LOCALES):
            fake = Faker(loc)
            fake.seed_instance(seed * 10 + i)
            self.fakers[loc] = fake
        self._ids: set[str] = set()
        self._phones: set[str] = set()

    def _pick(self, weighted: tuple[tuple[str, int], ...]) -> str:
        return self.rng.choices([w[0] for w in weighted], [w[1] for w in weighted])[0]

    def _one_given(self, sex: str, child: bool) -> str:
        if self.rng.random() < 0.06:
            return self.rng.choice(HONDURAN_GIVEN[sex])
        fake = self.fakers[self._pick(CHILD_LOCALES if child else ADULT_LOCALES)]
        name = fake.first_name_female() if sex == "F" else fake.first_name_male()
        return _clean(name)

    def given_names(self, sex: str, *, child: bool = False) -> str:
        """One or two given names ("Dania", "María José", "Juan Carlos", "Keyla Sofía")."""
        first = self._one_given(sex, child)
        roll = self.rng.random()
        if " " in first or roll >= 0.4:
            return first
        if roll < 0.15:
            head = self.rng.choice(COMPOUND_HEADS[sex])
            if head not in first:
                return f"{head} {first}"
        for _attempt in range(5):
            second = self._one_given(sex, child)
            if " " not in second and second != first:
                return f"{first} {second}"
        return first

    def surname(self, ethnicity: str = "mestizo") -> str:
        own = ETHNIC_SURNAMES.get(ethnicity)
        if own and self.rng.random() < 0.45:
            return self.rng.choice(own)
        if self.rng.random() < 0.15:
            return self.rng.choice(HONDURAN_SURNAMES)
        return _clean(self.fakers[self._pick(SURNAME_LOCALES)].last_name())

    def dni(self, home_code: str, birth: dt.date, today: dt.date) -> str:
        """A Honduran DNI: birthplace municipality (4), registration year (4), serial (5)."""
        place = home_code if self.rng.random() < 0.8 else self.rng.choice(OTHER_BIRTHPLACES)
        year = birth.year
        if self.rng.random() < 0.05:  # registered late
            year += self.rng.randint(1, 3)
        year = min(year, today.year, dt.date.today().year)
        while True:
            value = f"{place}{year:04d}{self.rng.randint(1, 99999):05d}"
            if value not in self._ids:
                break
        self._ids.add(value)
        return normalize_id(IdType.DNI_HN, value)  # raises if the generator ever goes wrong

    def phone(self) -> str:
        """A Honduran mobile number in E.164 (+504 and 8 digits starting with 3, 8 or 9)."""
        while True:
            value = "+504" + self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randint(0, 9999999):07d}"
            if value not in self._phones:
                self._phones.add(value)
                return value

    def pulperia(self) -> str:
        sex = self.rng.choice("FM")
        title = "Doña" if sex == "F" else "Don"
        return f"la pulpería {title} {self._one_given(sex, False).split()[0]}"
