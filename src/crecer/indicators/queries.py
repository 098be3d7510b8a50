"""Reading indicator values from the engine's current results (aggregates only).

Every function here returns aggregates: counts, sums and ratios per territory and period, never
a personal record. Callers restrict `unit_ids` to the user's scope
(`crecer.accounts.scope.units_for`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb

from . import cubes, periods
from .engine import compile_indicators, current_results, indicator_sql
from .expression import aggregates
from .sources import DIMENSIONS, SOURCES

_local = threading.local()


def connect() -> duckdb.DuckDBPyConnection | None:
    """A read-only connection to the current results (one per thread, reopened after each
    refresh); None before the first refresh."""
    path = current_results()
    if path is None:
        return None
    cached: tuple[Path, duckdb.DuckDBPyConnection] | None = getattr(_local, "con", None)
    if cached and cached[0] == path:
        return cached[1]
    if cached:
        cached[1].close()
    con = duckdb.connect(str(path), read_only=True)
    _local.con = (path, con)
    return con


@dataclass(frozen=True)
class Value:
    indicator: str
    unit_id: int
    period: str
    dim: str
    dim_value: str
    numerator: float | None
    denominator: float | None
    value: float | None
    approved: bool


def _rows_to_values(rows) -> list[Value]:
    return [Value(*r) for r in rows]


def _clean_filters(filters: dict | None) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for dim, wanted in (filters or {}).items():
        if dim not in DIMENSIONS or wanted in (None, "", []):
            continue
        values = [wanted] if isinstance(wanted, str) else list(wanted)
        out[dim] = [str(v) for v in values if str(v)]
    return {d: v for d, v in out.items() if v}


def values(*, indicators: list[str] | None = None, unit_ids: list[int], periods: list[str],
           dim: str = "", filters: dict | None = None) -> list[Value]:
    """Values of `indicators` (all active when None) for the units and periods. `dim` "" gives
    totals, a dimension gives one row per value of it. `filters` restricts to a sub-population
    ({"sex": ["F"], "area": ["rural"], "age_band": [...], "programme": ["juntos"]}) and is
    computed on demand from the cubes."""
    con = connect()
    if con is None or not unit_ids or not periods:
        return []
    if dim and dim not in DIMENSIONS:
        raise ValueError(f"unknown disaggregation '{dim}'")
    filters = _clean_filters(filters)
    if filters:
        return _filtered(con, indicators, unit_ids, periods, dim, filters)
    # Literal IN lists (not subqueries) so that the filters reach the scan and its zone maps.
    units, codes = [int(u) for u in unit_ids], [str(p) for p in periods]
    sql = (f"SELECT indicator, unit_id, period, dim, dim_value, numerator, denominator, value, "
           f"approved FROM indicator_value WHERE period IN ({_marks(codes)}) AND dim = ? "
           f"AND unit_id IN ({_marks(units)})")
    params: list = [*codes, dim, *units]
    if indicators is not None:
        if not indicators:
            return []
        sql += f" AND indicator IN ({_marks(indicators)})"
        params.extend(indicators)
    return _rows_to_values(con.execute(sql + " ORDER BY indicator, unit_id, period, dim_value",
                                       params).fetchall())


def _marks(items) -> str:
    return ", ".join("?" for _ in items)


def _filter_sql(source: str, filters: dict[str, list[str]]) -> str | None:
    """SQL over cube rows `c` for the filters; None when the source cannot honour one of them
    (its values are then unknown for the sub-population)."""
    parts = []
    for dim, wanted in filters.items():
        if dim == "programme":
            continue
        if dim not in SOURCES[source].dims:
            return None
        quoted = ", ".join("'" + v.replace("'", "''") + "'" for v in wanted)
        parts.append(f"c.{dim} IN ({quoted})")
    return " AND ".join(parts) or "TRUE"


def _filtered(con, indicator_codes, unit_ids, period_codes, dim, filters) -> list[Value]:
    from .models import Indicator

    qs = Indicator.objects.filter(active=True)
    if indicator_codes is not None:
        qs = qs.filter(code__in=indicator_codes)
    compiled, terms, _skipped = compile_indicators(qs)
    known = dict(con.execute("SELECT key, term FROM term").fetchall())
    programme = filters.get("programme")
    units = ", ".join(str(int(u)) for u in unit_ids)
    wanted_periods = ", ".join("'" + periods.parse(p).code + "'" for p in period_codes)
    parts = []
    for key, agg in terms.items():
        n = known.get(key)
        if n is None:
            continue
        cond = _filter_sql(agg.source, filters)
        if cond is None:
            continue
        for one_dim in {"", dim} if dim else {""}:
            if one_dim and one_dim not in SOURCES[agg.source].dims:
                continue
            prog = "'*'"
            if programme:
                if "programme" not in SOURCES[agg.source].dims:
                    continue
                prog = "'" + programme[0].replace("'", "''") + "'"
            sql = cubes.rollup_sql(cube=f"cube_{n}", agg=agg, dim=one_dim,
                                   unit_filter=f"a.ancestor_id IN ({units})",
                                   period_filter=f"p.period IN ({wanted_periods})",
                                   filters=cond, programme=prog)
            parts.append(f"SELECT {n} AS term, unit_id, ptype, period, '{one_dim}' AS dim, "
                         f"dim_value, v FROM ({sql})")
    if not parts:
        return []
    con.execute("CREATE OR REPLACE TEMP TABLE fv AS " + " UNION ALL ".join(parts))
    keys = (f"SELECT u.unit_id, p.ptype, p.period, '' AS dim, '' AS dim_value "
            f"FROM (SELECT unnest([{units}]) AS unit_id) u, periods p "
            f"WHERE p.period IN ({wanted_periods})")
    selects = []
    for ind in compiled:
        used = aggregates(ind.numerator) + (aggregates(ind.denominator)
                                            if ind.denominator is not None else [])
        if any(agg.key not in known for agg in used):
            continue
        if any(_filter_sql(agg.source, filters) is None for agg in aggregates(ind.numerator)):
            continue  # the numerator cannot be restricted to that sub-population
        selects.append(f"SELECT indicator, unit_id, period, dim, dim_value, numerator, "
                       f"denominator, value, approved FROM ({indicator_sql(ind, known, 'fv', keys)})")
    rows = []
    if selects:  # one statement for every indicator
        rows = con.execute(f"SELECT * FROM ({' UNION ALL '.join(selects)}) WHERE dim = ? "
                           f"ORDER BY indicator, unit_id, period, dim_value", [dim]).fetchall()
    con.execute("DROP TABLE IF EXISTS fv")
    return _rows_to_values(rows)


def series(indicator: str, unit_id: int, period_type: str, n: int = 12,
           filters: dict | None = None) -> list[Value]:
    """The `n` latest periods of `period_type` of one indicator in one unit, oldest first."""
    codes = [p.code for p in periods.last_n(period_type, n)]
    found = {v.period: v for v in values(indicators=[indicator], unit_ids=[unit_id],
                                         periods=codes, filters=filters)}
    return [found[c] for c in codes if c in found]


def status() -> dict:
    """When the current results were computed and what they hold."""
    con = connect()
    if con is None:
        return {"computed": False}
    meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
    return {"computed": True, "computed_at": meta.get("computed_at"),
            "first_month": int(meta.get("first_month", 0)),
            "last_month": int(meta.get("last_month", 0)), "values": int(meta.get("values", 0)),
            "indicators": int(meta.get("indicators", 0)),
            "seconds": float(meta.get("seconds", 0))}


def volunteer_months(unit_ids: list[int], first_month: int, last_month: int) -> list[tuple]:
    """Per volunteer, unit and month: (volunteer_id, unit_id, month, caseload, contacts,
    home_visits, remote_reached, households_contacted) for units under `unit_ids`."""
    con = connect()
    if con is None or not unit_ids:
        return []
    return con.execute(
        "SELECT v.* FROM volunteer_month v JOIN unit_ancestor a ON a.unit_id = v.unit_id "
        "WHERE a.ancestor_id IN (SELECT unnest(?)) AND v.month BETWEEN ? AND ? "
        "ORDER BY v.unit_id, v.volunteer_id, v.month",
        [list(unit_ids), first_month, last_month]).fetchall()
