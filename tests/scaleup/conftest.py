"""A small world for the scale-up: the shared tree with the phase presets loaded, the Honduras
gate indicators of the catalogue, aggregate figures for two municipalities and caregivers in
the registry, and the engine refreshed over it.

    La Ceiba (muni_a1), in Consolidation:
      caregiver registry   exactly 80 %  (4 caregivers; population 0-6: 8 → 8 / 1.6 = 5)
      cost per beneficiary 512 USD       (this year; 1 enrolled family)  → fails ≤ 475
      government share     46 %          (this year)                     → fails ≥ 50
      teams trained        no value this year nor last                  → no data
    El Porvenir (muni_a2), in Consolidation:
      cost per beneficiary exactly 475 USD (last year only)             → passes ≤ 475
      government share     50 % (last year only)                        → passes ≥ 50
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from crecer.indicators import periods

TODAY = dt.date.today()
THIS_YEAR = periods.current("year", TODAY)
LAST_YEAR = periods.previous(THIS_YEAR)
LAST_MONTH = periods.previous(periods.current("month", TODAY))

HN_CODES = ["hn-caregiver-registry", "hn-cost-per-beneficiary", "hn-government-cost-share",
            "hn-municipal-teams-trained", "hn-workshops-local-staff", "hn-ecd-budget-line-share",
            "hn-parenting-scale-gain"]


@pytest.fixture
def phase_models(db):
    from crecer.scaleup.models import PhaseModel
    from crecer.scaleup.presets import load_models

    load_models()
    return {m.code: m for m in PhaseModel.objects.all()}


@pytest.fixture
def honduras(phase_models):
    return phase_models["honduras-pi"]


def hn_indicators():
    """The Honduras gate indicators of the shipped catalogue, as the catalogue defines them."""
    from crecer.indicators.catalogue import FIELDS, read_catalogue
    from crecer.indicators.models import Indicator

    for d in read_catalogue():
        if d["code"] in HN_CODES:
            Indicator.objects.create(code=d["code"], origin="catalogue",
                                     **{k: d[k] for k in FIELDS if k != "code"})


def place(unit, model, phase_code: str, since: dt.date):
    from crecer.scaleup.models import Phase, TerritoryPhase

    phase = Phase.objects.get(model=model, code=phase_code)
    return TerritoryPhase.objects.create(unit=unit, model=model, phase=phase, since=since)


@pytest.fixture
def gate_world(tree, users, family, honduras):
    """See the module docstring."""
    from crecer.aggregates.catalogue import load_elements
    from crecer.indicators import engine
    from crecer.programmes.actions import enrol
    from crecer.programmes.models import Enrolment
    from crecer.programmes.presets import load_presets
    from crecer.registry import actions
    from crecer.territory.models import PopulationEstimate

    load_elements()
    hn_indicators()
    officer = users["municipal_officer"]
    # Caregivers of La Ceiba: the family's mother plus three more.
    for n in range(3):
        hh = actions.create_household(actor=officer, territory=tree.comm_a1b,
                                      data={"code": f"H-S{n}", "area": "rural"})
        actions.register_person(actor=officer, household=hh, roles=["caregiver"], data={
            "given_names": f"Cuidadora {n}", "first_surname": "Gate", "sex": "F",
            "birth_date": "1990-01-01"})
    for year in (THIS_YEAR.year, LAST_YEAR.year):
        PopulationEstimate.objects.create(unit=tree.muni_a1, year=year, sex="F", age_band="3y",
                                          value=8)
    programme = next(x for x in load_presets() if x.code == "honduras-pi-volunteers")
    enrol(actor=officer, programme=programme, household=family["household"],
          volunteer=users["volunteer"], start=dt.date(LAST_YEAR.year, 1, 1))
    # Expenditures by funding source (finance): La Ceiba spent 512 this year, 46 % from the
    # government; El Porvenir 475 last year, 50 % from the government.
    from crecer.finance.models import Expenditure, FundingSource

    central = FundingSource.objects.create(code="central", name="Central",
                                           kind="central_government")
    coop = FundingSource.objects.create(code="coop", name="Cooperación",
                                        kind="international_cooperation")

    def spent(unit, year, source, amount):
        Expenditure.objects.create(unit=unit, date=dt.date(year, 1, 15), category="staff",
                                   source=source, amount=Decimal(str(amount)))

    spent(tree.muni_a1, THIS_YEAR.year, central, "235.52")
    spent(tree.muni_a1, THIS_YEAR.year, coop, "276.48")
    spent(tree.muni_a2, LAST_YEAR.year, central, "237.50")
    spent(tree.muni_a2, LAST_YEAR.year, coop, "237.50")
    # El Porvenir's families: one household enrolled there.
    hh = actions.create_household(actor=users["admin"], territory=tree.comm_a2,
                                  data={"code": "H-P1", "area": "rural"})
    Enrolment.objects.create(programme=programme, household=hh,
                             start=dt.date(LAST_YEAR.year, 1, 1))
    # Registered two months ago: the registry is a stock read at the end of last month.
    from django.utils import timezone

    from crecer.registry.models import Household, Person

    before = timezone.now() - dt.timedelta(days=62)
    Household.objects.update(created_at=before)
    Person.objects.update(created_at=before)
    since = TODAY - dt.timedelta(days=400)
    place(tree.muni_a1, honduras, "consolidacion", since)
    place(tree.muni_a2, honduras, "consolidacion", since)
    engine.refresh(full=True)
    return {"programme": programme}
