"""Helpers for the registry page tests: POST data for the registration form."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.utils import timezone

MEMBER_DEFAULTS = {
    "role": "", "given_names": "", "first_surname": "", "second_surname": "", "sex": "",
    "birth_date": "", "caregiver_is": "", "expected_delivery_date": "", "id_type": "",
    "id_number": "", "phone": "", "language": "", "ethnicity": "", "disability_detail": "",
}


def edd(days: int = 90) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def registration_data(territory, members: list[dict], **household) -> dict[str, str]:
    """The POST of /households/new/ for a household in `territory` with these members."""
    data = {
        "territory": str(territory.pk), "code": "", "address": "", "area": "rural",
        "poverty_level": "unknown", "water_source": "", "has_electricity": "", "rooms": "",
        "monthly_income": "", "latitude": "", "longitude": "",
        "members-TOTAL_FORMS": str(len(members)), "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "0", "members-MAX_NUM_FORMS": "30",
    }
    data.update({k: str(v) for k, v in household.items()})
    for i, member in enumerate(members):
        for key, value in {**MEMBER_DEFAULTS, **member}.items():
            if value is True:
                value = "on"
            if value is False:
                continue
            data[f"members-{i}-{key}"] = str(value)
    return data


def member_data(member: dict, prefix: str = "member") -> dict[str, str]:
    return {f"{prefix}-{k}": ("on" if v is True else str(v))
            for k, v in {**MEMBER_DEFAULTS, **member}.items() if v is not False}


def fingerprints(html: str) -> dict[str, str]:
    """The hidden `…-checked` values of the duplicate warnings on a page, by field name."""
    return dict(re.findall(r'name="([\w-]+-checked)" value="([0-9a-f]+)"', html))


CAREGIVER = {"role": "caregiver", "given_names": "Rosa Elena", "first_surname": "Martínez",
             "second_surname": "Cruz", "sex": "F", "birth_date": "1992-05-10",
             "phone": "+50431234567"}
PREGNANT = {"role": "pregnant", "given_names": "Karla", "first_surname": "Martínez",
            "second_surname": "Cruz", "sex": "F", "birth_date": "2004-01-20"}
CHILD_1 = {"role": "child", "given_names": "Sofía", "first_surname": "Reyes",
           "second_surname": "Martínez", "sex": "F", "birth_date": "2022-02-11"}
CHILD_2 = {"role": "child", "given_names": "Mateo", "first_surname": "Reyes",
           "second_surname": "Martínez", "sex": "M", "birth_date": "2025-03-01"}
# The family fixture's child "Luis Ángel Hernández López", born 2024-07-02, typed again with
# a typo in the given name and the two surnames swapped.
NEAR_DUPLICATE_CHILD = {"role": "child", "given_names": "Luis Anjel", "first_surname": "López",
                        "second_surname": "Hernández", "sex": "M", "birth_date": "2024-07-02"}


@pytest.fixture
def officer_client(client, users):
    """The municipal officer of La Ceiba, with the English interface so that assertions do
    not depend on the Spanish catalogue (Spanish, the default, is checked separately)."""
    client.force_login(users["municipal_officer"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client

