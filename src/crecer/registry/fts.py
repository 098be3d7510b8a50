"""Trigram indexes behind the registry's substring search (`queries.search_persons`).

A searched word may sit anywhere in a name ("lopez" in "ana maria lopez diaz") and a phone is
searched by its last digits, so a B-tree index cannot help and `LIKE '%word%'` reads every
person. Both databases index every 3-character piece (trigram) of the text instead:

- PostgreSQL: the `pg_trgm` extension and GIN indexes (`gin_trgm_ops`) on
  `registry_person.search_name` and `registry_person.phone`. The planner uses them for
  `LIKE '%word%'` by itself, so the query stays plain Django lookups; the statistics target of
  `search_name` is raised to 1000 so that it can tell a common word from a rare one, and a
  covering index on `search_name` lets it walk the names in order without reading the table.
- SQLite: the FTS5 table `registry_person_fts` (trigram tokenizer) with external content over
  `registry_person(search_name, phone)`, keyed by the person's rowid and kept in step by three
  triggers. A quoted phrase of 3 or more characters matches wherever it occurs as a substring
  (`matching_rowids`); shorter words have no trigram and are checked with LIKE. A phrase query
  reads the index only (a LIKE on the FTS table would read every matching row back from
  `registry_person` to check it: ~10 times slower). SQLite's planner knows nothing of this
  index, so `queries.search_persons` chooses the plan itself, with `RowId` and `Unindexed`.

Also (both): an index on `UPPER(registry_household.code)`, so the exact, case-insensitive
household-code branch of the search is a lookup. It lives here, not in the model's Meta,
because SQLite's case-insensitive LIKE (Django's `iexact`) could not use it anyway.

SQLite caveats:
- A migration that remakes `registry_person` (most field changes under SQLite: Django copies the
  rows into a new table) drops the triggers and renumbers the rowids. End such a migration with
  `migrations.RunPython(fts.reinstall, migrations.RunPython.noop)`.
  `tests/registry/test_search_index.py` fails while the triggers are missing.
- `crecer synth` drops the triggers during its bulk load and rebuilds the index once at the end
  (`drop_sync_triggers` / `restore_sync_triggers`, called by `synth/writer.py`).
- `rebuild()` makes the index again from the table (after restoring a copy made row by row).
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Expression, Func, IntegerField
from django.db.models.expressions import RawSQL

TABLE = "registry_person_fts"
TRIGRAM = 3  # shortest word the trigram indexes can look up

SQLITE_TABLE = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5(search_name, phone, "
    "content='registry_person', content_rowid='rowid', tokenize='trigram')"
)
# External content: the index must be told the old values to remove them.
_ADD = (f"INSERT INTO {TABLE}(rowid, search_name, phone) "
        "VALUES (new.rowid, new.search_name, new.phone);")
_REMOVE = (f"INSERT INTO {TABLE}({TABLE}, rowid, search_name, phone) "
           "VALUES ('delete', old.rowid, old.search_name, old.phone);")
SQLITE_TRIGGERS = {
    f"{TABLE}_ai": f"CREATE TRIGGER {TABLE}_ai AFTER INSERT ON registry_person BEGIN {_ADD} END",
    f"{TABLE}_ad": f"CREATE TRIGGER {TABLE}_ad AFTER DELETE ON registry_person BEGIN {_REMOVE} END",
    f"{TABLE}_au": (
        f"CREATE TRIGGER {TABLE}_au AFTER UPDATE OF search_name, phone ON registry_person "
        "WHEN old.search_name IS NOT new.search_name OR old.phone IS NOT new.phone "
        f"BEGIN {_REMOVE} {_ADD} END"
    ),
}
POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS registry_person_search_trgm ON registry_person "
    "USING gin (search_name gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS registry_person_phone_trgm ON registry_person "
    "USING gin (phone gin_trgm_ops)",
    # Walking the names in order (a common word over a large scope) without reading the table.
    "CREATE INDEX IF NOT EXISTS registry_person_name_walk ON registry_person (search_name) "
    "INCLUDE (id, territory_id, merged_into_id)",
    # A finer histogram, so that the planner tells a common word from a rare one (its
    # estimate of LIKE '%word%' counts the histogram's names that match).
    "ALTER TABLE registry_person ALTER COLUMN search_name SET STATISTICS 1000",
    "ANALYZE registry_person",
]
POSTGRES_DROP = ["DROP INDEX IF EXISTS registry_person_search_trgm",
                 "DROP INDEX IF EXISTS registry_person_phone_trgm",
                 "DROP INDEX IF EXISTS registry_person_name_walk",
                 "ALTER TABLE registry_person ALTER COLUMN search_name SET STATISTICS -1"]
# The extension stays on rollback: other objects may use it by then.
HOUSEHOLD_CODE = ("CREATE INDEX IF NOT EXISTS registry_household_code_upper "
                  "ON registry_household (UPPER(code))")
HOUSEHOLD_CODE_DROP = "DROP INDEX IF EXISTS registry_household_code_upper"


# -- schema (the migration, and any later migration that remakes the table on SQLite) --------

def install(apps=None, schema_editor=None) -> None:
    """Create the indexes for this connection's database (a RunPython forwards function)."""
    execute, vendor = _executor(schema_editor)
    execute(HOUSEHOLD_CODE)
    if vendor == "postgresql":
        for sql in POSTGRES:
            execute(sql)
    elif vendor == "sqlite":
        execute(SQLITE_TABLE)
        for sql in SQLITE_TRIGGERS.values():
            execute(sql)
        execute(f"INSERT INTO {TABLE}({TABLE}) VALUES ('rebuild')")


def uninstall(apps=None, schema_editor=None) -> None:
    """Drop what `install` made (a RunPython backwards function)."""
    execute, vendor = _executor(schema_editor)
    execute(HOUSEHOLD_CODE_DROP)
    if vendor == "postgresql":
        for sql in POSTGRES_DROP:
            execute(sql)
    elif vendor == "sqlite":
        for name in SQLITE_TRIGGERS:
            execute(f"DROP TRIGGER IF EXISTS {name}")
        execute(f"DROP TABLE IF EXISTS {TABLE}")


def reinstall(apps=None, schema_editor=None) -> None:
    """Triggers again and the index rebuilt (SQLite), after a migration remade the table."""
    execute, vendor = _executor(schema_editor)
    if vendor == "sqlite":
        for name in SQLITE_TRIGGERS:
            execute(f"DROP TRIGGER IF EXISTS {name}")
    install(apps, schema_editor)


def rebuild() -> None:
    """Make the SQLite index again from `registry_person` (PostgreSQL's need nothing)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute(f"INSERT INTO {TABLE}({TABLE}) VALUES ('rebuild')")


def _executor(schema_editor):
    if schema_editor is not None:
        return schema_editor.execute, schema_editor.connection.vendor

    def execute(sql: str) -> None:
        with connection.cursor() as cur:
            cur.execute(sql)

    return execute, connection.vendor


# -- queries (SQLite) ----------------------------------------------------------------------

class RowId(Expression):
    """SQLite: the implicit rowid of the query's base table, the key of the FTS index (use it
    through `annotate()` or `alias()`). It follows the table's alias when the query becomes a
    subquery."""

    contains_column_references = True

    def __init__(self, alias: str | None = None) -> None:
        super().__init__(output_field=IntegerField())
        self.alias = alias

    def resolve_expression(self, query=None, *args, **kwargs):
        # Once resolved it keeps its table: a subquery's annotations are resolved again
        # against the outer query.
        return self if self.alias is not None else RowId(query.get_initial_alias())

    def relabeled_clone(self, relabels):
        return RowId(relabels.get(self.alias, self.alias))

    def as_sql(self, compiler, connection):
        return f"{compiler.quote_name_unless_alias(self.alias)}.rowid", []


class Unindexed(Func):
    """The same value, but no index can serve it: `+expr` on SQLite (without statistics SQLite
    takes `merged_into_id IS NULL` for selective and would read every person through that
    index instead of starting from the few rows the search found); `expr || ''` or `expr + 0`
    on PostgreSQL."""

    template = "+%(expressions)s"

    def as_postgresql(self, compiler, connection, **extra):
        numeric = isinstance(self.output_field, IntegerField)
        template = "(%(expressions)s + 0)" if numeric else "(%(expressions)s || '')"
        return self.as_sql(compiler, connection, template=template, **extra)


def matching_rowids(column: str, words: list[str]) -> RawSQL:
    """SQLite: the rowids of the persons whose `column` ("search_name" or "phone") contains
    every word (each of at least `TRIGRAM` characters), from the FTS index alone."""
    return RawSQL(f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s", [phrases(column, words)])


def phrases(column: str, words: list[str]) -> str:
    """The FTS5 query for rows whose `column` contains every word: one quoted phrase each
    (with the trigram tokenizer a phrase matches as a substring)."""
    if column not in ("search_name", "phone") or not words or min(map(len, words)) < TRIGRAM:
        raise ValueError(f"fts.phrases: {column!r} {words!r}")
    return " AND ".join(f'{column} : "{w.replace(chr(34), chr(34) * 2)}"' for w in words)


# -- bulk loads (crecer synth) ---------------------------------------------------------------

def drop_sync_triggers() -> list[tuple[str, str]]:
    """SQLite: drop the triggers that keep the index in step; return their (name, CREATE
    statement) pairs for `restore_sync_triggers`. The index is stale until then."""
    if connection.vendor != "sqlite":
        return []
    with connection.cursor() as cur:
        cur.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                    "AND tbl_name = 'registry_person' AND name IN (%s, %s, %s) ORDER BY name",
                    list(SQLITE_TRIGGERS))
        saved = [(name, sql) for name, sql in cur.fetchall()]
        for name, _sql in saved:
            cur.execute(f"DROP TRIGGER {name}")
    return saved


def is_sync_trigger(name: str) -> bool:
    return name in SQLITE_TRIGGERS


def restore_sync_triggers(saved: list[tuple[str, str]]) -> int:
    """Create the triggers of `saved` that are missing and, if any was, rebuild the index from
    the table (one pass, much faster than a trigger per row during a load). Return how many
    triggers were created."""
    if connection.vendor != "sqlite" or not saved:
        return 0
    with connection.cursor() as cur:
        cur.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                    "AND tbl_name = 'registry_person'")
        present = {row[0] for row in cur.fetchall()}
        made = 0
        for name, sql in saved:
            if name not in present:
                cur.execute(sql)
                made += 1
        if made:
            cur.execute(f"INSERT INTO {TABLE}({TABLE}) VALUES ('rebuild')")
    return made
