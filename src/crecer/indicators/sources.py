"""The data sources an indicator expression may count or sum.

Each source is one table of the analytics extract (see `extract.py`). A source is either an
*event* (contacts, referrals…: counted in the months they happen, summed over a period) or a
*stock* (persons registered, active enrolments, population: counted as they stand at the end of
each month; a quarter's value is its last month's value).

`fields` are what a `where` filter may test (with their type and, for codes, the allowed
values); `sums` are the numeric fields `sum(source.field)` may add; `dims` are the
disaggregations the source can be split by. New sources (trainings, budgets…) plug in by adding
an entry here and its extract and cube SQL in `extract.py` / `cubes.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crecer.territory.models import AGE_BANDS

EVENT, STOCK, SPAN = "event", "stock", "span"
DIMENSIONS = ("sex", "age_band", "area", "ethnicity", "programme")


@dataclass(frozen=True)
class Field:
    type: str  # "code", "bool", "number", "text"
    values: tuple[str, ...] | None = None  # allowed codes; None = any (checked at run time)


@dataclass(frozen=True)
class Source:
    name: str
    kind: str  # EVENT, STOCK or SPAN (aggregate values: counted when their period fits)
    description: str
    fields: dict[str, Field]
    sums: tuple[str, ...] = ()
    distinct: tuple[str, ...] = ()  # fields count_distinct may count
    dims: tuple[str, ...] = field(default=())
    # Figures someone reports (budgets, expenditures, entered values): a territory that
    # reported nothing has no value rather than zero.
    reported: bool = False


SEXES = ("F", "M")
AREAS = ("rural", "urban")
BOOL = Field("bool")
CONTACT_KINDS = ("home_visit", "call", "text", "group_session", "daycare_attendance")
REFERRAL_STATUS = ("sent", "received", "attended", "rejected", "expired")
REASONS = ("fever", "malnutrition", "developmental_delay", "violence", "missing_vaccines",
           "prenatal_check", "school_enrolment", "other")
SECTORS = ("health", "education", "daycare", "protection", "social", "nutrition", "sanitation")
AGE = Field("code", tuple(AGE_BANDS) + ("unknown",))
WORKER_KINDS = ("volunteer", "facilitator", "supervisor", "municipal_staff")
FINANCE_CATEGORIES = ("staff", "training", "materials_kits", "food", "transport", "supervision",
                      "management", "other")
SOURCE_KINDS = ("central_government", "state_government", "municipality", "community_in_kind",
                "international_cooperation", "private_sector", "social_impact_bond")

SOURCES: dict[str, Source] = {s.name: s for s in [
    Source("persons", STOCK, "Persons in the registry (merged duplicates left out), at month end.",
           {"sex": Field("code", SEXES), "age_band": AGE, "area": Field("code", AREAS),
            "ethnicity": Field("text"), "disability": BOOL, "caregiver": BOOL, "child": BOOL,
            "pregnant": BOOL, "has_id": BOOL, "has_phone": BOOL},
           distinct=("household_id",), dims=("sex", "age_band", "area", "ethnicity", "programme")),
    Source("households", STOCK, "Households in the registry, at month end.",
           {"area": Field("code", AREAS),
            "poverty_level": Field("code", ("extreme", "poor", "not_poor", "unknown"))},
           dims=("area", "programme")),
    Source("enrolments", STOCK, "Active enrolments in programmes, at month end.",
           {"programme": Field("code"), "area": Field("code", AREAS), "person_level": BOOL,
            "has_volunteer": BOOL},
           distinct=("household_id", "volunteer_id"), dims=("area", "programme")),
    Source("contacts", EVENT, "Contacts (visits, calls, messages, sessions) in the month.",
           {"kind": Field("code", CONTACT_KINDS), "area": Field("code", AREAS),
            "remote": BOOL, "reached": BOOL,
            "status": Field("code", ("recorded", "validated", "returned")),
            "danger_sign": BOOL, "growth_measured": BOOL, "referral": BOOL},
           sums=("messages", "items"), distinct=("household_id", "volunteer_id"),
           dims=("area", "programme")),
    Source("referrals", EVENT, "Referrals made in the month (by the date they were made).",
           {"reason": Field("code", REASONS), "status": Field("code", REFERRAL_STATUS),
            "urgency": Field("code", ("routine", "priority", "emergency")),
            "sector": Field("code", SECTORS), "counter_referred": BOOL, "overdue": BOOL,
            "from_visit": BOOL, "sex": Field("code", SEXES), "age_band": AGE,
            "area": Field("code", AREAS)},
           distinct=("person_id",), dims=("sex", "age_band", "area", "programme")),
    Source("deliveries", EVENT, "Items delivered to households in the month.",
           {"item": Field("code"), "item_kind": Field("code", ("kit", "food_basket",
                                                               "supplement", "other")),
            "area": Field("code", AREAS)},
           sums=("quantity",), distinct=("household_id",), dims=("area", "programme")),
    Source("compliance", EVENT, "Co-responsibility checks of the month (one per condition).",
           {"condition": Field("code"), "programme": Field("code"), "compliant": BOOL,
            "source": Field("code", ("volunteer", "health_system", "education_system")),
            "sex": Field("code", SEXES), "age_band": AGE, "area": Field("code", AREAS)},
           distinct=("household_id", "person_id"),
           dims=("sex", "age_band", "area", "programme")),
    Source("workers", STOCK, "Workers (volunteers, facilitators, supervisors, municipal staff) "
                             "active at month end.",
           {"kind": Field("code", WORKER_KINDS), "certified": BOOL, "local_institution": BOOL,
            "career_stage": Field("code", ("trainee", "practitioner", "mentor", "coordinator"))},
           distinct=("worker_id",)),
    Source("worker_exits", EVENT, "Workers who left in the month (turnover).",
           {"kind": Field("code", WORKER_KINDS), "reason": Field("code")},
           distinct=("worker_id",)),
    Source("worker_cohorts", SPAN, "One row per worker active on 1 January of a year, and "
                                   "whether she was still active at its end (retention).",
           {"kind": Field("code", WORKER_KINDS), "retained": BOOL}, distinct=("worker_id",)),
    Source("trainings", EVENT, "Training sessions (workshops) held in the month.",
           {"mode": Field("code", ("in_person", "digital")), "local_staff": BOOL, "core": BOOL,
            "curriculum": Field("code"), "module": Field("code")},
           sums=("attendees",)),
    Source("attendance", EVENT, "Attendance of workers at training sessions in the month.",
           {"kind": Field("code", WORKER_KINDS), "attended": BOOL, "curriculum": Field("code")},
           distinct=("worker_id",)),
    Source("completions", STOCK, "Workers who have completed a whole curriculum (and are still "
                                 "active), at month end.",
           {"kind": Field("code", WORKER_KINDS), "curriculum": Field("code"), "certified": BOOL},
           distinct=("worker_id",)),
    Source("population", STOCK, "Population estimates of the year (the coverage denominators).",
           {"sex": Field("code", SEXES), "age_band": Field("code", tuple(AGE_BANDS))},
           sums=("value",), dims=("sex", "age_band")),
    Source("budgets", SPAN, "Budget lines of the year by funding source and category "
                            "(in-kind contributions valued).",
           {"category": Field("code", FINANCE_CATEGORIES), "source_kind": Field("code",
                                                                              SOURCE_KINDS),
            "source": Field("code"), "government": BOOL, "in_kind": BOOL, "ecd_line": BOOL},
           sums=("amount",), reported=True),
    Source("expenditures", EVENT, "Expenditures of the month by funding source and category "
                                  "(in-kind contributions valued, group purchases shared).",
           {"category": Field("code", FINANCE_CATEGORIES), "source_kind": Field("code",
                                                                              SOURCE_KINDS),
            "source": Field("code"), "government": BOOL, "in_kind": BOOL},
           sums=("amount",), reported=True),
    Source("aggregate", SPAN, "Values entered per territory and period (budgets, workshops…); "
                              "a value counts in every period that contains its own.",
           {"element": Field("code")}, sums=("value",), reported=True),
]}
