"""Bulk writers: the fastest ordinary path per backend, with no ORM object per row.

- SQLite: one prepared INSERT per table run by `executemany` on the driver's connection, one
  transaction per chunk; during the load `synchronous=OFF`, WAL journal and a larger page
  cache (the previous settings are put back afterwards).
- PostgreSQL: `COPY table (columns) FROM STDIN` through psycopg's `cursor.copy()`, rows sent
  with `write_row`; one transaction per chunk; `ANALYZE` of the loaded tables at the end.

Every table's column list is checked against its Django model when the writer starts, so a
model change that the synth does not follow fails at once with the missing column named.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, models
from django.db.models.fields import AutoFieldMixin

from crecer.accounts.models import User
from crecer.coresponsibility.models import ComplianceCheck
from crecer.deliveries.models import Delivery, StockMovement
from crecer.fieldwork.models import Contact
from crecer.finance.models import Budget, Expenditure
from crecer.programmes.models import Enrolment
from crecer.referrals.models import Referral, ReferralEvent
from crecer.registry import fts
from crecer.registry.models import Household, Person, PersonRole, Relationship
from crecer.territory.models import PopulationEstimate
from crecer.workforce.models import Attendance, Completion, TrainingSession, Worker

STAMPS = ("id", "created_at", "updated_at")
# The columns each generator row carries, in this order (auto-increment ids are left to the
# database, except the users', which other rows refer to).
COLUMNS: dict[type[models.Model], tuple[str, ...]] = {
    User: ("id", "password", "last_login", "is_superuser", "username", "first_name",
           "last_name", "email", "is_staff", "is_active", "date_joined", "role",
           "preferred_language"),
    User.territories.through: ("user_id", "orgunit_id"),
    Household: STAMPS + ("territory_id", "code", "address", "latitude", "longitude", "area",
                         "poverty_level", "water_source", "has_electricity", "rooms",
                         "monthly_income"),
    Person: STAMPS + ("household_id", "territory_id", "given_names", "first_surname",
                      "second_surname", "sex", "birth_date", "birth_date_estimated", "id_type",
                      "id_number", "id_country", "phone", "language", "ethnicity", "disability",
                      "disability_detail", "search_name", "merged_into_id"),
    PersonRole: STAMPS + ("person_id", "role", "expected_delivery_date", "active"),
    Relationship: STAMPS + ("from_person_id", "to_person_id", "kind"),
    Enrolment: STAMPS + ("programme_id", "household_id", "person_id", "volunteer_id", "start",
                         "end", "exit_reason", "status"),
    Contact: STAMPS + ("household_id", "kind", "volunteer_id", "occurred_at", "persons_present",
                       "messages_given", "items_delivered", "observations",
                       "coresponsibility_evidence", "remote_outcome", "status",
                       "validated_by_id", "validated_at", "review_note"),
    StockMovement: STAMPS + ("item_id", "municipality_id", "kind", "quantity", "occurred_on",
                             "reference", "created_by_id"),
    Delivery: STAMPS + ("household_id", "item_id", "quantity", "delivered_on",
                        "delivered_by_id", "contact_id", "municipality_id", "movement_id"),
    Referral: STAMPS + ("person_id", "household_id", "from_unit_id", "to_service_id",
                        "reason_code", "reason", "urgency", "referred_on", "due_date", "status",
                        "received_at", "attended_at", "what_was_done", "follow_up_advice",
                        "attended_by_id", "attended_by_name", "rejection_reason",
                        "created_by_id", "source_contact_id"),
    ReferralEvent: ("referral_id", "from_status", "to_status", "actor_id", "actor_username",
                    "at", "note"),
    ComplianceCheck: STAMPS + ("household_id", "programme_id", "period", "condition",
                               "person_id", "compliant", "source", "evidence_ref", "reason",
                               "checked_by_id"),
    PopulationEstimate: ("unit_id", "year", "sex", "age_band", "value"),
    Worker: STAMPS + ("user_id", "given_names", "surnames", "kind", "institution_id",
                      "territory_id", "start_date", "leave_date", "leave_reason",
                      "certification_level", "career_stage"),
    TrainingSession: STAMPS + ("module_id", "trainer_id", "territory_id", "date", "mode",
                               "trainer_is_local_staff", "notes", "recorded_by_id"),
    Attendance: STAMPS + ("session_id", "worker_id", "attended", "score"),
    Completion: STAMPS + ("worker_id", "curriculum_id", "completed_on", "certified",
                          "certified_on", "certified_by_id"),
    Budget: STAMPS + ("unit_id", "year", "category", "source_id", "amount", "in_kind",
                      "valuation_note", "is_ecd_line", "note", "entered_by_id"),
    Expenditure: STAMPS + ("unit_id", "date", "category", "source_id", "amount", "in_kind",
                           "valuation_note", "description", "group_purchase_id",
                           "entered_by_id"),
}
# Short names used by the generators and the report.
TABLES: dict[str, type[models.Model]] = {
    "users": User, "user_territories": User.territories.through, "households": Household,
    "persons": Person, "person_roles": PersonRole, "relationships": Relationship,
    "enrolments": Enrolment, "contacts": Contact, "stock_movements": StockMovement,
    "deliveries": Delivery, "referrals": Referral, "referral_events": ReferralEvent,
    "compliance_checks": ComplianceCheck, "population_estimates": PopulationEstimate,
    "workers": Worker, "training_sessions": TrainingSession, "attendances": Attendance,
    "completions": Completion, "budgets": Budget, "expenditures": Expenditure,
}


# Rows of these tables refer to rows of those: a batch is written only after the pending rows
# it may refer to. (SQLite checks a deferred foreign key again on every parent row inserted
# while a violation is outstanding, scanning the child table once its index is dropped.)
PARENTS: dict[str, tuple[str, ...]] = {
    "user_territories": ("users",), "persons": ("households",),
    "person_roles": ("persons",), "relationships": ("persons",),
    "enrolments": ("households", "users"), "contacts": ("households", "users"),
    "stock_movements": ("users",), "deliveries": ("households", "stock_movements", "users"),
    "referrals": ("persons", "households", "users"), "referral_events": ("referrals", "users"),
    "compliance_checks": ("households", "persons", "users"),
    "workers": ("users",), "training_sessions": ("workers", "users"),
    "attendances": ("training_sessions", "workers"), "completions": ("workers", "users"),
}


def check_columns() -> None:
    """Raise if a model gained a column the synth does not write, or lost one it writes."""
    for model, cols in COLUMNS.items():
        real = [f.column for f in model._meta.concrete_fields
                if not (isinstance(f, AutoFieldMixin) and "id" not in cols)]
        if sorted(real) != sorted(cols):
            missing = sorted(set(real) - set(cols))
            extra = sorted(set(cols) - set(real))
            raise RuntimeError(f"synth: {model._meta.db_table} columns changed "
                               f"(not written: {missing}; unknown: {extra})")


@dataclass
class Pragmas:
    journal_mode: str
    synchronous: int
    cache_size: int


class Writer(ABC):
    """Writes lists of row tuples (in `COLUMNS` order) to a table by its short name."""

    vendor = ""
    datetime_suffix = ""

    def __init__(self) -> None:
        check_columns()
        qn = connection.ops.quote_name
        self.sql = {}
        for name, model in TABLES.items():
            cols = ", ".join(qn(c) for c in COLUMNS[model])
            self.sql[name] = (qn(model._meta.db_table), cols, len(COLUMNS[model]))

    def begin_load(self) -> list[str]:
        return []

    def end_load(self) -> list[str]:
        return []

    @abstractmethod
    def write(self, table: str, rows: Sequence[tuple]) -> None:
        """Append `rows` to `table` (the backend's fastest bulk path)."""

    @abstractmethod
    def reserve_ids(self, table: str, n: int) -> int:
        """The first of `n` consecutive ids no other row has or will get from the table's
        auto-increment, for rows inserted with explicit ids (the users)."""

    def analyze(self, tables: list[str]) -> None:  # noqa: B027 - optional hook
        """Refresh the planner's statistics after the load (a backend may skip it)."""

    # -- secondary indexes: dropped during a big load, rebuilt by sorting afterwards ----------

    @abstractmethod
    def _index_sql(self, db_tables: list[str]) -> list[tuple[str, str]]:
        """(name, CREATE statement) of the non-unique indexes of these tables."""

    def drop_indexes(self, tables: list[str]) -> list[tuple[str, str]]:
        """Drop the non-unique indexes of these tables; return (name, CREATE statement) pairs.
        Unique indexes and primary keys stay (they are constraints)."""
        saved = self._index_sql([TABLES[t]._meta.db_table for t in tables])
        qn = connection.ops.quote_name
        with connection.cursor() as cur:
            for name, _sql in saved:
                cur.execute(f"DROP INDEX {qn(name)}")
        return saved

    def create_indexes(self, saved: list[tuple[str, str]]) -> int:
        """Create the indexes of `saved` that do not exist (again); return how many."""
        present = {name for name, _sql in self._index_sql(
            [m._meta.db_table for m in TABLES.values()])}
        made = 0
        with connection.cursor() as cur:
            for name, sql in saved:
                if name not in present:
                    cur.execute(sql)
                    made += 1
        return made


class SQLiteWriter(Writer):
    vendor = "sqlite"
    LOAD_CACHE_KIB = 512 * 1024  # page cache during the load: 512 MiB

    def __init__(self) -> None:
        super().__init__()
        self.insert = {name: f"INSERT INTO {t} ({cols}) VALUES ({', '.join(['?'] * n)})"
                       for name, (t, cols, n) in self.sql.items()}
        self._saved: Pragmas | None = None

    def _pragma(self, text: str):
        with connection.cursor() as cur:
            cur.execute(f"PRAGMA {text}")
            row = cur.fetchone()
        return row[0] if row else None

    def begin_load(self) -> list[str]:
        if connection.in_atomic_block:  # PRAGMAs cannot change inside a transaction (tests)
            return ["SQLite settings left as they are (called inside a transaction)"]
        self._saved = Pragmas(self._pragma("journal_mode"), self._pragma("synchronous"),
                              self._pragma("cache_size"))
        self._pragma("journal_mode=WAL")
        self._pragma("synchronous=OFF")
        self._pragma(f"cache_size=-{self.LOAD_CACHE_KIB}")
        return [f"SQLite: journal_mode=WAL, synchronous=OFF, cache_size={self.LOAD_CACHE_KIB} KiB "
                f"during the load (were {self._saved.journal_mode}, {self._saved.synchronous}, "
                f"{self._saved.cache_size})"]

    def end_load(self) -> list[str]:
        if self._saved is None:
            return []
        saved, self._saved = self._saved, None
        self._pragma(f"synchronous={saved.synchronous}")
        self._pragma(f"cache_size={saved.cache_size}")
        self._pragma(f"journal_mode={saved.journal_mode}")
        return ["SQLite settings restored"]

    @contextmanager
    def foreign_keys_off(self) -> Iterator[None]:
        """Foreign-key enforcement off for a while (only outside a transaction)."""
        self._pragma("foreign_keys=OFF")
        try:
            yield
        finally:
            self._pragma("foreign_keys=ON")

    def write(self, table: str, rows: Sequence[tuple]) -> None:
        connection.ensure_connection()
        connection.connection.executemany(self.insert[table], rows)

    def analyze(self, tables: list[str]) -> None:
        with connection.cursor() as cur:
            cur.execute("PRAGMA optimize")

    def reserve_ids(self, table: str, n: int) -> int:
        # AUTOINCREMENT never hands out an id at or below sqlite_sequence's value, which an
        # explicit insert raises to the largest id inserted.
        db_table = TABLES[table]._meta.db_table
        with connection.cursor() as cur:
            cur.execute(f"SELECT MAX(id) FROM {self.sql[table][0]}")
            top = cur.fetchone()[0] or 0
            cur.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [db_table])
            row = cur.fetchone()
        return max(top, row[0] if row else 0) + 1

    def _index_sql(self, db_tables: list[str]) -> list[tuple[str, str]]:
        marks = ", ".join(["%s"] * len(db_tables))
        with connection.cursor() as cur:
            cur.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql LIKE "
                        f"'CREATE INDEX %%' AND tbl_name IN ({marks}) ORDER BY name", db_tables)
            return [(name, sql) for name, sql in cur.fetchall()]

    # The triggers that keep the person search index (registry/fts.py) in step are dropped
    # with the indexes and saved with them; the index is rebuilt once when they come back.
    def drop_indexes(self, tables: list[str]) -> list[tuple[str, str]]:
        saved = super().drop_indexes(tables)
        return saved + (fts.drop_sync_triggers() if "persons" in tables else [])

    def create_indexes(self, saved: list[tuple[str, str]]) -> int:
        triggers = [s for s in saved if fts.is_sync_trigger(s[0])]
        made = super().create_indexes([s for s in saved if not fts.is_sync_trigger(s[0])])
        return made + fts.restore_sync_triggers(triggers)


class PostgresWriter(Writer):
    vendor = "postgresql"
    datetime_suffix = "+00"

    def __init__(self) -> None:
        super().__init__()
        self.copy = {name: f"COPY {t} ({cols}) FROM STDIN" for name, (t, cols, _n) in
                     self.sql.items()}

    def write(self, table: str, rows: Sequence[tuple]) -> None:
        with connection.cursor() as cur:
            with cur.cursor.copy(self.copy[table]) as copy:
                write_row = copy.write_row
                for row in rows:
                    write_row(row)

    def analyze(self, tables: list[str]) -> None:
        with connection.cursor() as cur:
            for name in tables:
                cur.execute(f"ANALYZE {self.sql[name][0]}")

    def reserve_ids(self, table: str, n: int) -> int:
        # Sequences are not transactional: the block stays taken even if the load rolls back.
        with connection.cursor() as cur:
            cur.execute("SELECT pg_get_serial_sequence(%s, 'id')",
                        [TABLES[table]._meta.db_table])
            seq = cur.fetchone()[0]
            cur.execute(f"SELECT MAX(id) FROM {self.sql[table][0]}")
            top = cur.fetchone()[0] or 0
            cur.execute("SELECT nextval(%s)", [seq])
            start = max(cur.fetchone()[0], top + 1)
            cur.execute("SELECT setval(%s, %s)", [seq, start + n - 1])
        return start

    def _index_sql(self, db_tables: list[str]) -> list[tuple[str, str]]:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT ci.relname, pg_get_indexdef(ci.oid) FROM pg_index x "
                "JOIN pg_class ci ON ci.oid = x.indexrelid JOIN pg_class ct ON ct.oid = x.indrelid "
                "JOIN pg_namespace n ON n.oid = ct.relnamespace "
                "WHERE ct.relname = ANY(%s) AND n.nspname = current_schema() "
                "AND NOT x.indisunique AND NOT x.indisprimary ORDER BY ci.relname",
                [db_tables])
            return [(name, sql) for name, sql in cur.fetchall()]

    def drop_indexes(self, tables: list[str]) -> list[tuple[str, str]]:
        connection.check_constraints()  # no DDL on a table with deferred checks pending
        return super().drop_indexes(tables)

    def create_indexes(self, saved: list[tuple[str, str]]) -> int:
        connection.check_constraints()
        with connection.cursor() as cur:
            cur.execute("SET maintenance_work_mem = '512MB'")
        try:
            return super().create_indexes(saved)
        finally:
            with connection.cursor() as cur:
                cur.execute("RESET maintenance_work_mem")


def writer_for_connection() -> Writer:
    if connection.vendor == "sqlite":
        return SQLiteWriter()
    if connection.vendor == "postgresql":
        return PostgresWriter()
    raise RuntimeError(f"synth: unsupported database {connection.vendor!r}")


class Sink:
    """Buffers rows per table and hands them to the writer in batches; counts what was written.

    The content written does not depend on the batch size, only the number of statements."""

    def __init__(self, writer: Writer | None, batch: int = 20_000,
                 on_rows: Callable[[str, list[tuple]], None] | None = None) -> None:
        self.writer = writer
        self.batch = batch
        self.buffers: dict[str, list[tuple]] = {name: [] for name in TABLES}
        self.counts: dict[str, int] = dict.fromkeys(TABLES, 0)
        self.on_rows = on_rows

    def add(self, table: str, row: tuple) -> None:
        buf = self.buffers[table]
        buf.append(row)
        if len(buf) >= self.batch:
            self.flush(table)

    def flush(self, table: str | None = None) -> None:
        for name in [table] if table else list(self.buffers):
            for parent in PARENTS.get(name, ()):
                self.flush(parent)
            rows = self.buffers[name]
            if not rows:
                continue
            self.buffers[name] = []
            if self.writer is not None:
                self.writer.write(name, rows)
            if self.on_rows is not None:
                self.on_rows(name, rows)
            self.counts[name] += len(rows)
