"""`field__subtree="/1/5/"`: rows whose materialized path starts with a prefix, using the index.

PostgreSQL uses the `varchar_pattern_ops` index Django creates for indexed CharFields, so the
ordinary `LIKE 'prefix%'` is an index range scan there. SQLite's LIKE is case-insensitive and
never uses an ordinary index, so on SQLite the same test is written as the equivalent range
`path >= 'prefix' AND path < 'prefiy'` (last character incremented), which is a covering index
search. Both give exactly the rows `startswith` gives for paths made of digits and slashes.
"""

from __future__ import annotations

from django.db.models import CharField
from django.db.models.lookups import StartsWith


@CharField.register_lookup
class SubtreeLookup(StartsWith):
    lookup_name = "subtree"

    def as_sql(self, compiler, connection):
        # Exactly `startswith` (the backends' operator tables are keyed by that name).
        return StartsWith(self.lhs, self.rhs).as_sql(compiler, connection)

    def as_sqlite(self, compiler, connection):
        if not isinstance(self.rhs, str) or not self.rhs:
            return self.as_sql(compiler, connection)
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        upper = self.rhs[:-1] + chr(ord(self.rhs[-1]) + 1)
        return (f"({lhs_sql} >= %s AND {lhs_sql} < %s)",
                (*lhs_params, self.rhs, *lhs_params, upper))
