"""The role × territory access matrix, as data: one entry per URL of the project.

Adding a page or an endpoint means adding ONE entry to `PAGES` or `API` below, keyed by its URL
name ("app:name", or "api-v1:<function name>" for the API):

    "registry:household": Case(ANY, path=household),

- `policy`: the rule from `crecer.accounts.policies` a role needs (None: public URL);
- `path` / `query` / `body`: build the URL's kwargs, query string and body for the objects of a
  `Place` (tests/access/conftest.py). When any of them names an object (`obj`, true by
  default when `path` is given), the URL is requested with an object inside the user's
  territories and with one outside;
- `ok`: the status of an allowed request; `denied`: the status when the role lacks the policy
  (403, or 404 when the policy is part of what the role can see at all);
- `shows`: for lists, a text of a place's objects that must appear for a place inside the
  user's territories and never for one outside (`setup` makes those objects first).

Expected outcome for every role of the `users` fixture, computed from the policies:

    anonymous                      302 to the login page (pages), 401 (API), `ok` (public)
    object outside her territories 404, whatever her role
    role without the policy        `denied`
    otherwise                      `ok`; and the page shows the inside object (`shows`) and
                                   never the outside one

Django admin URLs ("django-admin/...") are swept by `test_admin_matrix` instead: every model
admin over personal data must use the scoped admin mixin.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from crecer.accounts import policies as P
from crecer.fieldwork import policies as FW
from crecer.programmes import policies as PR

from . import implementation_places as IM
from . import planning_places as PL
from . import scaleup_places as SU
from . import workforce_places as WF

Factory = Callable[[Any], dict]

ANY = P.can_view_registry  # every logged-in user with a role
EDIT = P.can_edit_registry
REVIEW = P.can_review_duplicates
AUDIT = P.can_view_audit
IMPORT = P.can_import
MANAGE_TERRITORY = P.can_manage_territory
MANAGE_STOCK = P.can_manage_stock
DELIVER = P.can_deliver


def edit_or_review(user) -> bool:
    return P.can_edit_registry(user) or P.can_review_duplicates(user)


@dataclass(frozen=True)
class Case:
    policy: Callable[[Any], bool] | None
    path: Factory | None = None
    query: Factory | None = None
    body: Factory | None = None
    method: str = "GET"
    ok: int = 200
    denied: int = 403
    obj: bool | None = None  # default: True when `path` is given
    multipart: bool = False
    shows: Callable[[Any], str] | None = None  # text of the place that a list must show
    setup: Callable[[Any], Any] | None = None  # run on every place first (e.g. make a pair)

    @property
    def has_object(self) -> bool:
        return self.path is not None if self.obj is None else self.obj


# --- factories: the objects of a place -------------------------------------------------------

def household(p):
    return {"pk": p.household.pk}


def person(p):
    return {"pk": p.child.pk}


def unit(p):
    return {"pk": p.territory.pk}


def pair(p):
    return {"pk": p.pair.pk}


def job(p):
    return {"pk": p.job.pk}


def fresh_job(p):
    return {"pk": p.fresh_job().pk}


def root(p):
    return {"root": p.territory.pk}


def mother_name(p) -> str:
    return p.mother.given_names


def dedup_marker(p) -> str:
    return f"Matriz{p.name}"


def csv_upload(p):
    content = ("household_ref,community,given_names,first_surname,sex,birth_date,role\r\n"
               f"U-1,{p.territory.code},Subida,Matriz{p.name},F,1990-01-01,caregiver\r\n")
    return {"file": SimpleUploadedFile("matrix.csv", content.encode())}


_n = iter(range(1, 10**6))


def new_person(p):
    n = next(_n)
    return {"household": str(p.household.pk), "given_names": f"Nueva{n}",
            "first_surname": f"Api{n}", "sex": "F", "roles": ["other"],
            "ignore_duplicates": True}


def _municipality(p):
    from crecer.deliveries.queries import municipality_id_of
    from crecer.territory.models import OrgUnit

    return OrgUnit.objects.get(pk=municipality_id_of(p.territory))


def stocked(p):
    """Food baskets received by the place's municipality and one delivered to its household."""
    from django.utils import timezone

    from crecer.deliveries import actions

    today = timezone.localdate()
    actions.receive_stock(actor=p.officer, municipality=_municipality(p), item="food-basket",
                          quantity=10, occurred_on=today, reference=f"Matriz{p.name}")
    actions.deliver(actor=p.officer, household=p.household, item="food-basket", quantity=1,
                    delivered_on=today)


def receipt(p):
    from django.utils import timezone

    return {"municipality": _municipality(p).pk, "item": "food-basket", "quantity": 5,
            "occurred_on": timezone.localdate().isoformat(), "reference": "matrix"}


def programme(p):
    from crecer.programmes.models import Programme

    return {"pk": Programme.objects.get_or_create(
        code="matrix", defaults={"name": "Matrix", "kind": "home_visits"})[0].pk}


# referrals: a health centre in the place's municipality, and referrals of the place's child

REFER = P.can_refer
ATTEND = P.can_attend_referrals


def service_point(p):
    """The place's health centre (made on first use, under the place's municipality)."""
    if "service_point" not in p._made:
        from crecer.territory.actions import create_unit
        from crecer.territory.models import OrgUnit

        muni = p.territory.parent
        p._made["service_point"] = (
            OrgUnit.objects.filter(parent=muni, kind="service_point").first()
            or create_unit(code=f"SP-{p.name}", name=f"Centro de salud {p.name}", parent=muni,
                           kind="service_point", sector="health"))
    return p._made["service_point"]


def fresh_referral(p, received: bool = False):
    from crecer.referrals import actions

    r = actions.create_referral(actor=p.officer, person=p.child, to_service=service_point(p),
                                reason_code="fever", urgency="priority")
    return actions.receive_referral(actor=p.officer, referral=r) if received else r


def referral(p):
    if "referral" not in p._made:
        p._made["referral"] = fresh_referral(p)
    return p._made["referral"]


def child_name(p) -> str:
    return p.child.given_names


def service_name(p) -> str:
    return service_point(p).name


def adjustment(p):
    return {f"adjust-{k}": v for k, v in {**receipt(p), "quantity": 2, "reference": "count"}.items()}


def fresh_contact(p):
    """A contact recorded by a volunteer of the place with its household (enrolled first)."""
    import uuid

    from django.utils import timezone

    from crecer.accounts.models import User
    from crecer.fieldwork.actions import record_contact
    from crecer.programmes.actions import enrol
    from crecer.programmes.models import Enrolment
    from crecer.programmes.presets import load_presets

    vol, _ = User.objects.get_or_create(username=f"matrix_vol_{p.name}", role="volunteer")
    vol.territories.add(p.territory)
    if not Enrolment.objects.filter(household=p.household, volunteer=vol).exists():
        model = next(x for x in load_presets() if x.code == "honduras-pi-volunteers")
        enrol(actor=p.officer, programme=model, household=p.household, volunteer=vol)
    return {"pk": record_contact(actor=vol, household=p.household, data={
        "id": str(uuid.uuid4()), "occurred_at": timezone.now().isoformat()}).pk}


# co-responsibilities: a matrix programme whose one condition fits every child of a place

VERIFY = P.can_verify_coresponsibility


def cct_programme():
    from crecer.programmes.models import Programme

    return Programme.objects.get_or_create(code="matrix-cct", defaults={
        "name": "Matrix CCT", "kind": "cash_transfer",
        "config": {"coresponsibilities": [{"code": "CRED", "name": "Growth check",
                                           "from_months": 0, "to_months": 216,
                                           "every_days": 30}]}})[0]


def verified(p):
    """The place's household enrolled in the matrix programme and verified this month."""
    import datetime as dt

    from django.utils import timezone

    from crecer.coresponsibility.actions import verify_period
    from crecer.programmes.models import Enrolment

    programme = cct_programme()
    Enrolment.objects.get_or_create(programme=programme, household=p.household,
                                    defaults={"start": dt.date(2020, 1, 1)})
    verify_period(actor=p.officer, programme=programme,
                  period=timezone.localdate().strftime("%Y-%m"), municipality=_municipality(p))


def roster_query(p):
    from django.utils import timezone

    return {"programme": cct_programme().pk, "municipality": _municipality(p).pk,
            "period": timezone.localdate().strftime("%Y-%m")}


# aggregate data: entry per territory and period, period approvals (not personal data)

def view_aggregates(user) -> bool:
    from crecer.aggregates.policies import can_view_aggregates

    return can_view_aggregates(user)


_months = iter(range(2000 * 12, 10**6))


def fresh_period() -> str:
    """A month never used before in this run (approvals of one unit and period are unique)."""
    from crecer.indicators.periods import of_type

    return of_type("month", next(_months)).code


def entry_form(p):
    return {"unit_id": p.territory.pk, "period": "2025Q1"}


def fresh_approval(p):
    """An approval in force of the place's territory for a fresh month."""
    from crecer.aggregates.models import PeriodApproval

    return PeriodApproval.objects.create(unit=p.territory, period=fresh_period(),
                                         approved_by=p.officer)


def approved(p):
    if "approval" not in p._made:
        p._made["approval"] = fresh_approval(p)


# tablero: aggregates of the territories in scope (indicator values, never a personal record)

TABLERO = P.can_view_tablero


def tablero_indicator(p):
    """The place's territory and an indicator of the catalogue (made on first use)."""
    from crecer.indicators.models import Indicator

    ind, _ = Indicator.objects.get_or_create(
        code="matrix-children", defaults={"name": "Matrix", "definition": "Matrix",
                                          "numerator": "count(persons where child)",
                                          "results_chain": "output"})
    return {"unit_id": p.territory.pk, "code": ind.code}


def dhis2_query(p, **extra):
    """A DHIS2 export of the place's territory (interop)."""
    return {"unit": p.territory.pk, "period": "202603", **extra}


def dhis2_mapping_csv(p):
    from crecer.interop.demo import demo_uid

    content = f"kind,code,uid\r\nunit,{p.territory.code},{demo_uid('matrix', p.name)}\r\n"
    return {"file": SimpleUploadedFile("mapping.csv", content.encode())}


# indicators: reference sheets (definitions) and targets (aggregates), not personal data

MANAGE_INDICATORS = P.can_manage_indicators


def matrix_indicator():
    from crecer.indicators.models import Indicator

    return Indicator.objects.get_or_create(code="matrix-coverage", defaults={
        "name": "Matriz", "definition": "Matriz", "numerator": "count(persons)",
        "denominator": "sum(population.value)", "results_chain": "output"})[0]


def indicator_code(p):
    return {"code": matrix_indicator().code}


def place_target(p):
    from crecer.indicators.models import Target

    Target.objects.get_or_create(indicator=matrix_indicator(), unit=p.territory, period="2026",
                                 defaults={"value": 80})


def targets_csv(p):
    content = ("indicator,unit_code,period,value\r\n"
               f"{matrix_indicator().code},{p.territory.code},2026,75\r\n")
    return {"file": SimpleUploadedFile("targets.csv", content.encode())}


# finance: budgets, expenditures and group purchases of the territories in scope (aggregates)

VIEW_FINANCE = P.can_view_finance
MANAGE_FINANCE = P.can_manage_finance


def manage_sources(user) -> bool:
    from crecer.finance.policies import can_manage_sources

    return can_manage_sources(user)


def finance_source():
    from crecer.finance.actions import load_default_sources
    from crecer.finance.models import FundingSource

    load_default_sources()
    return FundingSource.objects.get(code="municipalidad")


def fresh_budget(p):
    from crecer.finance.models import Budget

    return {"pk": Budget.objects.create(unit=p.territory, year=2025, category="staff",
                                        source=finance_source(), amount=10).pk}


def fresh_expenditure(p):
    from django.utils import timezone

    from crecer.finance.models import Expenditure

    return {"pk": Expenditure.objects.create(
        unit=p.territory, date=timezone.localdate(), category="staff", source=finance_source(),
        amount=10, description=f"Matriz{p.name}").pk}


def fresh_purchase(p):
    """A group purchase shared by the place's community and its municipality."""
    from crecer.finance.actions import record_group_purchase

    finance_source()
    return record_group_purchase(
        actor=p.officer, name=f"Compra Matriz{p.name}", date="2025-04-01", total_amount="100",
        source="municipalidad", shares=[{"unit": p.territory, "percent": "50"},
                                        {"unit": p.territory.parent, "percent": "50"}])


def finance_purchase(p):
    if "purchase" not in p._made:
        p._made["purchase"] = fresh_purchase(p)
    return p._made["purchase"]


# --- pages -----------------------------------------------------------------------------------

PAGES: dict[str, Case] = {
    # public
    "healthz": Case(None),
    "login": Case(None),
    "logout": Case(None, method="POST", ok=302),
    "set_language": Case(None, method="POST", body=lambda p: {"language": "en", "next": "/"},
                         ok=302),
    # accounts
    "home": Case(ANY),
    # registry
    "registry:households": Case(ANY, shows=mother_name),
    "registry:household_new": Case(EDIT),
    "registry:household": Case(ANY, path=household),
    "registry:household_edit": Case(EDIT, path=household),
    "registry:member_new": Case(EDIT, path=household),
    "registry:person": Case(ANY, path=person),
    "registry:person_edit": Case(EDIT, path=person),
    "registry:search": Case(ANY, query=lambda p: {"q": "Hernández"}, shows=mother_name),
    # duplicates
    "dedup:queue": Case(REVIEW, shows=dedup_marker, setup=lambda p: p.pair),
    "dedup:merges": Case(REVIEW),
    "dedup:compare": Case(REVIEW, path=pair),
    "dedup:undo": Case(REVIEW, path=lambda p: {"pk": p.fresh_merge().pk}, method="POST", ok=302),
    # territory
    "territory:index": Case(ANY),
    "territory:unit": Case(ANY, path=unit),
    "territory:import": Case(MANAGE_TERRITORY),
    "territory:export_tree": Case(ANY, query=root, obj=True),
    "territory:export_population": Case(ANY, query=root, obj=True),
    "territory:export_boundaries": Case(ANY, query=root, obj=True),
    # audit
    "audit:index": Case(AUDIT),
    "audit:person": Case(AUDIT, path=lambda p: {"person_id": p.child.pk}),
    "audit:user": Case(AUDIT, path=lambda p: {"username": p.officer.username}, obj=False),
    # imports: a job is visible to its uploader and to data officers / administrators
    # covering it, and only to roles that may import (others get 404, not 403)
    "imports:index": Case(IMPORT),
    "imports:template_xlsx": Case(ANY),
    "imports:template_csv": Case(ANY),
    "imports:job": Case(IMPORT, path=job, denied=404),
    "imports:job_status": Case(IMPORT, path=job, denied=404),
    "imports:job_commit": Case(IMPORT, path=fresh_job, method="POST", ok=302, denied=404),
    "imports:job_run": Case(IMPORT, path=fresh_job, method="POST", ok=302, denied=404),
    # deliveries and stock: balances of the municipalities a user's territories touch
    "deliveries:stock": Case(ANY, shows=lambda p: _municipality(p).name, setup=stocked),
    "deliveries:receive": Case(MANAGE_STOCK, method="POST", body=receipt, ok=302, obj=True),
    "deliveries:adjust": Case(MANAGE_STOCK, method="POST", body=adjustment, ok=302, obj=True),
    "deliveries:list": Case(ANY, shows=lambda p: p.household.code, setup=stocked),
    "deliveries:deliver": Case(DELIVER, path=household),
    # programmes (configuration, not personal data) and field work
    "programmes:list": Case(ANY),
    "programmes:edit": Case(PR.can_manage_programmes, path=programme, obj=False),
    "programmes:enrol": Case(PR.can_enrol, path=household),
    "fieldwork:worklist": Case(FW.can_view_worklist),
    "fieldwork:team": Case(FW.can_supervise),
    "fieldwork:visit": Case(FW.can_record_contact, path=household),
    "fieldwork:review": Case(FW.can_supervise),
    "fieldwork:accompanied": Case(FW.can_accompany_visits),
    "fieldwork:review_contact": Case(FW.can_supervise, path=fresh_contact, method="POST",
                                     body=lambda p: {"decision": "validate"}, ok=302),
    # the installable app: manifest and service worker are public (no personal data)
    "fieldwork:manifest": Case(None),
    "fieldwork:service_worker": Case(None),
    # referrals: the sender's list (persons in scope), the receiving staff's inbox (service
    # points in scope), the directory; answering needs the policy AND the service in scope
    "referrals:list": Case(ANY, shows=child_name, setup=referral),
    "referrals:inbox": Case(ATTEND, shows=child_name, setup=referral),
    "referrals:services": Case(ANY, shows=service_name, setup=service_point),
    "referrals:new": Case(REFER, query=lambda p: {"person": p.child.pk}, obj=True),
    "referrals:detail": Case(ANY, path=lambda p: {"pk": referral(p).pk}),
    "referrals:receive": Case(ATTEND, path=lambda p: {"pk": fresh_referral(p).pk},
                              method="POST", ok=302),
    "referrals:attend": Case(ATTEND, path=lambda p: {"pk": fresh_referral(p, True).pk},
                             method="POST", body=lambda p: {"what_was_done": "Atendida"},
                             ok=302),
    "referrals:reject": Case(ATTEND, path=lambda p: {"pk": fresh_referral(p).pk},
                             method="POST", body=lambda p: {"rejection_reason": "Sin cupo"},
                             ok=302),
    # co-responsibilities: verification, compliance list, payment roster, health-system file
    "coresponsibility:list": Case(VERIFY, shows=lambda p: p.household.code, setup=verified),
    "coresponsibility:verify": Case(VERIFY, method="POST", body=roster_query, ok=302, obj=True),
    "coresponsibility:roster_csv": Case(VERIFY, query=roster_query, obj=True,
                                        shows=lambda p: p.household.code, setup=verified),
    "coresponsibility:roster_xlsx": Case(VERIFY, query=roster_query, obj=True),
    "coresponsibility:upload": Case(VERIFY),
    # tablero: a unit outside her territories is 404 before any role check
    "tablero:index": Case(TABLERO, ok=302),
    "tablero:unit": Case(TABLERO, path=lambda p: {"unit_id": p.territory.pk}),
    "tablero:indicator": Case(TABLERO, path=tablero_indicator),
    "tablero:chain": Case(TABLERO, path=lambda p: {"unit_id": p.territory.pk,
                                                   "column": "output"}),
    "tablero:plotly": Case(None),  # the Plotly.js library, public like static files
    # data quality: aggregates of the territories in scope, like the tablero
    "quality:index": Case(TABLERO, ok=302),
    "quality:unit": Case(TABLERO, path=lambda p: {"unit_id": p.territory.pk}),
    # aggregate data: the pages open for roles that enter, approve or undo; acting needs the rule
    "aggregates:index": Case(view_aggregates),
    "aggregates:entry": Case(view_aggregates, path=entry_form),
    "aggregates:approve": Case(P.can_approve_period, method="POST", ok=302,
                               path=lambda p: {"unit_id": p.territory.pk,
                                               "period": fresh_period()}),
    "aggregates:undo": Case(P.can_undo_approval, method="POST", ok=302,
                            path=lambda p: {"pk": fresh_approval(p).pk},
                            body=lambda p: {"reason": "matrix"}),
    "aggregates:approvals": Case(view_aggregates, shows=lambda p: p.territory.name,
                                 setup=approved),
    # interop: DHIS2 exports (tablero roles) and the mapping (indicator managers)
    "interop:dhis2": Case(TABLERO, query=dhis2_query, obj=True),
    "interop:dhis2_download": Case(TABLERO, query=lambda p: dhis2_query(p, format="adx"),
                                   obj=True),
    "interop:mapping": Case(P.can_manage_indicators),
    "interop:mapping_remove": Case(P.can_manage_indicators, method="POST", ok=302, obj=True,
                                   body=lambda p: {"kind": "unit", "unit": p.territory.pk}),
    "interop:mapping_import": Case(P.can_manage_indicators, method="POST", ok=302,
                                   body=dhis2_mapping_csv),
    "interop:mapping_export": Case(P.can_manage_indicators),
    # indicators: the catalogue and reference sheets for tablero roles, editing for the M&E
    # officer; targets of the territories in scope (and their ancestors)
    "indicators:list": Case(TABLERO),
    "indicators:detail": Case(TABLERO, path=indicator_code, obj=False),
    "indicators:export": Case(TABLERO, path=indicator_code, obj=False),
    "indicators:new": Case(MANAGE_INDICATORS),
    "indicators:edit": Case(MANAGE_INDICATORS, path=indicator_code, obj=False),
    "indicators:check": Case(MANAGE_INDICATORS, method="POST",
                             body=lambda p: {"numerator": "count(persons)"}),
    "indicators:targets": Case(TABLERO, shows=lambda p: p.territory.code, setup=place_target),
    "indicators:targets_import": Case(MANAGE_INDICATORS, method="POST", body=targets_csv,
                                      multipart=True, ok=302, obj=False),
    # implementation: checklists, steps and evidence, committees (not personal data)
    "implementation:index": Case(P.can_view_implementation, shows=lambda p: p.territory.name,
                                 setup=IM.checklist),
    "implementation:unit": Case(P.can_view_implementation,
                                path=lambda p: {"unit_id": p.territory.pk}),
    "implementation:instantiate": Case(P.can_manage_implementation, method="POST", ok=302,
                                       path=lambda p: {"unit_id": p.territory.pk}),
    "implementation:step": Case(P.can_view_implementation, path=IM.step),
    "implementation:evidence": Case(P.can_view_implementation, path=IM.evidence),
    "implementation:late": Case(P.can_view_implementation, shows=lambda p: p.territory.name,
                                setup=IM.checklist),
    "implementation:committees": Case(P.can_view_implementation, shows=IM.committee_name,
                                      setup=IM.committee),
    "implementation:committee_new": Case(
        P.can_manage_committees, method="POST", ok=302, obj=True,
        body=lambda p: {"territory": p.territory.pk, "kind": "zonal_team", "name": "Equipo"}),
    "implementation:committee": Case(P.can_view_implementation, path=IM.committee_pk),
    "implementation:member_new": Case(
        P.can_manage_committees, method="POST", ok=302, path=IM.committee_pk,
        body=lambda p: {"member-person_name": "Ana Reyes", "member-position": "Secretaria"}),
    "implementation:meeting_new": Case(
        P.can_manage_committees, method="POST", ok=302, path=IM.committee_pk,
        body=lambda p: {"meeting-date": "2024-05-10", "meeting-minutes": "Acta"}),
    "implementation:agreement_new": Case(
        P.can_manage_committees, method="POST", ok=302, path=IM.committee_pk,
        body=lambda p: {"agreement-text": "Acuerdo"}),
    "implementation:meeting": Case(P.can_view_implementation, path=IM.meeting_pk),
    "implementation:meeting_file": Case(P.can_view_implementation, path=IM.meeting_file_pk),
    "implementation:agreements": Case(P.can_view_implementation, shows=IM.agreement_text,
                                      setup=IM.committee),
    "implementation:agreement": Case(P.can_view_implementation, path=IM.agreement_pk),
    # workforce: workers' names are personal data (scoped by their territory); sessions,
    # cascade and turnover of the territories in scope
    "workforce:workers": Case(WF.VIEW, shows=WF.worker_name, setup=WF.worker),
    "workforce:worker_new": Case(WF.MANAGE),
    "workforce:worker": Case(WF.VIEW, path=WF.worker_pk),
    "workforce:worker_leave": Case(WF.MANAGE, method="POST", ok=302, body=WF.leave,
                                   path=lambda p: {"pk": WF.fresh_worker(p).pk}),
    "workforce:worker_career": Case(WF.MANAGE, method="POST", ok=302, path=WF.worker_pk,
                                    body=lambda p: {"career_stage": "mentor"}),
    "workforce:certify": Case(WF.MANAGE, method="POST", ok=302, path=WF.fresh_completion),
    "workforce:sessions": Case(WF.VIEW, shows=WF.worker_name, setup=WF.session),
    "workforce:session_new": Case(WF.MANAGE, query=lambda p: {"territory": p.territory.pk},
                                  obj=True),
    "workforce:session": Case(WF.VIEW, path=WF.session_pk),
    "workforce:cascade": Case(WF.VIEW, shows=WF.worker_name, setup=WF.session),
    "workforce:turnover": Case(WF.VIEW, query=WF.unit, obj=True),
    # finance: a territory, line or purchase outside her territories is 404 before the role
    "finance:index": Case(VIEW_FINANCE, ok=302),
    "finance:unit": Case(VIEW_FINANCE, path=lambda p: {"unit_id": p.territory.pk}),
    "finance:lines": Case(VIEW_FINANCE, path=lambda p: {"unit_id": p.territory.pk},
                          shows=lambda p: f"Matriz{p.name}", setup=fresh_expenditure),
    "finance:budget_new": Case(MANAGE_FINANCE, path=lambda p: {"unit_id": p.territory.pk}),
    "finance:expenditure_new": Case(MANAGE_FINANCE,
                                    path=lambda p: {"unit_id": p.territory.pk}),
    "finance:budget_delete": Case(MANAGE_FINANCE, method="POST", path=fresh_budget, ok=302),
    "finance:expenditure_delete": Case(MANAGE_FINANCE, method="POST", path=fresh_expenditure,
                                       ok=302),
    "finance:import": Case(MANAGE_FINANCE),
    "finance:import_template": Case(VIEW_FINANCE, path=lambda p: {"kind": "budgets"},
                                    obj=False),
    "finance:purchases": Case(VIEW_FINANCE, shows=lambda p: f"Compra Matriz{p.name}",
                              setup=finance_purchase),
    "finance:purchase_new": Case(MANAGE_FINANCE),
    "finance:purchase": Case(VIEW_FINANCE, path=lambda p: {"pk": finance_purchase(p).pk}),
    "finance:purchase_delete": Case(MANAGE_FINANCE, method="POST", ok=302,
                                    path=lambda p: {"pk": fresh_purchase(p).pk}),
    "finance:sources": Case(VIEW_FINANCE),
    "finance:source_toggle": Case(manage_sources, method="POST", ok=302, obj=False,
                                  path=lambda p: {"pk": finance_source().pk}),
    "finance:projection": Case(VIEW_FINANCE),
    # scale-up: phases and gates of the territories in scope; deciding needs its own rule
    "scaleup:index": Case(SU.VIEW, shows=SU.municipality_name, setup=SU.models),
    "scaleup:unit": Case(SU.VIEW, path=SU.unit),
    "scaleup:decide": Case(SU.DECIDE, method="POST", ok=302, path=SU.unit, body=SU.hold),
    **PL.pages(Case),  # planning: the RIL cycle, evaluation rounds, risks (planning_places.py)
}

# --- API (/api/v1/) --------------------------------------------------------------------------

API: dict[str, Case] = {
    "api-v1:openapi-json": Case(None),
    "api-v1:openapi-view": Case(None),
    "api-v1:api-root": Case(None, ok=404),
    # territories
    "api-v1:list_territories": Case(ANY, shows=lambda p: p.territory.code),
    "api-v1:get_territory": Case(ANY, path=lambda p: {"unit_id": p.territory.pk}),
    # households
    "api-v1:list_households": Case(ANY, shows=mother_name),
    "api-v1:get_household": Case(ANY, path=lambda p: {"household_id": p.household.pk}),
    "api-v1:create_household": Case(
        EDIT, method="POST", body=lambda p: {"territory": p.territory.pk, "code": "H-API"},
        ok=201, obj=True),
    "api-v1:update_household": Case(
        EDIT, method="PATCH", path=lambda p: {"household_id": p.household.pk},
        body=lambda p: {"rooms": 2}),
    # persons
    "api-v1:list_persons": Case(ANY, shows=mother_name),
    "api-v1:get_person": Case(ANY, path=lambda p: {"person_id": p.child.pk}),
    "api-v1:create_person": Case(EDIT, method="POST", body=new_person, ok=201, obj=True),
    "api-v1:update_person": Case(
        EDIT, method="PATCH", path=lambda p: {"person_id": p.child.pk},
        body=lambda p: {"phone": "+50498765432"}),
    # audit
    "api-v1:list_audit_events": Case(AUDIT),
    "api-v1:list_person_audit_events": Case(AUDIT, path=lambda p: {"person_id": p.child.pk}),
    # duplicates
    "api-v1:list_candidates": Case(REVIEW, shows=dedup_marker, setup=lambda p: p.pair),
    "api-v1:check_person": Case(
        edit_or_review, method="POST",
        body=lambda p: {"given_names": p.mother.given_names,
                        "first_surname": p.mother.first_surname}),
    "api-v1:list_merges": Case(REVIEW),
    "api-v1:get_candidate": Case(REVIEW, path=lambda p: {"pair_id": p.pair.pk}),
    "api-v1:review": Case(REVIEW, method="POST", path=lambda p: {"pair_id": p.fresh_pair().pk},
                          body=lambda p: {"decision": "different"}),
    "api-v1:undo_merge": Case(REVIEW, method="POST",
                              path=lambda p: {"merge_id": p.fresh_merge().pk}),
    # imports (jobs: see the pages above)
    "api-v1:upload": Case(IMPORT, method="POST", body=csv_upload, multipart=True),
    "api-v1:get_job": Case(IMPORT, path=lambda p: {"job_id": p.job.pk}, denied=404),
    "api-v1:commit": Case(IMPORT, method="POST", path=lambda p: {"job_id": p.fresh_job().pk},
                          denied=404),
    # referrals
    "api-v1:list_referrals": Case(ANY, shows=child_name, setup=referral),
    "api-v1:list_referral_services": Case(ANY, shows=service_name, setup=service_point),
    "api-v1:get_referral": Case(ANY, path=lambda p: {"referral_id": referral(p).pk}),
    "api-v1:create_referral": Case(
        REFER, method="POST", ok=201, obj=True,
        body=lambda p: {"person": p.child.pk, "to_service": service_point(p).pk,
                        "reason_code": "fever"}),
    "api-v1:receive_referral": Case(
        ATTEND, method="POST", path=lambda p: {"referral_id": fresh_referral(p).pk}),
    "api-v1:attend_referral": Case(
        ATTEND, method="POST", path=lambda p: {"referral_id": fresh_referral(p, True).pk},
        body=lambda p: {"what_was_done": "Atendida"}),
    "api-v1:reject_referral": Case(
        ATTEND, method="POST", path=lambda p: {"referral_id": fresh_referral(p).pk},
        body=lambda p: {"reason": "Sin cupo"}),
    # offline sync (the volunteer's caseload only; see tests/sync)
    "api-v1:sync_bootstrap": Case(FW.can_view_worklist),
    "api-v1:sync_contacts": Case(FW.can_record_contact, method="POST",
                                 body=lambda p: {"contacts": []}),
    # indicators (aggregates): the catalogue for all, values and DHIS2 for tablero roles
    "api-v1:list_indicators": Case(ANY),
    "api-v1:indicator_values": Case(TABLERO, obj=True,
                                    query=lambda p: {"unit": p.territory.code, "period": "202603"}),
    "api-v1:dhis2_data_value_sets": Case(
        TABLERO, obj=True, query=lambda p: {"unit": p.territory.code, "period": "202603"}),
}

MATRIX: dict[str, Case] = {**PAGES, **API}

# URL prefixes swept by their own test rather than entry by entry.
SWEPT_ELSEWHERE = {"django-admin/": "test_admin_matrix"}
