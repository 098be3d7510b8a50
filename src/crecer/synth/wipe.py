"""Delete a previous synthetic data set with set-based SQL: the territory subtree under the
synthetic country and the `synth-` users, each after every row that depends on them (found
through the models' reverse relations, so rows of apps added later go too).

Audit events are append-only (database triggers refuse changes), so a synth user who appears
in the audit trail as an actor is kept, deactivated, instead of deleted.
"""

from __future__ import annotations

from collections import Counter

from django.db import connection, models, transaction

from crecer.accounts.models import User
from crecer.core.models import AuditEvent
from crecer.territory.models import OrgUnit

from .world import ROOT_CODE, USER_PREFIX


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _delete_where(model: type[models.Model], where: str, counts: Counter,
                  tables: set[str], stack: tuple = ()) -> None:
    """Delete the rows of `model` matching the SQL condition `where`, after their dependents."""
    table = _q(model._meta.db_table)
    stack = (*stack, model)
    with connection.cursor() as cur:
        for rel in model._meta.get_fields(include_hidden=True):
            if not (rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one)):
                continue
            related = rel.related_model
            if related is model or related in stack or related._meta.proxy \
                    or not related._meta.managed or related is AuditEvent \
                    or related._meta.db_table not in tables:  # not migrated yet
                continue
            fk = rel.field
            cond = (f"{_q(fk.column)} IN (SELECT {_q(fk.target_field.column)} FROM {table} "
                    f"WHERE {where})")
            if rel.on_delete is models.SET_NULL:
                cur.execute(f"UPDATE {_q(related._meta.db_table)} SET {_q(fk.column)} = NULL "
                            f"WHERE {cond}")
            else:
                _delete_where(related, cond, counts, tables, stack)
        cur.execute(f"DELETE FROM {table} WHERE {where}")
        if cur.rowcount and cur.rowcount > 0:
            counts[model._meta.db_table] += cur.rowcount


def wipe() -> Counter:
    """Remove the synthetic country's subtree and the synth users; return rows deleted per
    table. Other data (the demo's, real data) is left alone."""
    counts: Counter = Counter()
    root = OrgUnit.objects.filter(code=ROOT_CODE).values_list("path", flat=True).first()
    audited = (f"SELECT {_q('actor_id')} FROM {_q(AuditEvent._meta.db_table)} "
               f"WHERE {_q('actor_id')} IS NOT NULL")
    synth_users = f"{_q('username')} LIKE '{USER_PREFIX}%'"
    tables = set(connection.introspection.table_names())
    with transaction.atomic():
        if root:
            assert "'" not in root and "%" not in root
            _delete_where(OrgUnit, f"{_q('path')} LIKE '{root}%'", counts, tables)
        _delete_where(User, f"{synth_users} AND {_q('id')} NOT IN ({audited})", counts, tables)
        kept = User.objects.filter(username__startswith=USER_PREFIX).update(is_active=False)
    if kept:
        counts["accounts_user (kept, deactivated: in the audit trail)"] = kept
    return counts
