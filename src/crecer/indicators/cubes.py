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
from .sources import AGE_BANDS, DIMENSIONS, EVENT, SOURCES, SPAN, STOCK

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
    for statement in SEGMENT_MACROS.split(";"):
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
            out.append(f"{prefix}age_band AS {dim}")  # the band of the segment (see below)
        elif dim in dims:
            out.append(f"COALESCE(CAST({prefix}{dim} AS VARCHAR), 'unknown') AS {dim}")
        else:
            out.append(f"NULL AS {dim}")
    return ", ".join(out)


# Stock sources are not expanded month by month. Each record becomes *segments*: month ranges
# [s, e] (clipped to the window) over which everything the cube groups by is constant. Only
# persons have more than one: their age band changes with time (evaluated at month end, see
# `band`), so a person has one segment per band she is in during the window. `band_from(b, k)`
# is the first month at whose end someone born on `b` is in band k or above: the band's lower
# bound in months (`BAND_MONTHS`) after the birth month (DuckDB's date_sub counts a month end
# as a complete month), else one month later; the band macro itself decides, so that segments
# and `band` cannot disagree.
BAND_MONTHS = (0, 12, 24, 36, 48, 60, 72, 84, 216, 600)  # lower bound of each of AGE_BANDS
SEGMENT_MACROS = f"""
CREATE OR REPLACE TEMP MACRO band_rank(x) AS
    COALESCE(list_position({list(AGE_BANDS)}, x) - 1, 0);
CREATE OR REPLACE TEMP MACRO band_from(b, k) AS
    mi(b) + {list(BAND_MONTHS)}[k + 1]
    + CASE WHEN band_rank(band(b, month_end(mi(b) + {list(BAND_MONTHS)}[k + 1]))) >= k
           THEN 0 ELSE 1 END;
"""


def segments_sql(source: str, first_month: int, last_month: int) -> str:
    """SELECT of the segments of a stock source: its fact columns (for persons, `age_band` is
    the band during the segment) plus `s`, `e`, the first and last month, within the window."""
    if source != "persons":
        return (f"SELECT * FROM (SELECT f.*, greatest(f.start_m, {first_month}) AS s, "
                f"least(f.end_m, {last_month}) AS e FROM f_{source} f) WHERE s <= e")
    # A person counts from the month she is registered or born (whichever is later).
    window = (f"SELECT f.*, greatest(f.start_m, COALESCE(mi(f.birth_date), f.start_m), "
              f"{first_month}) AS lo, least(f.end_m, {last_month}) AS hi FROM f_persons f")
    ranks = ("SELECT *, CASE WHEN birth_date IS NULL THEN 0 "
             "ELSE band_rank(band(birth_date, month_end(lo))) END AS k0, "
             "CASE WHEN birth_date IS NULL THEN 0 "
             "ELSE band_rank(band(birth_date, month_end(hi))) END AS k1 "
             f"FROM ({window}) WHERE lo <= hi")
    per_band = f"SELECT *, CAST(unnest(range(k0, k1 + 1)) AS INTEGER) AS k FROM ({ranks})"
    return (f"SELECT * EXCLUDE (lo, hi, k0, k1, k) FROM ("
            f"SELECT *, CASE WHEN birth_date IS NULL THEN 'unknown' "
            f"ELSE {list(AGE_BANDS)}[k + 1] END AS age_band, "
            f"CASE WHEN k = k0 THEN lo ELSE band_from(birth_date, k) END AS s, "
            f"CASE WHEN k = k1 THEN hi ELSE band_from(birth_date, k + 1) - 1 END AS e "
            f"FROM ({per_band})) WHERE s <= e")


def _stock_cube_sql(agg: Aggregate, first_month: int, last_month: int, where: str,
                    weight: str, entity: str, segments: str | None) -> str:
    """Cube of a stock source by running sums: each segment adds its weight in its first month
    and takes it back after its last; a window SUM over the months of each group gives the
    month-end stock, which holds until the group's next change. `n` counts the records present
    so that a group shows exactly in the months it has records (as the month expansion did)."""
    source = SOURCES[agg.source]
    segments = segments or f"({segments_sql(agg.source, first_month, last_month)})"
    seg = f"(SELECT * FROM {segments} WHERE {where})"
    cols = f"f.unit_id, {_dim_columns(agg.source)}"
    parts = [f"SELECT {cols}, '*' AS programme, {entity} AS entity, {weight} AS w, f.s, f.e "
             f"FROM {seg} f"]
    if "programme" in source.dims:
        if agg.source == "enrolments":
            parts.append(f"SELECT {cols}, f.programme, {entity} AS entity, {weight} AS w, "
                         f"f.s, f.e FROM {seg} f")
        else:
            # The months of the segment that the household is enrolled (one segment per
            # enrolment interval: two overlapping enrolments count twice, as before).
            parts.append(
                f"SELECT * FROM (SELECT {cols}, ep.programme, {entity} AS entity, {weight} AS w, "
                f"greatest(f.s, ep.start_m) AS s, least(f.e, ep.end_m) AS e FROM {seg} f "
                f"JOIN enrolment_months ep ON ep.household_id = f.household_id "
                f"AND ep.start_m <= f.e AND ep.end_m >= f.s) WHERE s <= e")
    keys = "unit_id, sex, age_band, area, ethnicity, programme, entity"
    union = " UNION ALL ".join(parts)
    events = (f"SELECT {keys}, s AS month, w AS dw, 1 AS dn FROM segs UNION ALL "
              f"SELECT {keys}, e + 1 AS month, -w AS dw, -1 AS dn FROM segs "
              f"WHERE e < {last_month}")
    return (f"WITH segs AS ({union}), "
            f"changes AS (SELECT {keys}, month, SUM(dw) AS dw, SUM(dn) AS dn "
            f"FROM ({events}) GROUP BY ALL), "
            f"running AS (SELECT {keys}, month, SUM(dw) OVER g AS v, SUM(dn) OVER g AS n, "
            f"LEAD(month, 1, {last_month + 1}) OVER g AS next_month FROM changes "
            f"WINDOW g AS (PARTITION BY {keys} ORDER BY month "
            f"ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)) "
            f"SELECT unit_id, CAST(unnest(range(month, next_month)) AS INTEGER) AS month, "
            f"1 AS span, sex, age_band, area, ethnicity, programme, entity, v "
            f"FROM running WHERE n > 0")


def cube_sql(agg: Aggregate, first_month: int, last_month: int,
             segments: str | None = None) -> str:
    """SELECT producing the cube of `agg` over months first_month..last_month. For a stock
    source, `segments` may name a table holding its `segments_sql` (computed once for all the
    aggregates of the source)."""
    source = SOURCES[agg.source]
    where = condition_sql(agg.where) if agg.where is not None else "TRUE"
    if agg.func == "count":
        weight, entity = "1", "NULL"
    elif agg.func == "sum":
        weight, entity = f'f."{agg.field}"', "NULL"
    else:
        weight, entity = "1", f'CAST(f."{agg.field}" AS VARCHAR)'
    if source.kind == STOCK:
        return _stock_cube_sql(agg, first_month, last_month, where, weight, entity, segments)
    dims = _dim_columns(agg.source)
    if source.kind == SPAN:
        frm = f"(SELECT *, {SPAN_COLUMNS} FROM f_{agg.source}) f"
        month, span = "f.month", "f.span"
    else:
        frm = f"f_{agg.source} f"
        month, span = "f.month", "1"
    # A value spanning several months (a year's budget) counts while any of its months is in
    # the range: the current year's figure is shown before December.
    in_range = (f"{month} >= {first_month} AND {month} - {span} + 1 <= {last_month}"
                if source.kind == SPAN else f"{month} BETWEEN {first_month} AND {last_month}")
    base = (f"SELECT f.unit_id, {month} AS month, {span} AS span, {dims}, "
            f"{{programme}} AS programme, {entity} AS entity, {weight} AS w "
            f"FROM {frm}{{join}} WHERE ({where}) AND {in_range}")
    parts = [base.format(programme="'*'", join="")]
    if "programme" in source.dims:
        if agg.source == "compliance":
            parts.append(base.format(programme="f.programme", join=""))
        else:
            parts.append(base.format(
                programme="ep.programme",
                join=(" JOIN enrolment_months ep ON ep.household_id = f.household_id "
                      "AND f.month BETWEEN ep.start_m AND ep.end_m")))
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
