"""Field rules for households and persons, shared by forms, the API and bulk imports.

`clean_person` and `clean_household` return normalised values or raise a Django
ValidationError whose dict maps each bad field to a message in the user's language.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from .identifiers import ID_COUNTRY, InvalidValue, normalize_id, normalize_phone
from .models import Area, IdType, PovertyLevel, Sex, WaterSource

PERSON_FIELDS = [
    "given_names", "first_surname", "second_surname", "sex", "birth_date",
    "birth_date_estimated", "id_type", "id_number", "id_country", "phone", "language",
    "ethnicity", "disability", "disability_detail",
]
HOUSEHOLD_FIELDS = [
    "code", "address", "latitude", "longitude", "area", "poverty_level", "water_source",
    "has_electricity", "rooms", "monthly_income",
]


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise InvalidValue(_("“%(value)s” is not a date (use YYYY-MM-DD or DD/MM/YYYY).") % {"value": text})


def clean_person(data: dict[str, Any], *, country: str = "") -> dict[str, Any]:
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    for name in ("given_names", "first_surname", "second_surname", "language", "ethnicity",
                 "disability_detail"):
        out[name] = " ".join(str(data.get(name) or "").split())[:120]
    for name in ("given_names", "first_surname"):
        if not out[name]:
            errors[name] = _("This field is required.")
    sex = str(data.get("sex") or "").strip().upper()[:1]
    if sex not in Sex.values:
        errors["sex"] = _("Sex must be F or M.")
    out["sex"] = sex
    try:
        birth = _date(data.get("birth_date"))
        today = timezone.localdate()
        if birth and birth > today:
            raise InvalidValue(_("The birth date is in the future."))
        if birth and birth < dt.date(1900, 1, 1):
            raise InvalidValue(_("The birth date is before 1900."))
        out["birth_date"] = birth
    except InvalidValue as exc:
        errors["birth_date"] = str(exc)
    out["birth_date_estimated"] = _bool(data.get("birth_date_estimated"))
    out["disability"] = _bool(data.get("disability"))
    id_type = str(data.get("id_type") or "").strip().upper()
    if id_type not in IdType.values:
        errors["id_type"] = _("Unknown ID type “%(value)s”.") % {"value": id_type}
        id_type = ""
    out["id_type"] = id_type
    try:
        out["id_number"] = normalize_id(id_type, str(data.get("id_number") or ""))
    except InvalidValue as exc:
        errors["id_number"] = str(exc)
    out["id_country"] = (str(data.get("id_country") or "").upper()[:2]
                         or ID_COUNTRY.get(id_type, "") or country.upper()[:2])
    try:
        out["phone"] = normalize_phone(str(data.get("phone") or ""), country or out["id_country"])
    except InvalidValue as exc:
        errors["phone"] = str(exc)
    if errors:
        raise ValidationError(errors)
    return out


def clean_expected_delivery(value: Any) -> dt.date:
    try:
        edd = _date(value)
    except InvalidValue as exc:
        raise ValidationError({"expected_delivery_date": str(exc)}) from None
    today = timezone.localdate()
    if edd is None:
        raise ValidationError({"expected_delivery_date": _("A pregnant woman needs an expected delivery date.")})
    if not (today - dt.timedelta(days=30) <= edd <= today + dt.timedelta(days=300)):
        raise ValidationError({"expected_delivery_date": _("The expected delivery date must fall within the next 10 months.")})
    return edd


def clean_household(data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    out: dict[str, Any] = {
        "code": str(data.get("code") or "").strip()[:32],
        "address": " ".join(str(data.get("address") or "").split())[:255],
    }
    area = str(data.get("area") or Area.URBAN).strip().lower()
    if area not in Area.values:
        errors["area"] = _("Area must be rural or urban.")
    out["area"] = area
    poverty = str(data.get("poverty_level") or PovertyLevel.UNKNOWN).strip().lower()
    if poverty not in PovertyLevel.values:
        errors["poverty_level"] = _("Unknown poverty level “%(value)s”.") % {"value": poverty}
    out["poverty_level"] = poverty
    water = str(data.get("water_source") or "").strip().lower()
    if water and water not in WaterSource.values:
        errors["water_source"] = _("Unknown water source “%(value)s”.") % {"value": water}
    out["water_source"] = water
    elec = data.get("has_electricity")
    out["has_electricity"] = None if elec in (None, "") else _bool(elec)
    for name, lo, hi in (("latitude", -90, 90), ("longitude", -180, 180)):
        value = data.get(name)
        if value in (None, ""):
            out[name] = None
            continue
        try:
            number = float(value)
            if not lo <= number <= hi:
                raise ValueError
            out[name] = number
        except (TypeError, ValueError):
            errors[name] = _("Must be a number between %(lo)s and %(hi)s.") % {"lo": lo, "hi": hi}
    for name in ("rooms", "monthly_income"):
        value = data.get(name)
        if value in (None, ""):
            out[name] = None
            continue
        try:
            number = float(value)
            if number < 0:
                raise ValueError
            # Money as the Decimal the column stores, so that the audit sees no change when
            # the same amount is saved again (1500.5 vs "1500.50").
            out[name] = int(number) if name == "rooms" else Decimal(f"{number:.2f}")
        except (TypeError, ValueError):
            errors[name] = _("Must be a positive number.")
    if errors:
        raise ValidationError(errors)
    return out


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in {"1", "true", "yes", "si", "sí", "y", "s", "x", "on"}
