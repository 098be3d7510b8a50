"""National identifiers and phone numbers: normalisation and validation per country.

Messages are translatable and name what is wrong, so an import can show them per row.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.utils.translation import gettext as _

from .models import IdType

CURP_ALPHABET = "0123456789ABCDEFGHIJKLMNÑOPQRSTUVWXYZ"
CURP_RE = re.compile(r"^[A-Z][AEIOUX][A-Z]{2}\d{6}[HMX][A-Z]{2}[B-DF-HJ-NP-TV-Z]{3}[0-9A-Z]\d$")
CURP_STATES = set(
    "AS BC BS CC CL CM CS CH DF DG GT GR HG JC MC MN MS NT NL OC PL QT QR SP SL SR TC TS TL VZ YN ZS NE".split()
)
ID_COUNTRY = {IdType.CURP: "MX", IdType.DNI_PE: "PE", IdType.DNI_HN: "HN", IdType.DNI_AR: "AR"}
CALLING_CODES = {"MX": "52", "PE": "51", "HN": "504", "AR": "54", "CO": "57", "GT": "502"}


class InvalidValue(ValueError):
    """A value that cannot be accepted; `str(exc)` is a message for the user."""


def curp_check_digit(first17: str) -> int:
    total = sum(CURP_ALPHABET.index(c) * (18 - i) for i, c in enumerate(first17))
    return (10 - total % 10) % 10


def normalize_id(id_type: str, raw: str) -> str:
    """Return the canonical form of a national ID or raise InvalidValue saying why."""
    value = re.sub(r"[\s.\-]", "", (raw or "").upper())
    if not value:
        return ""
    if id_type == IdType.CURP:
        if len(value) != 18:
            raise InvalidValue(_("A CURP has 18 characters; this one has %(n)d.") % {"n": len(value)})
        if not CURP_RE.match(value) or value[11:13] not in CURP_STATES:
            raise InvalidValue(_("This CURP does not follow the official format."))
        try:
            dt.datetime.strptime(value[4:10], "%y%m%d")
        except ValueError:
            raise InvalidValue(_("The birth date inside this CURP does not exist.")) from None
        if curp_check_digit(value[:17]) != int(value[17]):
            raise InvalidValue(_("The check digit of this CURP is wrong."))
        return value
    if id_type == IdType.DNI_PE:
        if not re.fullmatch(r"\d{8}", value):
            raise InvalidValue(_("A Peruvian DNI has exactly 8 digits."))
        return value
    if id_type == IdType.DNI_HN:
        if not re.fullmatch(r"\d{13}", value):
            raise InvalidValue(_("A Honduran DNI has 13 digits (0801-1990-12345)."))
        if not 1 <= int(value[:2]) <= 18:
            raise InvalidValue(_("A Honduran DNI starts with a department code from 01 to 18."))
        if not 1900 <= int(value[4:8]) <= dt.date.today().year:
            raise InvalidValue(_("The year of registration inside this Honduran DNI is impossible."))
        return value
    if id_type == IdType.DNI_AR:
        if not re.fullmatch(r"\d{7,8}", value):
            raise InvalidValue(_("An Argentine DNI has 7 or 8 digits."))
        return value
    if id_type in ("", IdType.NONE):
        raise InvalidValue(_("Choose the type of the ID document."))
    if not re.fullmatch(r"[0-9A-Z]{3,32}", value):
        raise InvalidValue(_("An ID may only contain letters and digits."))
    return value


def normalize_phone(raw: str, country: str = "") -> str:
    """Return the phone in E.164 (+5215512345678) or raise InvalidValue."""
    value = re.sub(r"[\s().\-]", "", raw or "")
    if not value:
        return ""
    if value.startswith("00"):
        value = "+" + value[2:]
    if not value.startswith("+"):
        code = CALLING_CODES.get(country.upper())
        if not code:
            raise InvalidValue(_("Write the phone with its country code, for example +50499998888."))
        value = f"+{code}{value.lstrip('0')}"
    if not re.fullmatch(r"\+[1-9]\d{7,14}", value):
        raise InvalidValue(_("This phone number is not valid (8 to 15 digits after the +)."))
    return value


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced text for search and matching."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9 ]+", " ", text).strip().replace("  ", " ")


def search_name(given: str, first: str, second: str) -> str:
    return " ".join(fold(f"{given} {first} {second}").split())
