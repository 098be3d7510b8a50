"""Turning what a user typed (a form field, a spreadsheet cell) into the values of a budget or
expenditure line, or into a clear message naming the row and the field.

`Cleaner` holds the look-ups one import needs (funding sources, the actor's territories by
code) so that a file of 5,000 rows reads each of them once.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crecer.accounts import scope
from crecer.registry.identifiers import fold
from crecer.territory.models import Kind, OrgUnit

from . import queries
from .models import DECIMALS, MAX_DIGITS, Category, FundingSource, SourceKind

MAX_AMOUNT = Decimal(10) ** (MAX_DIGITS - DECIMALS)
MIN_YEAR = 2000
TEXT_MAX = 255
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
_YES = {"1", "yes", "y", "si", "s", "true", "x", "on", "verdadero"}
_NO = {"0", "no", "n", "false", "off", "falso", ""}

# Field names as the user sees them (messages say "Row 4, amount: …").
FIELD_LABELS = {
    "unit": gettext_lazy("territory"),
    "year": gettext_lazy("year"),
    "date": gettext_lazy("date"),
    "category": gettext_lazy("category"),
    "source": gettext_lazy("funding source"),
    "amount": gettext_lazy("amount"),
    "in_kind": gettext_lazy("in kind"),
    "valuation_note": gettext_lazy("valuation"),
    "is_ecd_line": gettext_lazy("early-childhood budget line"),
    "description": gettext_lazy("description"),
    "note": gettext_lazy("note"),
    "name": gettext_lazy("name"),
    "total_amount": gettext_lazy("total amount"),
    "shares": gettext_lazy("shares"),
    "percent": gettext_lazy("share (%)"),
    "code": gettext_lazy("code"),
    "kind": gettext_lazy("kind"),
    "file": gettext_lazy("file"),
    "columns": gettext_lazy("columns"),
}


@dataclass(frozen=True)
class FieldError:
    """One refused input. `row` is the spreadsheet row (None for a form); `field` the field's
    code ("" for the whole input). `str()` names the row and the field."""

    field: str
    message: str
    row: int | None = None

    @property
    def label(self) -> str:
        return str(FIELD_LABELS.get(self.field, self.field))

    def __str__(self) -> str:
        if self.row is not None and self.field:
            return _("Row %(row)s, %(field)s: %(message)s") % {
                "row": self.row, "field": self.label, "message": self.message}
        if self.row is not None:
            return _("Row %(row)s: %(message)s") % {"row": self.row, "message": self.message}
        if self.field:
            return f"{self.label[:1].upper()}{self.label[1:]}: {self.message}"
        return self.message


class Rejected(ValidationError):
    """Nothing was saved; `errors` lists every refused input."""

    def __init__(self, errors: list[FieldError]):
        self.errors = errors
        by_field: dict[str, list[str]] = {}
        for e in errors:
            by_field.setdefault(e.field or "__all__", []).append(str(e))
        super().__init__(by_field)

    def for_field(self, name: str) -> list[str]:
        return [e.message for e in self.errors if e.field == name]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# --- single values -------------------------------------------------------------------------

def parse_amount(value: Any, *, positive: bool = False) -> Decimal:
    """A sum of money (US dollars, at most 2 decimals, 0 or more), or ValueError."""
    if isinstance(value, bool):
        raise ValueError(_("“%(raw)s” is not an amount.") % {"raw": value})
    if isinstance(value, int | float | Decimal):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise ValueError(_("“%(raw)s” is not an amount.") % {"raw": value}) from None
        text = str(value)
        if isinstance(value, float) and abs(number - round(number, 2)) < Decimal("1e-9"):
            number = round(number, 2)  # a spreadsheet's binary noise (0.1 + 0.2)
    else:
        text = _text(value)
        if not text:
            raise ValueError(_("enter an amount."))
        compact = re.sub(r"[\s\u00a0\u202f$]", "", text).removeprefix("USD").removesuffix("USD")
        if not _NUMBER.match(compact):
            raise ValueError(_("“%(raw)s” is not an amount: write digits only, with a point or "
                               "a comma before the cents (e.g. 1250.50).") % {"raw": text})
        number = Decimal(compact.replace(",", "."))
    if not number.is_finite():
        raise ValueError(_("“%(raw)s” is not an amount.") % {"raw": text})
    if number < 0:
        raise ValueError(_("%(value)s is negative: amounts are 0 or more.") % {"value": text})
    if positive and number == 0:
        raise ValueError(_("the amount must be more than 0."))
    if number != number.quantize(Decimal("0.01")):
        raise ValueError(_("%(value)s has more than 2 decimals.") % {"value": text})
    if number >= MAX_AMOUNT:
        raise ValueError(_("%(value)s is too large.") % {"value": text})
    return number.quantize(Decimal("0.01"))


def max_year() -> int:
    return timezone.localdate().year + 10


def parse_year(value: Any) -> int:
    text = _text(value)
    if not text:
        raise ValueError(_("enter a year."))
    if not re.fullmatch(r"\d{4}", text):
        raise ValueError(_("“%(raw)s” is not a year (write it with 4 digits, e.g. 2026).")
                         % {"raw": text})
    year = int(text)
    if not MIN_YEAR <= year <= max_year():
        raise ValueError(_("%(year)s is outside %(min)s–%(max)s.")
                         % {"year": year, "min": MIN_YEAR, "max": max_year()})
    return year


def parse_date(value: Any) -> dt.date:
    """A date (a date cell, or text as 2026-03-31 or 31/03/2026), not in the future."""
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    else:
        text = _text(value)
        if not text:
            raise ValueError(_("enter a date."))
        day = None
        for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
            try:
                day = dt.datetime.strptime(text, fmt).date()
                break
            except ValueError:
                continue
        if day is None:
            raise ValueError(_("“%(raw)s” is not a date (write it as 2026-03-31 or "
                               "31/03/2026).") % {"raw": text})
    if day.year < MIN_YEAR:
        raise ValueError(_("%(date)s is before %(min)s.") % {"date": day.isoformat(),
                                                             "min": MIN_YEAR})
    if day > timezone.localdate():
        raise ValueError(_("%(date)s is in the future: record expenditures once made.")
                         % {"date": day.isoformat()})
    return day


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    text = fold(_text(value))
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ValueError(_("“%(raw)s” is not yes or no.") % {"raw": _text(value)})


def _category_aliases() -> dict[str, str]:
    out = {}
    for code, label in Category.choices:
        out[fold(code)] = code
        out[fold(str(label))] = code
    # Spanish names, whatever the language of the page
    out.update({fold(k): v for k, v in {
        "personal": "staff", "capacitacion": "training", "formacion": "training",
        "materiales": "materials_kits", "materiales y kits": "materials_kits",
        "kits": "materials_kits", "alimentos": "food", "alimentacion": "food",
        "transporte": "transport", "supervision": "supervision", "gestion": "management",
        "administracion": "management", "otro": "other", "otros": "other"}.items()})
    return out


def parse_category(value: Any) -> str:
    text = _text(value)
    if not text:
        raise ValueError(_("choose a category."))
    code = _category_aliases().get(fold(text))
    if code is None:
        raise ValueError(_("“%(raw)s” is not a category (use one of: %(codes)s).")
                         % {"raw": text, "codes": ", ".join(Category.values)})
    return code


def clean_text(value: Any, field: str, errors: list[FieldError], row: int | None) -> str:
    text = _text(value)
    if len(text) > TEXT_MAX:
        errors.append(FieldError(field, _("keep it under %(n)s characters.") % {"n": TEXT_MAX},
                                 row))
        return text[:TEXT_MAX]
    return text


# --- lines -----------------------------------------------------------------------------------

class Cleaner:
    """Cleans budget and expenditure lines for one actor (her territories, the sources)."""

    def __init__(self, actor):
        self.actor = actor
        self._sources: dict[str, FundingSource] | None = None
        self._units: dict[str, OrgUnit | None] = {}

    # look-ups ------------------------------------------------------------------------------

    def source(self, value: Any) -> FundingSource:
        if isinstance(value, FundingSource):
            source = value
        else:
            if self._sources is None:
                self._sources = {}
                for s in FundingSource.objects.all():
                    self._sources[fold(s.code)] = s
                    self._sources[str(s.pk)] = s
                    self._sources.setdefault(fold(s.name), s)
            text = _text(value)
            if not text:
                raise ValueError(_("choose a funding source."))
            source = self._sources.get(fold(text)) or self._sources.get(text)
            if source is None:
                raise ValueError(_("“%(raw)s” is not a known funding source (use its code, as "
                                   "listed on the funding sources page).") % {"raw": text})
        if not source.active:
            raise ValueError(_("%(source)s is no longer in use.") % {"source": source.name})
        return source

    def unit(self, value: Any) -> OrgUnit:
        """An area of the actor's territories, by object or code; the same message for an
        unknown code and one outside her territories (outsiders learn nothing)."""
        if isinstance(value, OrgUnit):
            unit, text = value, value.code
        else:
            text = _text(value)
            if not text:
                raise ValueError(_("enter the territory code."))
            if text not in self._units:
                self._units[text] = OrgUnit.objects.filter(code=text).first()
            unit = self._units[text]
        if unit is None or not scope.covers(self.actor, unit):
            raise ValueError(_("“%(code)s” is not the code of a territory of yours.")
                             % {"code": text})
        if unit.kind != Kind.AREA:
            raise ValueError(_("%(unit)s is a service point: budgets and expenditures are "
                               "recorded for territories.") % {"unit": unit.name})
        return unit

    # lines ---------------------------------------------------------------------------------

    def _common(self, data: Mapping[str, Any], row: int | None,
                errors: list[FieldError]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, parse in (("unit", self.unit), ("category", parse_category),
                            ("source", self.source), ("amount", parse_amount),
                            ("in_kind", parse_bool)):
            try:
                out[name] = parse(data.get(name))
            except ValueError as exc:
                errors.append(FieldError(name, str(exc), row))
        out["valuation_note"] = clean_text(data.get("valuation_note"), "valuation_note", errors,
                                           row)
        source = out.get("source")
        if source is not None and source.kind == SourceKind.COMMUNITY_IN_KIND:
            out["in_kind"] = True  # the community gives in kind by definition
        if out.get("in_kind") and not out["valuation_note"]:
            errors.append(FieldError("valuation_note", _(
                "say how the in-kind contribution was valued (e.g. “2 rooms × 12 months × "
                "80 USD of local rent”)."), row))
        return out

    def budget(self, data: Mapping[str, Any], row: int | None = None
               ) -> tuple[dict[str, Any], list[FieldError]]:
        errors: list[FieldError] = []
        out = self._common(data, row, errors)
        try:
            out["year"] = parse_year(data.get("year"))
        except ValueError as exc:
            errors.append(FieldError("year", str(exc), row))
        try:
            out["is_ecd_line"] = parse_bool(data.get("is_ecd_line"))
        except ValueError as exc:
            errors.append(FieldError("is_ecd_line", str(exc), row))
        out["note"] = clean_text(data.get("note"), "note", errors, row)
        if out.get("is_ecd_line"):
            source, unit = out.get("source"), out.get("unit")
            if source is not None and source.kind != SourceKind.MUNICIPALITY:
                errors.append(FieldError("is_ecd_line", _(
                    "only a municipality's own budget has an early-childhood line (the source "
                    "is %(source)s).") % {"source": source.name}, row))
            elif unit is not None and not queries.is_municipality(unit):
                errors.append(FieldError("is_ecd_line", _(
                    "%(unit)s is not a municipality: the early-childhood line is part of a "
                    "municipal budget.") % {"unit": unit.name}, row))
        return out, errors

    def expenditure(self, data: Mapping[str, Any], row: int | None = None
                    ) -> tuple[dict[str, Any], list[FieldError]]:
        errors: list[FieldError] = []
        out = self._common(data, row, errors)
        try:
            out["date"] = parse_date(data.get("date"))
        except ValueError as exc:
            errors.append(FieldError("date", str(exc), row))
        out["description"] = clean_text(data.get("description"), "description", errors, row)
        return out, errors
