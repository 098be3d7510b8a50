"""What the tablero shows, read from the query string (so that a link, a bookmark or a printed
page keeps it): period type and period, disaggregation, sub-population filters (sex, age group,
rural/urban, programme), the indicator group of the cards and the indicator of the map.

An unknown or malformed value falls back to its default instead of failing the page.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from urllib.parse import urlencode

from django.utils.translation import gettext_lazy as _

from crecer.indicators import periods
from crecer.indicators.sources import DIMENSIONS

# How many periods of each type the period menu offers (and the trend charts show).
MENU_LENGTH = {periods.MONTH: 24, periods.QUARTER: 12, periods.SEMESTER: 6, periods.YEAR: 5}
TREND_LENGTH = {periods.MONTH: 12, periods.QUARTER: 8, periods.SEMESTER: 6, periods.YEAR: 5}

PERIOD_TYPES = [
    (periods.MONTH, _("Monthly")),
    (periods.QUARTER, _("Quarterly")),
    (periods.SEMESTER, _("Half-yearly")),
    (periods.YEAR, _("Yearly")),
]

DIMENSION_LABELS = {
    "sex": _("Sex"),
    "age_band": _("Age band"),
    "area": _("Rural / urban"),
    "ethnicity": _("Ethnicity"),
    "programme": _("Programme"),
}

SEX_CHOICES = [("F", _("Girls and women")), ("M", _("Boys and men"))]
AREA_CHOICES = [("rural", _("Rural")), ("urban", _("Urban"))]

# Age groups offered by the filter, as the age bands of the engine they add up.
AGE_GROUPS: dict[str, tuple[object, tuple[str, ...]]] = {
    "u1": (_("Under 1 year"), ("0-11m",)),
    "u2": (_("Under 2 years"), ("0-11m", "12-23m")),
    "u3": (_("Under 3 years"), ("0-11m", "12-23m", "24-35m")),
    "u6": (_("Under 6 years"), ("0-11m", "12-23m", "24-35m", "3y", "4y", "5y")),
    "c6": (_("6 to 17 years"), ("6y", "7-17y")),
    "adult": (_("18 years and over"), ("18-49y", "50+y")),
}

# The query-string keys, in the order links write them.
KEYS = ("pt", "period", "dim", "sex", "age", "area", "programme", "group", "ind")


@dataclass(frozen=True)
class Selection:
    period_type: str
    period: periods.Period
    dim: str = ""
    sex: str = ""
    age: str = ""
    area: str = ""
    programme: str = ""
    group: str = ""
    indicator: str = ""  # the indicator of the map and the ranking ("" = the default one)

    def filters(self) -> dict[str, list[str]] | None:
        """The sub-population filters for `crecer.indicators.queries.values`."""
        out: dict[str, list[str]] = {}
        if self.sex:
            out["sex"] = [self.sex]
        if self.age:
            out["age_band"] = list(AGE_GROUPS[self.age][1])
        if self.area:
            out["area"] = [self.area]
        if self.programme:
            out["programme"] = [self.programme]
        return out or None

    @property
    def filtered(self) -> bool:
        return bool(self.filters())

    def params(self) -> dict[str, str]:
        raw = {"pt": self.period_type, "period": self.period.code, "dim": self.dim,
               "sex": self.sex, "age": self.age, "area": self.area,
               "programme": self.programme, "group": self.group, "ind": self.indicator}
        return {k: raw[k] for k in KEYS if raw[k]}

    def query(self, **changes) -> str:
        """The query string of this selection with `changes` (field names of Selection)."""
        return urlencode((replace(self, **changes) if changes else self).params())

    def at_least(self, kind: str) -> Selection:
        """This selection for an indicator of periodicity `kind`: when `kind` is longer than the
        selected type, the period of `kind` that holds the selected period (a yearly budget
        indicator in the monthly view shows the year's value)."""
        if kind not in periods.PERIOD_TYPES or (periods.PERIOD_TYPES.index(kind)
                                                 <= periods.PERIOD_TYPES.index(self.period_type)):
            return self
        return replace(self, period_type=kind, period=periods.of_type(kind, self.period.end))

    def trend(self) -> list[periods.Period]:
        """The latest periods of the type up to the selected one, oldest first."""
        out = [self.period]
        while len(out) < TREND_LENGTH[self.period_type]:
            out.insert(0, periods.previous(out[0]))
        return out

    def filter_labels(self) -> list[str]:
        """The active sub-population filters, as words (for the page and the printout)."""
        out = []
        if self.sex:
            out.append(str(dict(SEX_CHOICES)[self.sex]))
        if self.age:
            out.append(str(AGE_GROUPS[self.age][0]))
        if self.area:
            out.append(str(dict(AREA_CHOICES)[self.area]))
        if self.programme:
            out.append(self.programme)
        return out


def period_menu(kind: str, today: date | None = None) -> list[periods.Period]:
    """The periods the menu offers, newest first."""
    return list(reversed(periods.last_n(kind, MENU_LENGTH[kind], today)))


def parse(params, *, programmes: set[str] = frozenset(), groups: set[str] = frozenset(),
          indicators: set[str] = frozenset(), latest_month: int | None = None) -> Selection:
    """The Selection of a query string (a QueryDict or a dict). `latest_month`: the month index
    the default period should contain (the last month the engine computed), else today's."""

    def get(key: str) -> str:
        value = params.get(key, "")
        return value.strip() if isinstance(value, str) else ""

    kind = get("pt")
    if kind not in MENU_LENGTH:
        kind = periods.MONTH
    period = None
    code = get("period")
    if code:
        try:
            period = periods.parse(code)
        except ValueError:
            period = None
        if period is not None and period.type != kind:
            # A period of another type (the type was just switched): the period of the new
            # type that contains its last month.
            period = periods.of_type(kind, period.end)
    if period is None:
        if latest_month is None:
            latest_month = periods.month_index(date.today())
        period = periods.of_type(kind, latest_month)
    dim = get("dim")
    sex, age, area = get("sex"), get("age"), get("area")
    programme, group, indicator = get("programme"), get("group"), get("ind")
    return Selection(
        period_type=kind,
        period=period,
        dim=dim if dim in DIMENSIONS else "",
        sex=sex if sex in dict(SEX_CHOICES) else "",
        age=age if age in AGE_GROUPS else "",
        area=area if area in dict(AREA_CHOICES) else "",
        programme=programme if programme in programmes else "",
        group=group if group in groups else "",
        indicator=indicator if indicator in indicators else "",
    )
