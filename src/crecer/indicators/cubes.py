"""SQL (DuckDB) that turns the extract into facts and each aggregate into a leaf cube.

A *fact view* per source gives one row per record with the columns the expression language
knows (see `sources.py`) plus `unit_id` (the territory it belongs to now: households carry
their members, contacts and deliveries, so a household that moved takes its history with it),
`month` (a month index) and the disaggregation columns.

A *cube* is the result of one aggregate at the finest grain: one row per leaf unit, month and
combination of disaggregations (`programme` is '*' for the whole population, or a programme
code for the rows of households enrolled in it at that time). `count` and `sum` cubes hold
partial sums; `count_distinct` cubes keep the distinct entity so that it can be counted across
months and units without double counting.
"""

from __future__ import annotations

from .expression import Aggregate, condition_sql
from .sources import DIMENSIONS, EVENT, SOURCES, SPAN, STOCK

MACROS = """
CREATE OR REPLACE TEMP MACRO mi(d) AS year(d) * 12 + month(d) - 1;
CREATE OR REPLACE TEMP MACRO month_end(m) AS
    CAST(make_date(CAST(m // 12 AS BIGINT), CAST(m % 12 + 1 AS BIGINT), 1)
         + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE);
CREATE OR REPLACE TEMP MACRO band(b, d) AS CASE
    WHEN b IS NULL THEN 'unknown'
    WHEN date_sub('month', b, d) < 12 THEN '0-11m'
    WHEN date_sub('month', b, d) < 24 THEN '12-23m'
    WHEN date_sub('month', b, d) < 36 THEN '24-35m'
    WHEN date_sub('year', b, d) < 4 THEN '3y'
    WHEN date_sub('year', b, d) < 5 THEN '4y'
    WHEN date_sub('year', b, d) < 6 THEN '5y'
    WHEN date_sub('year', b, d) < 7 THEN '6y'
    WHEN date_sub('year', b, d) < 18 THEN '7-17y'
    WHEN date_sub('year', b, d) < 50 THEN '18-49y'
    ELSE '50+y' END;
"""

# Facts of each source (over the extract tables, prefixed `x.` when the extract is attached).
# Event facts have `month`; stock facts have `start_m`/`end_m` (inclusive) and are expanded
# over the months of the range.
FACTS = {
    "persons": """
        SELECT p.id, p.household_id, COALESCE(h.territory_id, p.territory_id) AS unit_id,
               p.sex, p.birth_date, COALESCE(h.area, 'unknown') AS area,
               CASE WHEN p.ethnicity = '' THEN 'unknown' ELSE p.ethnicity END AS ethnicity,
               p.disability, p.caregiver, p.child, p.pregnant, p.has_id, p.has_phone,
               mi(p.created_on) AS start_m, 99999 AS end_m
        FROM persons p LEFT JOIN households h ON h.id = p.household_id
        WHERE NOT p.merged""",
    "households": """
        SELECT h.id, h.id AS household_id, h.territory_id AS unit_id, h.area, h.poverty_level,
               mi(h.created_on) AS start_m, 99999 AS end_m
        FROM households h""",
    "enrolments": """
        SELECT e.id, e.household_id, e.volunteer_id, h.territory_id AS unit_id, h.area,
               e.programme, e.person_id IS NOT NULL AS person_level,
               e.volunteer_id IS NOT NULL AS has_volunteer,
               mi(e.start_on) AS start_m, COALESCE(mi(e.end_on), 99999) AS end_m
        FROM enrolments e JOIN households h ON h.id = e.household_id""",
    "contacts": """
        SELECT c.id, c.household_id, c.volunteer_id, h.territory_id AS unit_id, h.area,
               c.kind, c.kind IN ('call', 'text') AS remote, c.remote_outcome = 'reached' AS reached,
               c.status, c.danger_sign, c.growth_measured,
               c.id IN (SELECT source_contact_id FROM referrals
                        WHERE source_contact_id IS NOT NULL) AS referral,
               c.messages, c.items, c.occurred_on AS day, mi(c.occurred_on) AS month
        FROM contacts c JOIN households h ON h.id = c.household_id""",
    "referrals": """
        SELECT r.id, r.person_id, COALESCE(h.id, p.household_id) AS household_id,
               COALESCE(h.territory_id, r.from_unit_id) AS unit_id,
               COALESCE(h.area, 'unknown') AS area, r.reason, r.status, r.urgency, r.sector,
               r.status = 'attended' AS counter_referred,
               r.status = 'expired' OR (r.status IN ('sent', 'received')
                                        AND r.due_date < current_date) AS overdue,
               r.source_contact_id IS NOT NULL AS from_visit,
               COALESCE(p.sex, 'unknown') AS sex, band(p.birth_date, r.referred_on) AS age_band,
               r.referred_on AS day, mi(r.referred_on) AS month
        FROM referrals r LEFT JOIN persons p ON p.id = r.person_id
        LEFT JOIN households h ON h.id = COALESCE(r.household_id, p.household_id)""",
    "deliveries": """
        SELECT d.id, d.household_id, h.territory_id AS unit_id, h.area, d.item, d.item_kind,
               d.quantity, d.delivered_on AS day, mi(d.delivered_on) AS month
        FROM deliveries d JOIN households h ON h.id = d.household_id""",
    "compliance": """
        SELECT k.id, k.household_id, k.person_id, h.territory_id AS unit_id, h.area,
               k.programme, k.condition, k.compliant, k.source,
               COALESCE(p.sex, 'unknown') AS sex, band(p.birth_date, month_end(mi(k.checked_month)))
               AS age_band, k.checked_month AS day, mi(k.checked_month) AS month
        FROM compliance k JOIN households h ON h.id = k.household_id
        LEFT JOIN persons p ON p.id = k.person_id""",
    # A worker counts as active from the month she starts to the month before she leaves.
    "workers": """
        SELECT w.id, w.id AS worker_id, w.territory_id AS unit_id, w.kind,
               w.certification_level NOT IN ('none', '') AS certified,
               COALESCE(w.local_institution, FALSE) AS local_institution, w.career_stage,
               mi(w.start_date) AS start_m, COALESCE(mi(w.leave_date) - 1, 99999) AS end_m
        FROM workers w""",
    "worker_exits": """
        SELECT w.id, w.id AS worker_id, w.territory_id AS unit_id, w.kind,
               w.leave_reason AS reason, w.leave_date AS day, mi(w.leave_date) AS month
        FROM workers w WHERE w.leave_date IS NOT NULL""",
    # Retention: the workers active on 1 January of each year, and whether they were still
    # active on 31 December (or today, for the current year).
    "worker_cohorts": """
        SELECT w.id || '-' || CAST(y.year AS VARCHAR) AS id, w.id AS worker_id,
               w.territory_id AS unit_id, w.kind,
               w.leave_date IS NULL OR w.leave_date > make_date(y.year, 12, 31) AS retained,
               CAST(y.year AS VARCHAR) AS period
        FROM workers w JOIN (SELECT DISTINCT CAST(month // 12 AS INTEGER) AS year FROM months) y
          ON w.start_date < make_date(y.year, 1, 1)
         AND (w.leave_date IS NULL OR w.leave_date >= make_date(y.year, 1, 1))""",
    "trainings": """
        SELECT s.id, s.territory_id AS unit_id, s.mode, s.local_staff, s.core, s.curriculum,
               s.module, s.attendees, s.held_on AS day, mi(s.held_on) AS month
        FROM training_sessions s""",
    "attendance": """
        SELECT a.id, a.worker_id, a.territory_id AS unit_id, a.kind, a.attended, a.curriculum,
               a.held_on AS day, mi(a.held_on) AS month
        FROM attendance a""",
    "completions": """
        SELECT k.id, k.worker_id, k.territory_id AS unit_id, k.kind, k.curriculum, k.certified,
               mi(k.completed_on) AS start_m, COALESCE(mi(k.leave_date) - 1, 99999) AS end_m
        FROM completions k""",
    "budgets": """
        SELECT b.id, b.unit_id, b.category, b.source_kind, b.source, b.government, b.in_kind,
               b.ecd_line, b.amount, CAST(b.year AS VARCHAR) AS period
        FROM budgets b""",
    "expenditures": """
        SELECT x.id, x.unit_id, x.category, x.source_kind, x.source, x.government, x.in_kind,
               x.amount, x.spent_on AS day, mi(x.spent_on) AS month
        FROM expenditures x""",
    "population": """
        SELECT unit_id, sex, age_band, value, year * 12 AS start_m, year * 12 + 11 AS end_m
        FROM population""",
    "aggregate": """
        SELECT a.id, a.unit_id, a.element, a.value, a.period FROM aggregate a""",
}

# For `aggregate`, the period code gives the last month and the span (number of months).
SPAN_COLUMNS = """
    CASE WHEN period LIKE '%Q%' THEN CAST(substr(period, 1, 4) AS INTEGER) * 12
                                        + CAST(substr(period, 6, 1) AS INTEGER) * 3 - 1
         WHEN period LIKE '%S%' THEN CAST(substr(period, 1, 4) AS INTEGER) * 12
                                        + CAST(substr(period, 6, 1) AS INTEGER) * 6 - 1
         WHEN length(period) = 6 THEN CAST(substr(period, 1, 4) AS INTEGER) * 12
                                        + CAST(substr(period, 5, 2) AS INTEGER) - 1
         ELSE CAST(substr(period, 1, 4) AS INTEGER) * 12 + 11 END AS month,
    CASE WHEN period LIKE '%Q%' THEN 3 WHEN period LIKE '%S%' THEN 6
         WHEN length(period) = 6 THEN 1 ELSE 12 END AS span"""


def create_fact_views(con) -> None:
    for statement in MACROS.split(";"):
        if statement.strip():
            con.execute(statement)
    for name, sql in FACTS.items():
        con.execute(f"CREATE OR REPLACE TEMP VIEW f_{name} AS {sql}")


def _dim_columns(source: str, prefix: str = "f.") -> str:
    dims = SOURCES[source].dims
    out = []
    for dim in DIMENSIONS:
        if dim == "programme":
            continue
        if dim == "age_band" and source == "persons":
            out.append(f"band(f.birth_date, month_end(m.month)) AS {dim}")
        elif dim in dims:
            out.append(f"COALESCE(CAST({prefix}{dim} AS VARCHAR), 'unknown') AS {dim}")
        else:
            out.append(f"NULL AS {dim}")
    return ", ".join(out)


def cube_sql(agg: Aggregate, first_month: int, last_month: int) -> str:
    """SELECT producing the cube of `agg` over months first_month..last_month."""
    source = SOURCES[agg.source]
    where = condition_sql(agg.where) if agg.where is not None else "TRUE"
    if agg.source == "persons" and agg.where is not None:
        # age_band of persons changes with time: it is computed per month, not stored.
        where = where.replace('"age_band"', "band(f.birth_date, month_end(m.month))")
    if agg.func == "count":
        weight, entity = "1", "NULL"
    elif agg.func == "sum":
        weight, entity = f'f."{agg.field}"', "NULL"
    else:
        weight, entity = "1", f'CAST(f."{agg.field}" AS VARCHAR)'
    dims = _dim_columns(agg.source)
    if source.kind == STOCK:
        frm = (f"f_{agg.source} f JOIN months m ON m.month BETWEEN f.start_m AND f.end_m")
        month, span = "m.month", "1"
        extra = " AND (f.birth_date IS NULL OR f.birth_date <= month_end(m.month))" \
            if agg.source == "persons" else ""
    elif source.kind == SPAN:
        frm = f"(SELECT *, {SPAN_COLUMNS} FROM f_{agg.source}) f"
        month, span, extra = "f.month", "f.span", ""
    else:
        frm = f"f_{agg.source} f"
        month, span, extra = "f.month", "1", ""
    # A value spanning several months (a year's budget) counts while any of its months is in
    # the range: the current year's figure is shown before December.
    in_range = (f"{month} >= {first_month} AND {month} - {span} + 1 <= {last_month}"
                if source.kind == SPAN else f"{month} BETWEEN {first_month} AND {last_month}")
    base = (f"SELECT f.unit_id, {month} AS month, {span} AS span, {dims}, "
            f"{{programme}} AS programme, {entity} AS entity, {weight} AS w "
            f"FROM {frm}{{join}} WHERE ({where}){extra} AND {in_range}")
    parts = [base.format(programme="'*'", join="")]
    if "programme" in source.dims:
        if agg.source in ("compliance", "enrolments"):
            parts.append(base.format(programme="f.programme", join=""))
        else:
            at = "m.month" if source.kind == STOCK else "f.month"
            parts.append(base.format(
                programme="ep.programme",
                join=(f" JOIN enrolment_months ep ON ep.household_id = f.household_id "
                      f"AND {at} BETWEEN ep.start_m AND ep.end_m")))
    union = " UNION ALL ".join(parts)
    group = "unit_id, month, span, sex, age_band, area, ethnicity, programme, entity"
    return f"SELECT {group}, SUM(w) AS v FROM ({union}) GROUP BY {group}"


ENROLMENT_MONTHS = """
    SELECT DISTINCT household_id, programme, mi(start_on) AS start_m,
           COALESCE(mi(end_on), 99999) AS end_m
    FROM enrolments"""


# Population estimates may exist at several levels (a municipality's own figure and its
# communities'). A territory's population is its own estimate when it has one, else the sum of
# its children's (recursively): an estimate counts for an ancestor only when no unit between
# them has an estimate of the same year. `population_shadow` holds, per estimated unit and
# year, the depth of its deepest estimated ancestor.
POPULATION_SHADOW = """
    WITH est AS (SELECT DISTINCT unit_id, year FROM population)
    SELECT e.unit_id, e.year, MAX(u.depth) AS shadow
    FROM est e JOIN unit_ancestor a ON a.unit_id = e.unit_id AND a.ancestor_id <> e.unit_id
    JOIN est e2 ON e2.unit_id = a.ancestor_id AND e2.year = e.year
    JOIN units u ON u.id = a.ancestor_id
    GROUP BY ALL"""
SHADOW_JOIN = ("LEFT JOIN population_shadow s ON s.unit_id = c.unit_id AND s.year = c.month // 12 "
               "JOIN units anc ON anc.id = a.ancestor_id ")
NOT_SHADOWED = "(s.shadow IS NULL OR s.shadow < anc.depth)"


def period_join(kind: str) -> str:
    """How a cube row `c` falls in a period `p` (columns start_m, end_m, stock_m)."""
    if kind == STOCK:
        return "c.month = p.stock_m"
    if kind == SPAN:
        return "c.month - c.span + 1 >= p.start_m AND c.month <= p.end_m"
    assert kind == EVENT
    return "c.month BETWEEN p.start_m AND p.end_m"


def rollup_sql(*, cube: str, agg: Aggregate, dim: str, unit_filter: str = "TRUE",
               period_filter: str = "TRUE", filters: str = "TRUE", programme: str = "'*'") -> str:
    """Values of one aggregate per ancestor unit and period (and `dim` value): SELECT unit_id,
    ptype, period, dim_value, v."""
    value = ("CAST(COUNT(DISTINCT c.entity) AS DOUBLE)" if agg.func == "count_distinct"
             else "CAST(SUM(c.v) AS DOUBLE)")
    dim_value = f"c.{dim}" if dim else "''"
    if dim == "programme":
        prog = "c.programme <> '*'"
    else:
        prog = f"c.programme = {programme}"
    shadow = ""
    if agg.source == "population":
        shadow = f" AND {NOT_SHADOWED}"
    return (f"SELECT a.ancestor_id AS unit_id, p.ptype, p.period, {dim_value} AS dim_value, "
            f"{value} AS v FROM {cube} c JOIN unit_ancestor a ON a.unit_id = c.unit_id "
            f"JOIN periods p ON {period_join(SOURCES[agg.source].kind)} "
            f"{SHADOW_JOIN if shadow else ''}"
            f"WHERE {prog} AND ({unit_filter}) AND ({period_filter}) AND ({filters}){shadow} "
            f"GROUP BY ALL")


def rollup_all_sql(*, cube: str, agg: Aggregate, dims: list[str]) -> str:
    """Totals and every disaggregation but `programme` of one aggregate in one pass (GROUPING
    SETS): SELECT unit_id, ptype, period, dim, dim_value, v."""
    value = ("CAST(COUNT(DISTINCT c.entity) AS DOUBLE)" if agg.func == "count_distinct"
             else "CAST(SUM(c.v) AS DOUBLE)")
    dims = [d for d in dims if d and d != "programme"]
    keys = "a.ancestor_id, p.ptype, p.period"
    sets = ", ".join([f"({keys})"] + [f"({keys}, c.{d})" for d in dims])
    dim_case = " ".join(f"WHEN GROUPING(c.{d}) = 0 THEN '{d}'" for d in dims)
    value_case = " ".join(f"WHEN GROUPING(c.{d}) = 0 THEN c.{d}" for d in dims)
    dim_sql = f"CASE {dim_case} ELSE '' END" if dims else "''"
    value_sql = f"COALESCE(CASE {value_case} END, '')" if dims else "''"
    return (f"SELECT a.ancestor_id AS unit_id, p.ptype, p.period, {dim_sql} AS dim, "
            f"{value_sql} AS dim_value, {value} AS v FROM {cube} c "
            f"JOIN unit_ancestor a ON a.unit_id = c.unit_id "
            f"JOIN periods p ON {period_join(SOURCES[agg.source].kind)} "
            f"{SHADOW_JOIN if agg.source == 'population' else ''}"
            f"WHERE c.programme = '*'"
            f"{' AND ' + NOT_SHADOWED if agg.source == 'population' else ''} "
            f"GROUP BY GROUPING SETS ({sets})")
