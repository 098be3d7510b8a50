"""Stock cubes by running sums equal the month-by-month expansion they replaced.

`expanded_cube_sql` below is the engine's former SQL for stock sources (every record joined to
every month of the window, persons' age band recomputed per month), kept here as the
reference. Both are run over the same extract and must give the same rows and values:
first over a synthetic extract with a person born on every day of the years whose births cross
a band bound in the window (every bound is crossed in every possible way, including 29 February
and month ends), registrations before birth, merged duplicates, people without a birth date or a
household, overlapping and ended enrolments, workers leaving and population estimates of zero;
then through the whole engine over records made by the app (births crossing bands, an enrolment
that ended, a household that moved, a merged duplicate).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import duckdb
import pytest
from django.utils import timezone

from crecer.indicators import cubes, engine, extract, periods
from crecer.indicators.expression import Aggregate, aggregates, condition_sql
from crecer.indicators.models import Indicator
from crecer.indicators.sources import DIMENSIONS, SOURCES, STOCK

FIRST = 2023 * 12 + 3  # April 2023
LAST = 2026 * 12 + 2  # March 2026


# ---- the reference: the former month expansion ---------------------------------------------

def _expanded_dims(source: str) -> str:
    out = []
    for dim in DIMENSIONS:
        if dim == "programme":
            continue
        if dim == "age_band" and source == "persons":
            out.append(f"band(f.birth_date, month_end(m.month)) AS {dim}")
        elif dim in SOURCES[source].dims:
            out.append(f"COALESCE(CAST(f.{dim} AS VARCHAR), 'unknown') AS {dim}")
        else:
            out.append(f"NULL AS {dim}")
    return ", ".join(out)


def expanded_cube_sql(agg: Aggregate, first_month: int, last_month: int) -> str:
    """The cube of a stock aggregate, one row per record and month (the former engine SQL)."""
    assert SOURCES[agg.source].kind == STOCK
    where = condition_sql(agg.where) if agg.where is not None else "TRUE"
    if agg.source == "persons" and agg.where is not None:
        where = where.replace('"age_band"', "band(f.birth_date, month_end(m.month))")
    if agg.func == "count":
        weight, entity = "1", "NULL"
    elif agg.func == "sum":
        weight, entity = f'f."{agg.field}"', "NULL"
    else:
        weight, entity = "1", f'CAST(f."{agg.field}" AS VARCHAR)'
    extra = (" AND (f.birth_date IS NULL OR f.birth_date <= month_end(m.month))"
             if agg.source == "persons" else "")
    base = (f"SELECT f.unit_id, m.month AS month, 1 AS span, {_expanded_dims(agg.source)}, "
            f"{{programme}} AS programme, {entity} AS entity, {weight} AS w "
            f"FROM f_{agg.source} f JOIN months m ON m.month BETWEEN f.start_m AND f.end_m"
            f"{{join}} WHERE ({where}){extra} "
            f"AND m.month BETWEEN {first_month} AND {last_month}")
    parts = [base.format(programme="'*'", join="")]
    if "programme" in SOURCES[agg.source].dims:
        if agg.source == "enrolments":
            parts.append(base.format(programme="f.programme", join=""))
        else:
            parts.append(base.format(
                programme="ep.programme",
                join=(" JOIN enrolment_months ep ON ep.household_id = f.household_id "
                      "AND m.month BETWEEN ep.start_m AND ep.end_m")))
    group = "unit_id, month, span, sex, age_band, area, ethnicity, programme, entity"
    return (f"SELECT {group}, SUM(w) AS v FROM ({' UNION ALL '.join(parts)}) "
            f"GROUP BY {group}")


EXPRESSIONS = [
    "count(persons)",
    "count(persons where child and sex = 'F')",
    "count(persons where age_band in ('0-11m', '12-23m', '24-35m'))",
    "count(persons where age_band = '3y' or (caregiver and age_band != '18-49y'))",
    "count(persons where not pregnant and age_band in ('4y', '5y', '6y', '7-17y', '50+y'))",
    "count_distinct(persons.household_id where age_band in ('5y', '6y', 'unknown'))",
    "count(households)",
    "count(households where poverty_level = 'extreme')",
    "count(enrolments where has_volunteer)",
    "count_distinct(enrolments.household_id)",
    "count_distinct(enrolments.volunteer_id where programme = 'cm')",
    "count(workers where kind = 'volunteer')",
    "count_distinct(workers.worker_id)",
    "count(completions where certified)",
    "sum(population.value)",
    "sum(population.value where age_band in ('0-11m', '12-23m') and sex = 'F')",
]


def _aggregate(text: str) -> Aggregate:
    (agg,) = aggregates(engine._checked(text))
    return agg


def _rows(con, sql: str) -> Counter:
    return Counter(con.execute(sql).fetchall())


def _assert_same_cube(con, agg: Aggregate, first: int, last: int) -> int:
    new = _rows(con, cubes.cube_sql(agg, first, last))
    old = _rows(con, expanded_cube_sql(agg, first, last))
    assert new == old, (agg.key, (new - old).most_common(5), (old - new).most_common(5))
    return len(old)


# ---- a synthetic extract -----------------------------------------------------------------------

SYNTHETIC = [
    # One person born on each day from 2015 to mid-2026 (past the window's end) and of the years
    # whose births turn 18 or 50 in the window (one day in five otherwise), registered on a
    # pseudo-random day from 2021 to mid-2026 (some before they were born), 1 in 20 merged,
    # 1 in 50 without a household (then the person's own territory counts), some households
    # missing from the extract.
    """INSERT INTO persons
       SELECT 'p' || i, CASE WHEN hash(i) % 50 = 0 THEN NULL ELSE 'h' || hash(i * 3) % 420 END,
              1 + hash(i * 5) % 6, CASE hash(i * 7) % 3 WHEN 0 THEN 'F' WHEN 1 THEN 'M' END,
              d, CASE hash(i * 11) % 3 WHEN 0 THEN '' WHEN 1 THEN 'lenca' ELSE 'garifuna' END,
              hash(i * 13) % 9 = 0, hash(i * 17) % 2 = 0, hash(i * 19) % 3 = 0,
              hash(i * 23) % 4 = 0, hash(i * 29) % 2 = 0, hash(i * 31) % 11 = 0,
              DATE '2021-01-01' + CAST(hash(i * 37) % 1977 AS INTEGER), hash(i * 41) % 20 = 0
       FROM (SELECT CAST(d AS DATE) AS d, row_number() OVER (ORDER BY d) AS i
             FROM range(DATE '1972-01-01', DATE '2026-07-01', INTERVAL 1 DAY) t(d)
             WHERE year(d) >= 2015 OR year(d) BETWEEN 1972 AND 1976
                OR year(d) BETWEEN 2004 AND 2008 OR dayofyear(d) % 5 = 0)""",
    # People without a birth date.
    """INSERT INTO persons
       SELECT 'q' || i, 'h' || i % 400, 1, 'F', NULL, '', FALSE, FALSE, FALSE, i % 2 = 0,
              FALSE, FALSE, DATE '2022-06-15' + CAST(i * 9 AS INTEGER), i % 7 = 0
       FROM range(200) t(i)""",
    """INSERT INTO households
       SELECT 'h' || i, 1 + hash(i) % 6,
              CASE hash(i * 3) % 3 WHEN 0 THEN 'rural' WHEN 1 THEN 'urban' END,
              CASE hash(i * 5) % 3 WHEN 0 THEN 'extreme' WHEN 1 THEN 'poor' ELSE 'not_poor' END,
              DATE '2022-01-01' + CAST(hash(i * 7) % 1600 AS INTEGER)
       FROM range(400) t(i)""",
    # Enrolments in two programmes: some ended, some overlapping in the same programme.
    """INSERT INTO enrolments
       SELECT 'e' || i, CASE WHEN hash(i) % 2 = 0 THEN 'cm' ELSE 'jt' END,
              'h' || hash(i * 3) % 400, NULL,
              CASE WHEN hash(i * 5) % 3 = 0 THEN NULL ELSE CAST(hash(i * 7) % 12 AS INTEGER) END,
              s, CASE WHEN hash(i * 11) % 3 = 0 THEN NULL
                      ELSE s + CAST(hash(i * 13) % 900 AS INTEGER) END, 'active'
       FROM (SELECT i, DATE '2021-06-01' + CAST(hash(i * 17) % 1750 AS INTEGER) AS s
             FROM range(700) t(i))""",
    """INSERT INTO workers
       SELECT 'w' || i, 1 + i % 6, CASE WHEN i % 4 = 0 THEN 'facilitator' ELSE 'volunteer' END,
              s, CASE WHEN i % 3 = 0 THEN s + CAST(hash(i) % 800 AS INTEGER) END, '', 'none',
              FALSE, ''
       FROM (SELECT i, DATE '2021-01-01' + CAST(hash(i * 3) % 1900 AS INTEGER) AS s
             FROM range(150) t(i))""",
    """INSERT INTO completions
       SELECT 'k' || i, 'w' || i, 'volunteer', 1 + i % 6, 'pi',
              DATE '2022-01-01' + CAST(hash(i) % 1500 AS INTEGER), i % 2 = 0,
              CASE WHEN i % 5 = 0 THEN DATE '2025-02-10' END
       FROM range(80) t(i)""",
    """INSERT INTO population
       SELECT u, y, s, b, CAST(hash(u * 1000 + y + length(b)) % 40 AS DOUBLE)
       FROM range(1, 7) t(u), range(2022, 2027) t2(y), (VALUES ('F'), ('M')) t3(s),
            (VALUES ('0-11m'), ('12-23m'), ('3y'), ('18-49y')) t4(b)""",
]


@pytest.fixture
def synthetic():
    con = duckdb.connect()
    extract._ensure(con, extract._tables())
    for sql in SYNTHETIC:
        con.execute(sql)
    con.execute(f"CREATE TABLE months AS SELECT CAST(range AS INTEGER) AS month "
                f"FROM range({FIRST}, {LAST + 1})")
    cubes.create_fact_views(con)
    con.execute(f"CREATE TEMP TABLE enrolment_months AS {cubes.ENROLMENT_MONTHS}")
    yield con
    con.close()


def test_running_sums_equal_the_month_expansion(synthetic):
    con = synthetic
    for text in EXPRESSIONS:
        assert _assert_same_cube(con, _aggregate(text), FIRST, LAST) > 0, text
    # The data does cross every band bound inside the window, and the cube of all persons by
    # band differs from month to month.
    crossings = con.execute(f"""
        SELECT COUNT(DISTINCT band(birth_date, month_end({FIRST})) || '>'
                              || band(birth_date, month_end({LAST})))
        FROM persons WHERE birth_date < month_end({FIRST})""").fetchone()[0]
    assert crossings >= 10


def test_running_sums_on_a_window_that_cuts_records(synthetic):
    """A narrower window (records starting before it and ending inside or after it)."""
    for text in ("count(persons where age_band in ('12-23m', '3y'))",
                 "count(enrolments)", "count(workers)"):
        _assert_same_cube(synthetic, _aggregate(text), FIRST + 14, FIRST + 20)


def test_a_person_s_segments_follow_the_band_at_each_month_end(synthetic):
    """Segments of every person cover exactly the months she counts, each with her band."""
    con = synthetic
    by_segments = _rows(con, f"""
        SELECT id, CAST(unnest(range(s, e + 1)) AS INTEGER) AS month, age_band
        FROM ({cubes.segments_sql('persons', FIRST, LAST)})""")
    by_months = _rows(con, """
        SELECT f.id, m.month, band(f.birth_date, month_end(m.month))
        FROM f_persons f JOIN months m ON m.month BETWEEN f.start_m AND f.end_m
        WHERE f.birth_date IS NULL OR f.birth_date <= month_end(m.month)""")
    assert by_segments == by_months
    assert max(by_segments.values()) == 1  # no month counted twice


# ---- through the engine, over records made by the app -----------------------------------------

def test_engine_cubes_equal_the_month_expansion(tree, users, family):
    from crecer.dedup import actions as dedup_actions
    from crecer.programmes.models import Enrolment, Programme
    from crecer.registry import actions
    from crecer.registry.models import Person

    officer, officer_b = users["municipal_officer"], users["municipal_officer_b"]
    today = timezone.localdate()
    three_years_ago = timezone.now() - dt.timedelta(days=3 * 366)

    def born(years=0, months=0, days=0):
        return (today - dt.timedelta(days=int(years * 365.25 + months * 30.44 + days))).isoformat()

    hh2 = actions.create_household(actor=officer, territory=tree.comm_a1b,
                                   data={"code": "H-2", "area": "urban"})
    hh3 = actions.create_household(actor=officer_b, territory=tree.comm_b1,
                                   data={"code": "H-3", "area": "rural"})
    people = [(hh2, "F", born(months=14), ["child"]), (hh2, "M", born(years=2, months=5),
                                                       ["child"]),
              (hh2, "F", born(years=3, days=40), ["child"]), (hh3, "M", born(years=4, days=3),
                                                               ["child"]),
              (hh3, "F", born(years=6, months=8), ["child"]), (hh3, "F", born(years=17, days=80),
                                                                ["caregiver"]),
              (hh3, "M", born(years=49, months=6), ["caregiver"]),
              (hh2, "F", born(months=1), ["child"])]
    made = [actions.register_person(actor=officer if hh is hh2 else officer_b, household=hh,
                                    roles=roles, data={"given_names": f"N{i}",
                                                       "first_surname": "X", "sex": sex,
                                                       "birth_date": birth})
            for i, (hh, sex, birth, roles) in enumerate(people)]
    # Registered three years ago (so that their bands change inside the window), except the
    # newborn.
    Person.objects.filter(pk__in=[p.pk for p in made[:-1]] + [family["child"].pk,
                                                              family["mother"].pk]
                          ).update(created_at=three_years_ago)
    cm = Programme.objects.create(code="cm", name="CM", kind="home_visits")
    jt = Programme.objects.create(code="jt", name="JT", kind="cash_transfer")
    two_years_ago = today - dt.timedelta(days=730)
    Enrolment.objects.create(programme=cm, household=hh2, start=two_years_ago,
                             end=today - dt.timedelta(days=200), status="exited",
                             volunteer=users["volunteer"])
    Enrolment.objects.create(programme=cm, household=hh2, start=today - dt.timedelta(days=100))
    Enrolment.objects.create(programme=jt, household=hh3, start=two_years_ago)
    Enrolment.objects.create(programme=jt, household=family["household"],
                             start=today - dt.timedelta(days=400), volunteer=users["volunteer"])
    # A household moves to another municipality; a duplicate is merged.
    actions.update_household(actor=users["admin"], household=hh3, data={},
                             territory=tree.comm_a2)
    dup = actions.register_person(actor=officer, household=family["household"], roles=["child"],
                                  data={"given_names": "Luis Angel", "first_surname": "Hernandez",
                                        "sex": "M", "birth_date": "2024-07-02"})
    dedup_actions.merge_persons(actor=users["data_officer"], survivor=family["child"], merged=dup)
    texts = ["count(persons)", "count(persons where child)",
             "count(persons where age_band in ('12-23m', '24-35m', '3y'))",
             "count_distinct(persons.household_id where age_band = '4y' or caregiver)",
             "count(households)", "count(enrolments)",
             "count_distinct(enrolments.volunteer_id)"]
    for i, text in enumerate(texts):
        Indicator.objects.create(code=f"i{i}", name="i", definition="i", results_chain="output",
                                 numerator=text)
    engine.refresh(full=True)

    con = duckdb.connect(str(engine.current_results()), read_only=True)
    try:
        con.execute(f"ATTACH '{engine.analytics_dir() / 'extract.duckdb'}' AS x (READ_ONLY)")
        con.execute("SET search_path = 'main,x.main'")
        cubes.create_fact_views(con)
        con.execute(f"CREATE TEMP TABLE enrolment_months AS {cubes.ENROLMENT_MONTHS}")
        last = periods.month_index(today)
        first = last - engine.months_kept() + 1
        keys = dict(con.execute("SELECT key, term FROM term").fetchall())
        compared = 0
        for text in texts:
            agg = _aggregate(text)
            stored = _rows(con, f"SELECT * FROM cube_{keys[agg.key]}")
            assert stored == _rows(con, expanded_cube_sql(agg, first, last)), text
            compared += sum(stored.values())
        assert compared > 100
        # Bands do change inside the window.
        persons = f"cube_{keys[_aggregate(texts[0]).key]}"
        assert con.execute(f"SELECT COUNT(DISTINCT age_band) FROM {persons}").fetchone()[0] >= 8
    finally:
        con.close()
