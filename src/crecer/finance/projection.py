"""The cost and coverage of an expansion plan, year by year, and who pays it: a pure function
(no database) of the plan's parameters.

For year t = 0, 1, … (the first year is `start_year`):

    municipalities(t)  = existing + new(0) + … + new(t)
    beneficiaries(t)   = municipalities(t) × beneficiaries per municipality
    unit cost(t)       = unit cost × (1 − reduction / 100) ^ t
    total cost(t)      = beneficiaries(t) × unit cost(t)          (rounded to the cent)
    amount(t, kind)    = total cost(t) × share(t, kind) / 100     (rounded to the cent; the
                                                                   largest share takes the
                                                                   rounding, so amounts add up)

The shares of the funding mix come either from one mix for every year (`MIX`: a share per
source kind, adding up to 100), or from the phase of each year (`PHASES`: the government share
of the phase — Honduras: Consolidation 50 %, Expansion 70 %, Institutionalisation ≥ 90 % — split
among the government kinds by `government_split`, and the rest among the other kinds by
`other_split`, each adding up to 100).

`project(plan)` raises `ProjectionError` listing every impossible parameter (with the field it
belongs to) before computing anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MIX, PHASES = "mix", "phases"
CONSOLIDATION, EXPANSION, INSTITUTIONALISATION = "consolidation", "expansion", \
    "institutionalisation"
PHASE_CHOICES = [
    (CONSOLIDATION, gettext_lazy("Consolidation")),
    (EXPANSION, gettext_lazy("Expansion")),
    (INSTITUTIONALISATION, gettext_lazy("Institutionalisation")),
]
# The government share of costs by phase in the Honduras model (seeds/001).
HONDURAS_GOVERNMENT_SHARE = {CONSOLIDATION: Decimal(50), EXPANSION: Decimal(70),
                             INSTITUTIONALISATION: Decimal(90)}

# Source kinds (the codes of `models.SourceKind`, kept here so that this module stays pure).
GOVERNMENT_KINDS = ("central_government", "state_government", "municipality")
OTHER_KINDS = ("community_in_kind", "international_cooperation", "private_sector",
               "social_impact_bond")
KINDS = GOVERNMENT_KINDS + OTHER_KINDS

MAX_YEARS = 30
MAX_MUNICIPALITIES_PER_YEAR = 100_000
MAX_BENEFICIARIES_PER_MUNICIPALITY = 10_000_000
MAX_UNIT_COST = Decimal(10_000_000)
TOLERANCE = Decimal("0.01")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Plan:
    start_year: int
    years: int
    new_municipalities: tuple[int, ...]  # one per year
    existing_municipalities: int
    beneficiaries_per_municipality: int
    unit_cost: Decimal  # per beneficiary, in the first year
    yearly_reduction: Decimal  # % per year
    mode: str = MIX
    mix: dict[str, Decimal] = field(default_factory=dict)  # kind → %, MIX mode
    phases: tuple[str, ...] = ()  # one per year (PHASES mode; optional with MIX)
    phase_government: dict[str, Decimal] = field(
        default_factory=lambda: dict(HONDURAS_GOVERNMENT_SHARE))
    government_split: dict[str, Decimal] = field(default_factory=dict)  # gov kind → %
    other_split: dict[str, Decimal] = field(default_factory=dict)  # other kind → %


@dataclass
class Year:
    year: int
    phase: str
    new_municipalities: int
    municipalities: int
    beneficiaries: int
    unit_cost: Decimal
    total_cost: Decimal
    cumulative_cost: Decimal
    shares: dict[str, Decimal]  # kind → % (every kind)
    amounts: dict[str, Decimal]  # kind → amount (every kind)

    @property
    def government_share(self) -> Decimal:
        return sum((self.shares[k] for k in GOVERNMENT_KINDS), Decimal(0))

    @property
    def government_amount(self) -> Decimal:
        return sum((self.amounts[k] for k in GOVERNMENT_KINDS), Decimal(0))


@dataclass
class Projection:
    plan: Plan
    years: list[Year]

    @property
    def total_cost(self) -> Decimal:
        return sum((y.total_cost for y in self.years), Decimal(0))

    def total_of(self, kind: str) -> Decimal:
        return sum((y.amounts[kind] for y in self.years), Decimal(0))

    @property
    def kinds_used(self) -> list[str]:
        """The source kinds with a share in some year, in their order."""
        return [k for k in KINDS if any(y.shares[k] for y in self.years)]


class ProjectionError(ValueError):
    """Impossible parameters: `errors` is [(field, message)], nothing was computed."""

    def __init__(self, errors: list[tuple[str, str]]):
        self.errors = errors
        super().__init__("; ".join(m for _f, m in errors))


# --- validation ----------------------------------------------------------------------------

def _check_split(errors, name: str, split: dict[str, Decimal], kinds: tuple[str, ...],
                 what: str) -> None:
    unknown = sorted(set(split) - set(kinds))
    if unknown:
        errors.append((name, _("unknown source kinds: %(kinds)s.") % {"kinds": ", ".join(unknown)}))
    for kind, share in split.items():
        if share < 0 or share > 100:
            errors.append((f"{name}:{kind}", _("%(kind)s: a share is between 0 and 100 %%.")
                           % {"kind": kind}))
    total = sum(split.values(), Decimal(0))
    if abs(total - 100) > TOLERANCE:
        errors.append((name, _("%(what)s add up to %(sum)s %%, not 100 %%.")
                       % {"what": what, "sum": _plain(total)}))


def _plain(number: Decimal) -> str:
    text = format(number.quantize(CENT), "f")
    return text[:-3] if text.endswith(".00") else text


def validate(plan: Plan) -> list[tuple[str, str]]:
    """Every impossible parameter as (field, message); empty when the plan can be computed."""
    errors: list[tuple[str, str]] = []
    if plan.years <= 0:
        errors.append(("years", _("the plan needs at least 1 year.")))
    elif plan.years > MAX_YEARS:
        errors.append(("years", _("plan at most %(n)s years.") % {"n": MAX_YEARS}))
    if not 2000 <= plan.start_year <= 2100:
        errors.append(("start_year", _("%(year)s is not a plausible first year (2000–2100).")
                       % {"year": plan.start_year}))
    if plan.existing_municipalities < 0:
        errors.append(("existing_municipalities", _("cannot be negative.")))
    elif plan.existing_municipalities > MAX_MUNICIPALITIES_PER_YEAR:
        errors.append(("existing_municipalities", _("is too large.")))
    if plan.years > 0 and len(plan.new_municipalities) != plan.years:
        errors.append(("new_municipalities", _(
            "give the new municipalities of each of the %(n)s years (%(given)s given).")
            % {"n": plan.years, "given": len(plan.new_municipalities)}))
    for i, n in enumerate(plan.new_municipalities):
        if n < 0:
            errors.append((f"new_{i + 1}", _("year %(i)s: the new municipalities cannot be "
                                             "negative.") % {"i": i + 1}))
        elif n > MAX_MUNICIPALITIES_PER_YEAR:
            errors.append((f"new_{i + 1}", _("year %(i)s: too many new municipalities.")
                           % {"i": i + 1}))
    if plan.beneficiaries_per_municipality <= 0:
        errors.append(("beneficiaries_per_municipality", _("must be at least 1.")))
    elif plan.beneficiaries_per_municipality > MAX_BENEFICIARIES_PER_MUNICIPALITY:
        errors.append(("beneficiaries_per_municipality", _("is too large.")))
    if not plan.unit_cost.is_finite() or plan.unit_cost < 0:
        errors.append(("unit_cost", _("a cost cannot be negative.")))
    elif plan.unit_cost > MAX_UNIT_COST:
        errors.append(("unit_cost", _("is too large.")))
    if not plan.yearly_reduction.is_finite() or plan.yearly_reduction < 0:
        errors.append(("yearly_reduction", _("cannot be negative (a cost increase is not "
                                             "modelled).")))
    elif plan.yearly_reduction >= 100:
        errors.append(("yearly_reduction", _("must be below 100 %: costs cannot fall to zero "
                                             "or below.")))
    if plan.mode == MIX:
        _check_split(errors, "mix", plan.mix, KINDS, _("the shares of the funding mix"))
        if plan.phases and len(plan.phases) != plan.years:
            errors.append(("phases", _("give the phase of each year, or of none.")))
    elif plan.mode == PHASES:
        _check_phases(plan, errors)
    else:
        errors.append(("mode", _("choose how the funding mix is given.")))
    return errors


def _check_phases(plan: Plan, errors: list[tuple[str, str]]) -> None:
    if plan.years > 0 and len(plan.phases) != plan.years:
        errors.append(("phases", _("give the phase of each year.")))
    valid = {code for code, _label in PHASE_CHOICES}
    for i, phase in enumerate(plan.phases):
        if phase not in valid:
            errors.append((f"phase_{i + 1}", _("year %(i)s: choose a phase.") % {"i": i + 1}))
    for phase, share in plan.phase_government.items():
        if phase not in valid:
            errors.append(("phase_government", _("unknown phase %(phase)s.") % {"phase": phase}))
        elif not share.is_finite() or not 0 <= share <= 100:
            errors.append((f"government_{phase}", _("a government share is between 0 and "
                                                    "100 %.")))
    used = [plan.phase_government.get(p) for p in plan.phases if p in valid]
    if any(share is None for share in used):
        errors.append(("phase_government", _("give the government share of every phase used.")))
        return
    if any(share > 0 for share in used):
        _check_split(errors, "government_split", plan.government_split, GOVERNMENT_KINDS,
                     _("the shares within government"))
    if any(share < 100 for share in used):
        _check_split(errors, "other_split", plan.other_split, OTHER_KINDS,
                     _("the shares of the other sources"))


# --- computation ---------------------------------------------------------------------------

def shares_of_year(plan: Plan, t: int) -> dict[str, Decimal]:
    """Every source kind's share (%) of year t."""
    if plan.mode == MIX:
        return {k: Decimal(plan.mix.get(k, 0)) for k in KINDS}
    government = Decimal(plan.phase_government[plan.phases[t]])
    out = {k: government * Decimal(plan.government_split.get(k, 0)) / 100
           for k in GOVERNMENT_KINDS}
    out.update({k: (100 - government) * Decimal(plan.other_split.get(k, 0)) / 100
                for k in OTHER_KINDS})
    return out


def _amounts(total: Decimal, shares: dict[str, Decimal]) -> dict[str, Decimal]:
    amounts = {k: (total * s / 100).quantize(CENT) for k, s in shares.items()}
    largest = max(shares, key=lambda k: (shares[k], -KINDS.index(k)))
    amounts[largest] += total - sum(amounts.values(), Decimal(0))
    return amounts


def project(plan: Plan) -> Projection:
    """The plan's coverage, cost and funding year by year (ProjectionError if impossible)."""
    errors = validate(plan)
    if errors:
        raise ProjectionError(errors)
    keep = Decimal(1) - Decimal(plan.yearly_reduction) / 100
    years: list[Year] = []
    municipalities = plan.existing_municipalities
    cumulative = Decimal(0)
    for t in range(plan.years):
        municipalities += plan.new_municipalities[t]
        beneficiaries = municipalities * plan.beneficiaries_per_municipality
        unit_cost = Decimal(plan.unit_cost) * keep ** t
        total = (beneficiaries * unit_cost).quantize(CENT)
        cumulative += total
        shares = shares_of_year(plan, t)
        years.append(Year(
            year=plan.start_year + t, phase=plan.phases[t] if plan.phases else "",
            new_municipalities=plan.new_municipalities[t], municipalities=municipalities,
            beneficiaries=beneficiaries, unit_cost=unit_cost.quantize(CENT), total_cost=total,
            cumulative_cost=cumulative, shares=shares, amounts=_amounts(total, shares)))
    return Projection(plan=plan, years=years)
