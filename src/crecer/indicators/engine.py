"""The indicator engine: refresh the extract, compute every active indicator for every territory
and period (with disaggregations) in DuckDB, and swap the results in atomically.

    refresh(full=False)   called by `crecer indicators refresh [--full]` and the background task
    freeze(approval)      keep the values of an approved territory's period
    release(approval)     undo it

Files (in settings.CRECER_ANALYTICS_DIR, default DATA_DIR/analytics):
    extract.duckdb        the de-identified extract; only the refresher opens it (under a lock)
    results-<stamp>.duckdb each refresh writes a new one; CURRENT names the one pages read
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import duckdb
import pyarrow as pa
from django.conf import settings

from . import cubes, extract, periods
from .expression import Aggregate, aggregates, arithmetic_sql, check
from .sources import DIMENSIONS, SOURCES, STOCK

Progress = Callable[[str], None] | None


def analytics_dir() -> Path:
    path = Path(getattr(settings, "CRECER_ANALYTICS_DIR", None) or settings.DATA_DIR / "analytics")
    path.mkdir(parents=True, exist_ok=True)
    return path


def connect_for_refresh(path: Path) -> duckdb.DuckDBPyConnection:
    """A connection for the refresher, with its memory bounded (CRECER_ANALYTICS_MEMORY_LIMIT):
    what does not fit spills to a temporary folder inside the analytics folder. Row order only
    matters where a query says ORDER BY."""
    spill = analytics_dir() / "tmp"
    spill.mkdir(exist_ok=True)
    return duckdb.connect(str(path), config={
        "memory_limit": str(getattr(settings, "CRECER_ANALYTICS_MEMORY_LIMIT", "4GB")),
        "temp_directory": str(spill),
        "preserve_insertion_order": False,
    })


def months_kept() -> int:
    return int(getattr(settings, "CRECER_INDICATOR_MONTHS", 36))


def current_results() -> Path | None:
    pointer = analytics_dir() / "CURRENT"
    if not pointer.exists():
        return None
    path = analytics_dir() / pointer.read_text().strip()
    return path if path.exists() else None


@contextmanager
def _lock():
    with open(analytics_dir() / "refresh.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass
class RefreshReport:
    full: bool
    seconds: float = 0.0
    rows_read: dict[str, int] = field(default_factory=dict)
    indicators: int = 0
    values: int = 0
    skipped: dict[str, str] = field(default_factory=dict)  # indicator code -> why
    timings: dict[str, float] = field(default_factory=dict)
    results_file: str = ""


@dataclass
class Compiled:
    """An indicator ready for SQL: its aggregates numbered as terms."""

    code: str
    factor: float
    numerator: object
    denominator: object | None
    dims: list[str]


def _known_codes(source: str, name: str) -> set[str] | None:
    return None  # codes from the database are checked when the indicator is saved


@lru_cache(maxsize=4096)
def _checked(text: str):
    """Parsed and checked expression (cached: pages compile the same ones again and again)."""
    return check(text, _known_codes)


def compile_indicators(indicators) -> tuple[list[Compiled], dict[str, Aggregate], dict[str, str]]:
    """Parse the active indicators; returns them, their distinct aggregates by key, and the
    ones that could not be parsed (code -> reason)."""
    compiled, terms, skipped = [], {}, {}
    for ind in indicators:
        try:
            num = _checked(ind.numerator)
            den = _checked(ind.denominator) if ind.denominator.strip() else None
        except ValueError as exc:
            skipped[ind.code] = str(exc)
            continue
        for agg in aggregates(num) + (aggregates(den) if den is not None else []):
            terms.setdefault(agg.key, agg)
        dims = [d for d in (ind.disaggregations or []) if d in DIMENSIONS]
        compiled.append(Compiled(ind.code, ind.factor, num, den, dims))
    return compiled, terms, skipped


def _periods_table(con, first: int, last: int) -> None:
    rows = []
    for kind in periods.PERIOD_TYPES:
        for p in periods.series(kind, first, last):
            rows.append((kind, p.code, p.start, p.end, min(p.end, last)))
    con.execute("CREATE OR REPLACE TABLE periods (ptype VARCHAR, period VARCHAR, "
                "start_m INTEGER, end_m INTEGER, stock_m INTEGER)")
    con.executemany("INSERT INTO periods VALUES (?, ?, ?, ?, ?)", rows)


def _term_dims(compiled: list[Compiled], terms: dict[str, Aggregate]) -> dict[str, set[str]]:
    """Which disaggregations each term must be computed for ('' = totals)."""
    need: dict[str, set[str]] = {key: {""} for key in terms}
    for ind in compiled:
        for agg in aggregates(ind.numerator) + (aggregates(ind.denominator)
                                                if ind.denominator is not None else []):
            supported = set(SOURCES[agg.source].dims)
            need[agg.key] |= {d for d in ind.dims if d in supported}
    return need


def term_column(ind_terms: dict[str, int]) -> Callable[[Aggregate], str]:
    """The pivoted column of a term: NULL where the term does not support the row's
    disaggregation, 0 where it does but has no records (NULL for values entered by hand: a
    territory that reported nothing has no value)."""
    def column(agg: Aggregate) -> str:
        n = ind_terms[agg.key]
        if SOURCES[agg.source].reported:
            return f"t{n}"  # nothing reported is no value, not zero
        supported = ", ".join(f"'{d}'" for d in ("", *SOURCES[agg.source].dims))
        return f"COALESCE(t{n}, CASE WHEN dim IN ({supported}) THEN 0 END)"
    return column


def indicator_sql(ind: Compiled, term_ids: dict[str, int], value_table: str,
                  keys_sql: str) -> str:
    """SELECT of the indicator's values from a table of term values (term, unit_id, ptype,
    period, dim, dim_value, v) over the rows of `keys_sql`."""
    used = aggregates(ind.numerator) + (aggregates(ind.denominator)
                                        if ind.denominator is not None else [])
    ids = {agg.key: term_ids[agg.key] for agg in used}
    pivots = ", ".join(f"MAX(CASE WHEN t.term = {n} THEN t.v END) AS t{n}"
                       for n in sorted(set(ids.values())))
    column = term_column(ids)
    num = arithmetic_sql(ind.numerator, column)
    den = arithmetic_sql(ind.denominator, column) if ind.denominator is not None else "NULL"
    if ind.denominator is not None:
        value = f"{float(ind.factor)!r} * numerator / NULLIF(denominator, 0)"
    else:
        value = f"{float(ind.factor)!r} * numerator"
    term_list = ", ".join(str(n) for n in sorted(set(ids.values())))
    dims = ", ".join(f"'{d}'" for d in ("", *ind.dims))
    return f"""
        WITH t AS (SELECT * FROM {value_table} WHERE term IN ({term_list}) AND dim IN ({dims})),
        k AS (SELECT DISTINCT unit_id, ptype, period, dim, dim_value FROM t
              UNION SELECT unit_id, ptype, period, dim, dim_value FROM ({keys_sql})),
        piv AS (SELECT k.unit_id, k.ptype, k.period, k.dim, k.dim_value, {pivots}
                FROM k LEFT JOIN t ON t.unit_id = k.unit_id AND t.ptype = k.ptype
                 AND t.period = k.period AND t.dim = k.dim AND t.dim_value = k.dim_value
                GROUP BY ALL),
        nd AS (SELECT *, {num} AS numerator, {den} AS denominator FROM piv)
        SELECT '{ind.code}' AS indicator, unit_id, ptype, period, dim, dim_value,
               numerator, denominator, {value} AS value, FALSE AS approved FROM nd"""


def refresh(*, full: bool = False, progress: Progress = None) -> RefreshReport:
    """Bring the extract up to date and recompute every indicator into a new results file."""
    from .models import FrozenValue, Indicator

    report = RefreshReport(full=full)
    started = time.perf_counter()
    say = progress or (lambda _msg: None)
    with _lock():
        folder = analytics_dir()
        stamp = f"{time.time_ns()}"
        results = folder / f"results-{stamp}.duckdb"
        con = connect_for_refresh(results)
        try:
            con.execute(f"ATTACH '{folder / 'extract.duckdb'}' AS x")
            con.execute("USE x")
            t0 = time.perf_counter()
            ext = extract.refresh(con, full=full, progress=say)
            report.rows_read = ext.rows_read
            report.timings["extract"] = time.perf_counter() - t0
        except Exception:
            con.close()
            results.unlink(missing_ok=True)
            raise
        try:
            _compute(con, results, report, say, Indicator, FrozenValue)
        finally:
            con.close()
        (folder / "CURRENT.tmp").write_text(results.name)
        os.replace(folder / "CURRENT.tmp", folder / "CURRENT")
        _prune(folder, keep=results.name)
    report.results_file = results.name
    report.seconds = time.perf_counter() - started
    say(f"indicators: {report.indicators} computed, {report.values:,} values in "
        f"{report.seconds:.1f} s")
    return report


def _prune(folder: Path, keep: str) -> None:
    """Delete result files older than the current and the previous one (readers may still
    hold the previous one open; on POSIX an open file survives its deletion)."""
    files = sorted(folder.glob("results-*.duckdb"), key=lambda p: p.stat().st_mtime)
    for old in files[:-2]:
        if old.name != keep:
            old.unlink(missing_ok=True)
            Path(str(old) + ".wal").unlink(missing_ok=True)


def _compute(con, results: Path, report: RefreshReport, say, Indicator, FrozenValue) -> None:
    started = time.perf_counter()
    main = results.stem
    con.execute(f"USE \"{main}\"")
    con.execute(f"SET search_path = '\"{main}\".main,x.main'")
    last = periods.month_index(date.today())
    first = last - months_kept() + 1
    t0 = time.perf_counter()
    con.execute("CREATE TABLE units AS SELECT * FROM x.units")
    con.execute("""CREATE TABLE unit_ancestor AS
        SELECT id AS unit_id, CAST(unnest(string_split(trim(path, '/'), '/')) AS INTEGER)
               AS ancestor_id FROM units""")
    con.execute(f"CREATE TABLE months AS SELECT CAST(range AS INTEGER) AS month "
                f"FROM range({first}, {last + 1})")
    cubes.create_fact_views(con)  # after `months`, which some facts read
    con.execute(f"CREATE TEMP TABLE enrolment_months AS {cubes.ENROLMENT_MONTHS}")
    con.execute(f"CREATE TABLE population_shadow AS {cubes.POPULATION_SHADOW}")
    _periods_table(con, first, last)
    compiled, terms, skipped = compile_indicators(Indicator.objects.filter(active=True))
    report.skipped = skipped
    term_ids = {key: n for n, key in enumerate(sorted(terms), start=1)}
    con.execute("CREATE TABLE term (term INTEGER, key VARCHAR, source VARCHAR, func VARCHAR)")
    if term_ids:
        con.executemany("INSERT INTO term VALUES (?, ?, ?, ?)",
                        [(n, key, terms[key].source, terms[key].func)
                         for key, n in term_ids.items()])
    con.execute("CREATE TABLE term_value (term INTEGER, unit_id INTEGER, ptype VARCHAR, "
                "period VARCHAR, dim VARCHAR, dim_value VARCHAR, v DOUBLE)")
    need = _term_dims(compiled, terms)
    # The segments of each stock source (records cut where a person changes age band) are
    # computed once and shared by the source's aggregates.
    segments = {}
    for source in sorted({agg.source for agg in terms.values()}):
        if SOURCES[source].kind == STOCK:
            segments[source] = f"segments_{source}"
            con.execute(f"CREATE TEMP TABLE segments_{source} AS "
                        f"{cubes.segments_sql(source, first, last)}")
    for key, n in term_ids.items():
        agg = terms[key]
        con.execute(f"CREATE TABLE cube_{n} AS "
                    f"{cubes.cube_sql(agg, first, last, segments.get(agg.source))}")
        con.execute(f"INSERT INTO term_value SELECT {n}, * FROM "
                    f"({cubes.rollup_all_sql(cube=f'cube_{n}', agg=agg, dims=sorted(need[key]))})")
        if "programme" in need[key]:
            sql = cubes.rollup_sql(cube=f"cube_{n}", agg=agg, dim="programme")
            con.execute(f"INSERT INTO term_value SELECT {n}, unit_id, ptype, period, "
                        f"'programme', dim_value, v FROM ({sql})")
    for table in segments.values():
        con.execute(f"DROP TABLE {table}")
    report.timings["cubes"] = time.perf_counter() - t0
    say(f"cubes: {len(term_ids)} aggregates")
    t0 = time.perf_counter()
    con.execute("CREATE TABLE indicator_value (indicator VARCHAR, unit_id INTEGER, "
                "ptype VARCHAR, period VARCHAR, dim VARCHAR, dim_value VARCHAR, "
                "numerator DOUBLE, denominator DOUBLE, value DOUBLE, approved BOOLEAN)")
    grid = ("SELECT u.id AS unit_id, p.ptype, p.period, '' AS dim, '' AS dim_value "
            "FROM units u, periods p WHERE u.kind = 'area'")
    for ind in compiled:
        con.execute("INSERT INTO indicator_value " + indicator_sql(ind, term_ids, "term_value",
                                                                   grid))
    report.indicators = len(compiled)
    _apply_frozen(con, FrozenValue)
    report.timings["indicators"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    _volunteer_month(con, first, last)
    report.timings["volunteers"] = time.perf_counter() - t0
    # Sorted by what pages ask for (a period, totals or one disaggregation, a few units), so
    # that DuckDB's min/max zone maps skip almost every row group of a lookup.
    con.execute("CREATE TABLE indicator_value_sorted AS SELECT * FROM indicator_value "
                "ORDER BY period, dim, unit_id, indicator")
    con.execute("DROP TABLE indicator_value")
    con.execute("ALTER TABLE indicator_value_sorted RENAME TO indicator_value")
    report.values, n_indicators = con.execute(
        "SELECT COUNT(*), COUNT(DISTINCT indicator) FROM indicator_value").fetchone()
    con.execute("CREATE TABLE meta (key VARCHAR, value VARCHAR)")
    con.executemany("INSERT INTO meta VALUES (?, ?)", [
        ("computed_at", time.strftime("%Y-%m-%dT%H:%M:%S%z")), ("first_month", str(first)),
        ("last_month", str(last)), ("full", str(report.full)), ("values", str(report.values)),
        ("indicators", str(n_indicators)), ("seconds", f"{time.perf_counter() - started:.2f}")])
    con.execute("CHECKPOINT")


def _apply_frozen(con, FrozenValue) -> None:
    rows = list(FrozenValue.objects.values_list(
        "indicator", "unit_id", "period", "dim", "dim_value", "numerator", "denominator", "value"))
    if not rows:
        return
    cols = list(zip(*rows, strict=True))
    names = ["indicator", "unit_id", "period", "dim", "dim_value", "numerator", "denominator",
             "value"]
    frozen = pa.table({n: pa.array(list(c)) for n, c in zip(names, cols, strict=True)})
    con.register("frozen", frozen)
    con.execute("""DELETE FROM indicator_value v USING frozen f
        WHERE v.indicator = f.indicator AND v.unit_id = f.unit_id AND v.period = f.period
          AND v.dim = f.dim AND v.dim_value = f.dim_value""")
    con.execute("""INSERT INTO indicator_value
        SELECT f.indicator, f.unit_id, p.ptype, f.period, f.dim, f.dim_value, f.numerator,
               f.denominator, f.value, TRUE
        FROM frozen f JOIN periods p ON p.period = f.period""")
    con.unregister("frozen")


def _volunteer_month(con, first: int, last: int) -> None:
    """Per volunteer, community and month: caseload and contacts (field-level figures)."""
    con.execute(f"""CREATE TABLE volunteer_month AS
        WITH c AS (SELECT volunteer_id, unit_id, month, COUNT(*) AS contacts,
                          COUNT(*) FILTER (WHERE kind = 'home_visit') AS home_visits,
                          COUNT(*) FILTER (WHERE remote AND reached) AS remote_reached,
                          COUNT(DISTINCT household_id) AS households_contacted
                   FROM f_contacts WHERE month BETWEEN {first} AND {last} GROUP BY ALL),
        e AS (SELECT f.volunteer_id, f.unit_id, m.month,
                     COUNT(DISTINCT f.household_id) AS caseload
              FROM f_enrolments f JOIN months m ON m.month BETWEEN f.start_m AND f.end_m
              WHERE f.volunteer_id IS NOT NULL GROUP BY ALL)
        SELECT COALESCE(c.volunteer_id, e.volunteer_id) AS volunteer_id,
               COALESCE(c.unit_id, e.unit_id) AS unit_id, COALESCE(c.month, e.month) AS month,
               COALESCE(e.caseload, 0) AS caseload, COALESCE(c.contacts, 0) AS contacts,
               COALESCE(c.home_visits, 0) AS home_visits,
               COALESCE(c.remote_reached, 0) AS remote_reached,
               COALESCE(c.households_contacted, 0) AS households_contacted
        FROM c FULL OUTER JOIN e ON c.volunteer_id = e.volunteer_id AND c.unit_id = e.unit_id
         AND c.month = e.month""")


# ---- approvals ----------------------------------------------------------------------------------

def freeze(approval) -> int:
    """Store the current values of the approved unit's subtree for the approved period, so that
    later refreshes keep them. Returns how many values were frozen."""
    from .models import FrozenValue
    from .queries import connect

    con = connect()
    if con is None:
        refresh()
        con = connect()
    unit_ids = [u for (u,) in con.execute(
        "SELECT id FROM units WHERE starts_with(path, ?)", [approval.unit.path]).fetchall()]
    if not unit_ids:
        return 0
    rows = con.execute(
        "SELECT indicator, unit_id, period, dim, dim_value, numerator, denominator, value "
        "FROM indicator_value WHERE period = ? AND unit_id IN (SELECT unnest(?)) "
        "AND NOT approved", [approval.period, unit_ids]).fetchall()
    FrozenValue.objects.bulk_create(
        [FrozenValue(approval_id=approval.pk, indicator=r[0], unit_id=r[1], period=r[2], dim=r[3],
                     dim_value=r[4], numerator=r[5], denominator=r[6], value=r[7])
         for r in rows], batch_size=2000)
    _schedule()
    return len(rows)


def release(approval) -> int:
    from .models import FrozenValue

    deleted, _ = FrozenValue.objects.filter(approval_id=approval.pk).delete()
    _schedule()
    return deleted


def _schedule() -> None:
    from .tasks import schedule_refresh

    schedule_refresh()
