"""The analytics extract: de-identified columnar copies of the operational tables in DuckDB.

Only what indicators need is copied: ids, territory, dates, codes and flags, never names,
identity numbers or phone numbers. Large tables are refreshed incrementally: the rows whose
`updated_at` is newer than the table's watermark are read and upserted (delete by id + insert).
Small tables without `updated_at` (territories, population, aggregate values, which may also be
deleted) are reloaded whole each time.

Rows travel from the operational database (SQLite or PostgreSQL, through Django's connection)
to DuckDB as Arrow batches of text and numbers; DuckDB then types them (dates, booleans, JSON
lengths) in one set-based statement per batch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import pyarrow as pa
from django.db import connection

BATCH = 100_000
# Re-read rows changed this long before the last watermark: a transaction that committed late
# with an older `updated_at` is still picked up (upserts make the overlap harmless).
OVERLAP = dt.timedelta(minutes=2)


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _text(column: str) -> str:
    return f"CAST({column} AS TEXT)"


def _flag(expr: str) -> str:
    return f"CASE WHEN {expr} THEN 1 ELSE 0 END"


@dataclass(frozen=True)
class Table:
    name: str
    select: Callable[[], str]  # SQL over the operational DB, `{where}` placeholder
    raw_columns: tuple[str, ...]
    typed: str  # DuckDB SELECT list over the raw batch `b` giving the extract's columns
    ddl: str  # columns of the extract table
    # SQL condition selecting the rows changed since `%s` (None: reload the table whole).
    watermark: str | None = None


def _tables() -> list[Table]:
    from crecer.aggregates.models import AggregateValue, DataElement
    from crecer.coresponsibility.models import ComplianceCheck
    from crecer.deliveries.models import Delivery, Item
    from crecer.fieldwork.models import Contact
    from crecer.finance.models import Budget, Expenditure, FundingSource
    from crecer.programmes.models import Enrolment, Programme
    from crecer.referrals.models import Referral
    from crecer.registry.models import Household, Person, PersonRole
    from crecer.territory.models import OrgUnit, PopulationEstimate
    from crecer.workforce.models import (
        Attendance,
        Completion,
        Curriculum,
        Institution,
        Module,
        TrainingSession,
        Worker,
    )

    role = _t(PersonRole)
    has_id, has_phone = _flag("p.id_number <> ''"), _flag("p.phone <> ''")

    def role_flag(kind: str) -> str:
        return _flag(f"EXISTS (SELECT 1 FROM {role} r WHERE r.person_id = p.id "
                     f"AND r.role = '{kind}' AND r.active)")

    return [
        Table(
            "units",
            lambda: f"SELECT id, parent_id, depth, path, kind, code, name FROM {_t(OrgUnit)} {{where}}",
            ("id", "parent_id", "depth", "path", "kind", "code", "name"),
            "CAST(id AS INTEGER), CAST(parent_id AS INTEGER), CAST(depth AS INTEGER), path, kind, "
            "code, name",
            "id INTEGER, parent_id INTEGER, depth INTEGER, path VARCHAR, kind VARCHAR, "
            "code VARCHAR, name VARCHAR"),
        Table(
            "households",
            lambda: (f"SELECT {_text('h.id')}, h.territory_id, h.area, h.poverty_level, "
                     f"{_text('h.created_at')} FROM {_t(Household)} h {{where}}"),
            ("id", "territory_id", "area", "poverty_level", "created_at"),
            "id, CAST(territory_id AS INTEGER), area, poverty_level, "
            "CAST(CAST(created_at AS TIMESTAMPTZ) AS DATE)",
            "id VARCHAR, territory_id INTEGER, area VARCHAR, poverty_level VARCHAR, "
            "created_on DATE",
            watermark="h.updated_at > %s"),
        Table(
            "persons",
            lambda: (f"SELECT {_text('p.id')}, {_text('p.household_id')}, p.territory_id, p.sex, "
                     f"{_text('p.birth_date')}, p.ethnicity, {_flag('p.disability')}, "
                     f"{has_id}, {has_phone}, "
                     f"{role_flag('caregiver')}, {role_flag('child')}, {role_flag('pregnant')}, "
                     f"{_text('p.created_at')}, {_flag('p.merged_into_id IS NOT NULL')} "
                     f"FROM {_t(Person)} p {{where}}"),
            ("id", "household_id", "territory_id", "sex", "birth_date", "ethnicity", "disability",
             "has_id", "has_phone", "caregiver", "child", "pregnant", "created_at", "merged"),
            "id, household_id, CAST(territory_id AS INTEGER), sex, CAST(birth_date AS DATE), "
            "COALESCE(ethnicity, ''), disability = 1, has_id = 1, has_phone = 1, caregiver = 1, "
            "child = 1, pregnant = 1, CAST(CAST(created_at AS TIMESTAMPTZ) AS DATE), merged = 1",
            "id VARCHAR, household_id VARCHAR, territory_id INTEGER, sex VARCHAR, "
            "birth_date DATE, ethnicity VARCHAR, disability BOOLEAN, has_id BOOLEAN, "
            "has_phone BOOLEAN, caregiver BOOLEAN, child BOOLEAN, pregnant BOOLEAN, "
            "created_on DATE, merged BOOLEAN",
            # A role change counts as a change of the person.
            watermark=f"p.updated_at > %s OR p.id IN (SELECT r.person_id FROM {role} r "
                      f"WHERE r.updated_at > %s)"),
        Table(
            "enrolments",
            lambda: (f"SELECT {_text('e.id')}, pg.code, {_text('e.household_id')}, "
                     f"{_text('e.person_id')}, e.volunteer_id, {_text('e.start')}, "
                     f"{_text('e.' + connection.ops.quote_name('end'))}, e.status "
                     f"FROM {_t(Enrolment)} e JOIN {_t(Programme)} pg ON pg.id = e.programme_id "
                     f"{{where}}"),
            ("id", "programme", "household_id", "person_id", "volunteer_id", "start", "end",
             "status"),
            "id, programme, household_id, person_id, CAST(volunteer_id AS INTEGER), "
            "CAST(start AS DATE), CAST(\"end\" AS DATE), status",
            "id VARCHAR, programme VARCHAR, household_id VARCHAR, person_id VARCHAR, "
            "volunteer_id INTEGER, start_on DATE, end_on DATE, status VARCHAR",
            watermark="e.updated_at > %s"),
        Table(
            "contacts",
            lambda: (f"SELECT {_text('c.id')}, {_text('c.household_id')}, c.volunteer_id, c.kind, "
                     f"{_text('c.occurred_at')}, {_text('c.created_at')}, c.remote_outcome, "
                     f"c.status, {_text('c.messages_given')}, {_text('c.items_delivered')}, "
                     f"{_text('c.observations')} FROM {_t(Contact)} c {{where}}"),
            ("id", "household_id", "volunteer_id", "kind", "occurred_at", "created_at",
             "remote_outcome", "status", "messages", "items", "observations"),
            "id, household_id, CAST(volunteer_id AS INTEGER), kind, "
            "CAST(CAST(occurred_at AS TIMESTAMPTZ) AS DATE), CAST(created_at AS TIMESTAMPTZ), "
            "COALESCE(remote_outcome, ''), status, "
            "COALESCE(json_array_length(messages), 0), COALESCE(json_array_length(items), 0), "
            "COALESCE(json_array_length(json_extract(observations, '$.danger_signs')), 0) > 0, "
            "json_extract(observations, '$.weight_kg') IS NOT NULL "
            "OR json_extract(observations, '$.height_cm') IS NOT NULL",
            "id VARCHAR, household_id VARCHAR, volunteer_id INTEGER, kind VARCHAR, "
            "occurred_on DATE, created_at TIMESTAMPTZ, remote_outcome VARCHAR, status VARCHAR, "
            "messages INTEGER, items INTEGER, danger_sign BOOLEAN, growth_measured BOOLEAN",
            watermark="c.updated_at > %s"),
        Table(
            "referrals",
            lambda: (f"SELECT {_text('r.id')}, {_text('r.person_id')}, {_text('r.household_id')}, "
                     f"r.from_unit_id, r.to_service_id, s.sector, r.reason_code, r.urgency, "
                     f"r.status, {_text('r.referred_on')}, {_text('r.due_date')}, "
                     f"{_text('r.attended_at')}, {_text('r.source_contact_id')} "
                     f"FROM {_t(Referral)} r JOIN {_t(OrgUnit)} s ON s.id = r.to_service_id "
                     f"{{where}}"),
            ("id", "person_id", "household_id", "from_unit_id", "to_service_id", "sector",
             "reason", "urgency", "status", "referred_on", "due_date", "attended_at",
             "source_contact_id"),
            "id, person_id, household_id, CAST(from_unit_id AS INTEGER), "
            "CAST(to_service_id AS INTEGER), COALESCE(sector, ''), reason, urgency, status, "
            "CAST(referred_on AS DATE), CAST(due_date AS DATE), "
            "CAST(CAST(attended_at AS TIMESTAMPTZ) AS DATE), source_contact_id",
            "id VARCHAR, person_id VARCHAR, household_id VARCHAR, from_unit_id INTEGER, "
            "to_service_id INTEGER, sector VARCHAR, reason VARCHAR, urgency VARCHAR, "
            "status VARCHAR, referred_on DATE, due_date DATE, attended_on DATE, "
            "source_contact_id VARCHAR",
            watermark="r.updated_at > %s"),
        Table(
            "deliveries",
            lambda: (f"SELECT {_text('d.id')}, {_text('d.household_id')}, i.code, i.kind, "
                     f"d.quantity, {_text('d.delivered_on')} FROM {_t(Delivery)} d "
                     f"JOIN {_t(Item)} i ON i.id = d.item_id {{where}}"),
            ("id", "household_id", "item", "item_kind", "quantity", "delivered_on"),
            "id, household_id, item, item_kind, CAST(quantity AS INTEGER), "
            "CAST(delivered_on AS DATE)",
            "id VARCHAR, household_id VARCHAR, item VARCHAR, item_kind VARCHAR, "
            "quantity INTEGER, delivered_on DATE",
            watermark="d.updated_at > %s"),
        Table(
            "compliance",
            lambda: (f"SELECT {_text('k.id')}, {_text('k.household_id')}, {_text('k.person_id')}, "
                     f"pg.code, k.period, k.condition, {_flag('k.compliant')}, k.source "
                     f"FROM {_t(ComplianceCheck)} k JOIN {_t(Programme)} pg "
                     f"ON pg.id = k.programme_id {{where}}"),
            ("id", "household_id", "person_id", "programme", "period", "condition", "compliant",
             "source"),
            "id, household_id, person_id, programme, "
            "CAST(strptime(period || '-01', '%Y-%m-%d') AS DATE), condition, compliant = 1, "
            "source",
            "id VARCHAR, household_id VARCHAR, person_id VARCHAR, programme VARCHAR, "
            "checked_month DATE, condition VARCHAR, compliant BOOLEAN, source VARCHAR",
            watermark="k.updated_at > %s"),
        # Workforce tables are small next to the registry: reloaded whole (leavers and
        # corrections are seen at once).
        Table(
            "workers",
            lambda: (f"SELECT {_text('w.id')}, w.territory_id, w.kind, {_text('w.start_date')}, "
                     f"{_text('w.leave_date')}, w.leave_reason, w.certification_level, "
                     f"{_flag('i.local')}, w.career_stage FROM {_t(Worker)} w "
                     f"LEFT JOIN {_t(Institution)} i ON i.id = w.institution_id {{where}}"),
            ("id", "territory_id", "kind", "start_date", "leave_date", "leave_reason",
             "certification_level", "local_institution", "career_stage"),
            "id, CAST(territory_id AS INTEGER), kind, CAST(start_date AS DATE), "
            "CAST(leave_date AS DATE), COALESCE(leave_reason, ''), certification_level, "
            "local_institution = 1, COALESCE(career_stage, '')",
            "id VARCHAR, territory_id INTEGER, kind VARCHAR, start_date DATE, leave_date DATE, "
            "leave_reason VARCHAR, certification_level VARCHAR, local_institution BOOLEAN, "
            "career_stage VARCHAR"),
        Table(
            "training_sessions",
            lambda: (f"SELECT {_text('s.id')}, s.territory_id, {_text('s.date')}, s.mode, "
                     f"{_flag('s.trainer_is_local_staff')}, {_flag('m.is_core')}, c.code, "
                     f"m.code, (SELECT COUNT(*) FROM {_t(Attendance)} a "
                     f"WHERE a.session_id = s.id AND a.attended) "
                     f"FROM {_t(TrainingSession)} s JOIN {_t(Module)} m ON m.id = s.module_id "
                     f"JOIN {_t(Curriculum)} c ON c.id = m.curriculum_id {{where}}"),
            ("id", "territory_id", "date", "mode", "local_staff", "core", "curriculum", "module",
             "attendees"),
            "id, CAST(territory_id AS INTEGER), CAST(date AS DATE), mode, local_staff = 1, "
            "core = 1, curriculum, module, CAST(attendees AS INTEGER)",
            "id VARCHAR, territory_id INTEGER, held_on DATE, mode VARCHAR, local_staff BOOLEAN, "
            "core BOOLEAN, curriculum VARCHAR, module VARCHAR, attendees INTEGER"),
        Table(
            "attendance",
            lambda: (f"SELECT {_text('a.id')}, {_text('a.worker_id')}, w.kind, "
                     f"{_flag('a.attended')}, s.territory_id, {_text('s.date')}, c.code "
                     f"FROM {_t(Attendance)} a JOIN {_t(TrainingSession)} s ON s.id = a.session_id "
                     f"JOIN {_t(Worker)} w ON w.id = a.worker_id "
                     f"JOIN {_t(Module)} m ON m.id = s.module_id "
                     f"JOIN {_t(Curriculum)} c ON c.id = m.curriculum_id {{where}}"),
            ("id", "worker_id", "kind", "attended", "territory_id", "date", "curriculum"),
            "id, worker_id, kind, attended = 1, CAST(territory_id AS INTEGER), "
            "CAST(date AS DATE), curriculum",
            "id VARCHAR, worker_id VARCHAR, kind VARCHAR, attended BOOLEAN, "
            "territory_id INTEGER, held_on DATE, curriculum VARCHAR"),
        Table(
            "completions",
            lambda: (f"SELECT {_text('k.id')}, {_text('k.worker_id')}, w.kind, w.territory_id, "
                     f"c.code, {_text('k.completed_on')}, {_flag('k.certified')}, "
                     f"{_text('w.leave_date')} FROM {_t(Completion)} k "
                     f"JOIN {_t(Worker)} w ON w.id = k.worker_id "
                     f"JOIN {_t(Curriculum)} c ON c.id = k.curriculum_id {{where}}"),
            ("id", "worker_id", "kind", "territory_id", "curriculum", "completed_on",
             "certified", "leave_date"),
            "id, worker_id, kind, CAST(territory_id AS INTEGER), curriculum, "
            "CAST(completed_on AS DATE), certified = 1, CAST(leave_date AS DATE)",
            "id VARCHAR, worker_id VARCHAR, kind VARCHAR, territory_id INTEGER, "
            "curriculum VARCHAR, completed_on DATE, certified BOOLEAN, leave_date DATE"),
        # Finance lines may be deleted and re-entered: reloaded whole.
        Table(
            "budgets",
            lambda: (f"SELECT {_text('b.id')}, b.unit_id, b.year, b.category, f.kind, f.code, "
                     f"{_flag('f.is_government')}, {_flag('b.in_kind')}, "
                     f"{_flag('b.is_ecd_line')}, {_text('b.amount')} FROM {_t(Budget)} b "
                     f"JOIN {_t(FundingSource)} f ON f.id = b.source_id {{where}}"),
            ("id", "unit_id", "year", "category", "source_kind", "source", "government",
             "in_kind", "ecd_line", "amount"),
            "id, CAST(unit_id AS INTEGER), CAST(year AS INTEGER), category, source_kind, source, "
            "government = 1, in_kind = 1, ecd_line = 1, CAST(amount AS DOUBLE)",
            "id VARCHAR, unit_id INTEGER, year INTEGER, category VARCHAR, source_kind VARCHAR, "
            "source VARCHAR, government BOOLEAN, in_kind BOOLEAN, ecd_line BOOLEAN, "
            "amount DOUBLE"),
        Table(
            "expenditures",
            lambda: (f"SELECT {_text('x.id')}, x.unit_id, {_text('x.date')}, x.category, f.kind, "
                     f"f.code, {_flag('f.is_government')}, {_flag('x.in_kind')}, "
                     f"{_text('x.amount')} FROM {_t(Expenditure)} x "
                     f"JOIN {_t(FundingSource)} f ON f.id = x.source_id {{where}}"),
            ("id", "unit_id", "date", "category", "source_kind", "source", "government",
             "in_kind", "amount"),
            "id, CAST(unit_id AS INTEGER), CAST(date AS DATE), category, source_kind, source, "
            "government = 1, in_kind = 1, CAST(amount AS DOUBLE)",
            "id VARCHAR, unit_id INTEGER, spent_on DATE, category VARCHAR, "
            "source_kind VARCHAR, source VARCHAR, government BOOLEAN, in_kind BOOLEAN, "
            "amount DOUBLE"),
        Table(
            "population",
            lambda: (f"SELECT unit_id, year, sex, age_band, value FROM {_t(PopulationEstimate)} "
                     f"{{where}}"),
            ("unit_id", "year", "sex", "age_band", "value"),
            "CAST(unit_id AS INTEGER), CAST(year AS INTEGER), sex, age_band, "
            "CAST(value AS DOUBLE)",
            "unit_id INTEGER, year INTEGER, sex VARCHAR, age_band VARCHAR, value DOUBLE"),
        Table(
            "aggregate",
            lambda: (f"SELECT a.id, e.code, a.unit_id, a.period, {_text('a.value')} "
                     f"FROM {_t(AggregateValue)} a JOIN {_t(DataElement)} e "
                     f"ON e.id = a.element_id {{where}}"),
            ("id", "element", "unit_id", "period", "value"),
            "CAST(id AS BIGINT), element, CAST(unit_id AS INTEGER), period, "
            "CAST(value AS DOUBLE)",
            "id BIGINT, element VARCHAR, unit_id INTEGER, period VARCHAR, value DOUBLE"),
    ]


@dataclass
class ExtractReport:
    rows_read: dict[str, int]
    full: bool


def _ensure(con: duckdb.DuckDBPyConnection, tables: list[Table]) -> None:
    con.execute("CREATE TABLE IF NOT EXISTS meta_watermark (name VARCHAR PRIMARY KEY, "
                "changed_at TIMESTAMP)")  # naive UTC
    for t in tables:
        con.execute(f"CREATE TABLE IF NOT EXISTS {t.name} ({t.ddl})")


def _read(con: duckdb.DuckDBPyConnection, t: Table, target: str, where: str,
          params: list) -> int:
    """Stream the rows of `t` matching `where` from the operational DB into `target`."""
    total = 0
    with connection.cursor() as cursor:
        cursor.execute(t.select().format(where=where), params)
        while True:
            rows = cursor.fetchmany(BATCH)
            if not rows:
                break
            columns = list(zip(*rows, strict=True))
            batch = pa.table({
                name: pa.array([None if v is None else (v if isinstance(v, int) and
                                                        not isinstance(v, bool) else str(v))
                                for v in values])
                for name, values in zip(t.raw_columns, columns, strict=True)})
            con.register("b", batch)
            con.execute(f"INSERT INTO {target} SELECT {t.typed} FROM b")
            con.unregister("b")
            total += len(rows)
    return total


def refresh(con: duckdb.DuckDBPyConnection, *, full: bool = False,
            progress: Callable[[str], None] | None = None) -> ExtractReport:
    """Bring the extract up to date with the operational database."""
    tables = _tables()
    _ensure(con, tables)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    read: dict[str, int] = {}
    for t in tables:
        mark = None
        if t.watermark and not full:
            row = con.execute("SELECT changed_at FROM meta_watermark WHERE name = ?", [t.name]).fetchone()
            mark = row[0].replace(tzinfo=dt.UTC) if row else None
        con.execute("BEGIN")
        if mark is None:
            con.execute(f"DELETE FROM {t.name}")
            read[t.name] = _read(con, t, t.name, "", [])
        else:
            staging = f"staging_{t.name}"
            con.execute(f"CREATE OR REPLACE TEMP TABLE {staging} ({t.ddl})")
            read[t.name] = _read(con, t, staging, f"WHERE {t.watermark}",
                                 [mark - OVERLAP] * t.watermark.count("%s"))
            con.execute(f"DELETE FROM {t.name} WHERE id IN (SELECT id FROM {staging})")
            con.execute(f"INSERT INTO {t.name} SELECT * FROM {staging}")
            con.execute(f"DROP TABLE {staging}")
        if t.watermark:
            con.execute("INSERT OR REPLACE INTO meta_watermark VALUES (?, ?)", [t.name, now])
        con.execute("COMMIT")
        if progress:
            progress(f"extract {t.name}: {read[t.name]:,} rows read")
    return ExtractReport(read, full or False)
