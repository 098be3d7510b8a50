"""Forms of the finance pages. They only carry the text typed: every rule is checked by the
actions (or by `projection.validate`), whose messages are put back next to their fields."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import projection as pj
from .cleaning import Rejected
from .importing import BUDGETS, EXPENDITURES
from .models import Category, SourceKind

MAX_SHARES = 8  # share rows of the group purchase form
MAX_PLAN_YEARS = 10  # year rows of the projection form


def _text(label, *, required: bool = False, **attrs) -> forms.CharField:
    return forms.CharField(label=label, required=required, max_length=255,
                           widget=forms.TextInput(attrs=attrs))


def _select(label, choices) -> forms.CharField:
    """A select whose value the action checks (so an unknown value gets its message)."""
    return forms.CharField(label=label, required=False, widget=forms.Select(choices=choices))


def put_errors(form: forms.Form, exc: Rejected) -> list[str]:
    """Show each refused input next to its field; return the summary (every message, named)."""
    for e in exc.errors:
        if e.field in form.fields:
            form.add_error(e.field, e.message)
    return [str(e) for e in exc.errors]


def unit_choices(units) -> list[tuple[str, str]]:
    return [(str(u.pk), f"{'· ' * max(0, u.depth - 1)}{u.name} ({u.code})") for u in units]


def source_choices(sources) -> list[tuple[str, str]]:
    return [("", "—")] + [(s.code, f"{s.name} ({s.get_kind_display()})") for s in sources]


def category_choices() -> list[tuple[str, str]]:
    return [("", "—")] + [(c, str(label).capitalize()) for c, label in Category.choices]


class _LineForm(forms.Form):
    unit = _select(gettext_lazy("Territory"), [])
    category = _select(gettext_lazy("Category"), [])
    source = _select(gettext_lazy("Funding source"), [])
    amount = _text(gettext_lazy("Amount (USD)"), inputmode="decimal")
    in_kind = forms.BooleanField(label=gettext_lazy("Contribution in kind (valued, not paid in "
                                                    "money)"), required=False)
    valuation_note = _text(gettext_lazy("How the contribution in kind was valued"))

    def __init__(self, *args, units=(), sources=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].widget.choices = unit_choices(units)
        self.fields["category"].widget.choices = category_choices()
        self.fields["source"].widget.choices = source_choices(sources)
        self.fields["valuation_note"].help_text = _(
            "Required for contributions in kind: e.g. “2 rooms × 12 months × 80 USD of local "
            "rent”, “40 volunteer hours × 2 USD”.")


class BudgetForm(_LineForm):
    year = _text(gettext_lazy("Year"), inputmode="numeric")
    is_ecd_line = forms.BooleanField(
        label=gettext_lazy("In the early-childhood line of the municipal budget"), required=False)
    note = _text(gettext_lazy("Note"))

    field_order = ["unit", "year", "category", "source", "amount", "in_kind", "valuation_note",
                   "is_ecd_line", "note"]


class ExpenditureForm(_LineForm):
    date = forms.CharField(label=gettext_lazy("Date"), required=False,
                           widget=forms.DateInput(attrs={"type": "date"}))
    description = _text(gettext_lazy("Description"))

    field_order = ["unit", "date", "category", "source", "amount", "in_kind", "valuation_note",
                   "description"]


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What the file holds"), choices=[
        (BUDGETS, gettext_lazy("Budget lines")), (EXPENDITURES, gettext_lazy("Expenditures"))])
    file = forms.FileField(label=gettext_lazy("File (.xlsx or .csv)"))


class SourceForm(forms.Form):
    code = _text(gettext_lazy("Code"))
    name = _text(gettext_lazy("Name"))
    kind = forms.CharField(label=gettext_lazy("Kind"), required=False, widget=forms.Select(
        choices=[("", "—")] + [(k, str(v).capitalize()) for k, v in SourceKind.choices]))


class GroupPurchaseForm(forms.Form):
    name = _text(gettext_lazy("Name"))
    date = forms.CharField(label=gettext_lazy("Date"), required=False,
                           widget=forms.DateInput(attrs={"type": "date"}))
    description = _text(gettext_lazy("Item bought"))
    category = _select(gettext_lazy("Category"), [])
    source = _select(gettext_lazy("Funding source"), [])
    total_amount = _text(gettext_lazy("Total amount (USD)"), inputmode="decimal")

    def __init__(self, *args, units=(), sources=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].widget.choices = category_choices()
        self.fields["source"].widget.choices = source_choices(sources)
        choices = [("", "—")] + unit_choices(units)
        for i in range(1, MAX_SHARES + 1):
            self.fields[f"share_unit_{i}"] = forms.CharField(
                label=_("Territory %(n)s") % {"n": i}, required=False,
                widget=forms.Select(choices=choices))
            self.fields[f"share_percent_{i}"] = forms.CharField(
                label=_("Share %(n)s (%%)") % {"n": i}, required=False,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 6}))
            self.fields[f"share_amount_{i}"] = forms.CharField(
                label=_("or amount %(n)s (USD)") % {"n": i}, required=False,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 10}))

    def share_rows(self):
        return [(self[f"share_unit_{i}"], self[f"share_percent_{i}"], self[f"share_amount_{i}"])
                for i in range(1, MAX_SHARES + 1)]

    def shares(self, units_by_pk: dict[str, object]) -> list[dict]:
        out = []
        for i in range(1, MAX_SHARES + 1):
            unit = self.cleaned_data.get(f"share_unit_{i}", "")
            out.append({"unit": units_by_pk.get(unit, unit),
                        "percent": self.cleaned_data.get(f"share_percent_{i}", ""),
                        "amount": self.cleaned_data.get(f"share_amount_{i}", "")})
        return out


# --- projection --------------------------------------------------------------------------------

KIND_LABELS = dict(SourceKind.choices)


def _number_field(label, initial=None, **attrs):
    return forms.CharField(label=label, required=False, initial=initial,
                           widget=forms.TextInput(attrs={"inputmode": "decimal", **attrs}))


class ProjectionForm(forms.Form):
    """The parameters of a projection. Read with GET (the URL is the projection: it can be
    bookmarked and downloaded)."""

    start_year = _number_field(gettext_lazy("First year"))
    years = _number_field(gettext_lazy("Number of years"), initial="3")
    existing_municipalities = _number_field(gettext_lazy("Municipalities already covered"))
    beneficiaries_per_municipality = _number_field(
        gettext_lazy("Beneficiary families per municipality"), initial="150")
    unit_cost = _number_field(gettext_lazy("Cost per beneficiary in the first year (USD)"),
                              initial="475")
    yearly_reduction = _number_field(gettext_lazy("Expected yearly reduction of the unit cost "
                                                  "(%)"), initial="5")
    mode = forms.ChoiceField(label=gettext_lazy("Funding mix"), initial=pj.PHASES, choices=[
        (pj.PHASES, gettext_lazy("Government share by phase (Honduras table), the rest split "
                                 "among the other sources")),
        (pj.MIX, gettext_lazy("The same shares by source every year"))],
        widget=forms.RadioSelect)

    def __init__(self, *args, municipalities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start_year"].initial = str(timezone.localdate().year + 1)
        phase_choices = [("", "—"), *pj.PHASE_CHOICES]
        default_phases = [pj.CONSOLIDATION, pj.EXPANSION, pj.INSTITUTIONALISATION]
        default_new = ["10", "15", "15"]
        muni_choices = unit_choices(municipalities)
        for i in range(1, MAX_PLAN_YEARS + 1):
            self.fields[f"new_{i}"] = _number_field(
                _("Year %(n)s: new municipalities") % {"n": i},
                initial=default_new[i - 1] if i <= len(default_new) else "", size=5)
            self.fields[f"phase_{i}"] = forms.CharField(
                label=_("Year %(n)s: phase") % {"n": i}, required=False,
                initial=default_phases[min(i, 3) - 1],
                widget=forms.Select(choices=phase_choices))
            self.fields[f"units_{i}"] = forms.MultipleChoiceField(
                label=_("Year %(n)s: or choose the municipalities") % {"n": i}, required=False,
                choices=muni_choices, widget=forms.SelectMultiple(attrs={"size": 4}))
        for phase, label in pj.PHASE_CHOICES:
            self.fields[f"government_{phase}"] = _number_field(
                _("Government share in %(phase)s (%%)") % {"phase": label},
                initial=str(pj.HONDURAS_GOVERNMENT_SHARE[phase]), size=5)
        defaults_gov = {"central_government": "60", "municipality": "40"}
        defaults_other = {"community_in_kind": "30", "international_cooperation": "50",
                          "private_sector": "10", "social_impact_bond": "10"}
        defaults_mix = {"central_government": "35", "municipality": "20",
                        "community_in_kind": "10", "international_cooperation": "25",
                        "private_sector": "5", "social_impact_bond": "5"}
        for kind in pj.KINDS:
            label = str(KIND_LABELS[kind]).capitalize()
            self.fields[f"mix_{kind}"] = _number_field(label, initial=defaults_mix.get(kind, "0"),
                                                       size=5)
            split = "government_split" if kind in pj.GOVERNMENT_KINDS else "other_split"
            defaults = defaults_gov if kind in pj.GOVERNMENT_KINDS else defaults_other
            self.fields[f"{split}_{kind}"] = _number_field(label,
                                                           initial=defaults.get(kind, "0"),
                                                           size=5)

    # -- reading the plan -----------------------------------------------------------------

    def year_rows(self):
        return [(i, self[f"new_{i}"], self[f"phase_{i}"], self[f"units_{i}"])
                for i in range(1, MAX_PLAN_YEARS + 1)]

    def kind_rows(self):
        return [(k, self[f"mix_{k}"],
                 self[f"{'government_split' if k in pj.GOVERNMENT_KINDS else 'other_split'}_{k}"])
                for k in pj.KINDS]

    def phase_rows(self):
        return [self[f"government_{p}"] for p, _label in pj.PHASE_CHOICES]

    def _value(self, name: str):
        """The typed text, or the initial value when the form was not submitted."""
        if self.is_bound:
            return (self.data.get(name) or "").strip()
        return str(self.fields[name].initial or "")

    def plan(self, municipalities_by_pk: dict[str, object] | None = None
             ) -> tuple[pj.Plan | None, dict[int, list], list[tuple[str, str]]]:
        """(the plan, the municipalities chosen per year, the errors of reading it).

        Text that is not a number is an error of its field; the impossible values (negative
        costs, shares that do not add up…) are left to `projection.validate`."""
        errors: list[tuple[str, str]] = []

        def integer(name: str, default: int = 0) -> int:
            text = self._value(name)
            if text == "":
                return default
            try:
                return int(text)
            except ValueError:
                errors.append((name, _("“%(raw)s” is not a whole number.") % {"raw": text}))
                return default

        def decimal(name: str, default: str = "0") -> Decimal:
            text = self._value(name).replace(",", ".").rstrip("%").strip()
            if text == "":
                text = default
            try:
                value = Decimal(text)
                if not value.is_finite():
                    raise InvalidOperation
                return value
            except InvalidOperation:
                errors.append((name, _("“%(raw)s” is not a number.") % {"raw": text}))
                return Decimal(0)

        years = integer("years", 0)
        if years > MAX_PLAN_YEARS:
            errors.append(("years", _("this form plans at most %(n)s years.")
                           % {"n": MAX_PLAN_YEARS}))
        shown = max(0, min(years, MAX_PLAN_YEARS))
        chosen: dict[int, list] = {}
        seen: dict[str, int] = {}
        new: list[int] = []
        for i in range(1, shown + 1):
            picked = self.data.getlist(f"units_{i}") if self.is_bound else []
            units = []
            for pk in picked:
                unit = (municipalities_by_pk or {}).get(pk)
                if unit is None:
                    errors.append((f"units_{i}", _("year %(i)s: a municipality chosen is not "
                                                   "one of yours.") % {"i": i}))
                elif pk in seen:
                    errors.append((f"units_{i}", _(
                        "year %(i)s: %(unit)s was already chosen for year %(first)s.")
                        % {"i": i, "unit": unit, "first": seen[pk]}))
                else:
                    seen[pk] = i
                    units.append(unit)
            count = integer(f"new_{i}")
            if units:
                if self._value(f"new_{i}") not in ("", str(len(units))) and count != len(units):
                    errors.append((f"new_{i}", _(
                        "year %(i)s: %(n)s new municipalities typed but %(m)s chosen.")
                        % {"i": i, "n": count, "m": len(units)}))
                count = len(units)
            chosen[i] = units
            new.append(count)
        mode = self._value("mode") or pj.PHASES
        plan = pj.Plan(
            start_year=integer("start_year", timezone.localdate().year + 1),
            years=years, new_municipalities=tuple(new),
            existing_municipalities=integer("existing_municipalities"),
            beneficiaries_per_municipality=integer("beneficiaries_per_municipality"),
            unit_cost=decimal("unit_cost"), yearly_reduction=decimal("yearly_reduction"),
            mode=mode,
            mix={k: decimal(f"mix_{k}") for k in pj.KINDS},
            phases=tuple(self._value(f"phase_{i}") for i in range(1, shown + 1)),
            phase_government={p: decimal(f"government_{p}") for p, _l in pj.PHASE_CHOICES},
            government_split={k: decimal(f"government_split_{k}") for k in pj.GOVERNMENT_KINDS},
            other_split={k: decimal(f"other_split_{k}") for k in pj.OTHER_KINDS},
        )
        if mode == pj.MIX and not any(plan.phases):
            plan = pj.Plan(**{**plan.__dict__, "phases": ()})
        return (None if errors else plan), chosen, errors
