"""A per-user cache of what the tablero pages and the indicator API compute.

Pages only change when the data changes: indicator values when a refresh swaps in a new results
file (the engine's CURRENT pointer), everything else they show (targets, approvals, territory
names, the catalogue, gate decisions) through audited actions (`crecer.core.audit`). So the
key holds `data_version()` and nothing is ever invalidated by hand: a new version makes new
keys and the old entries age out (the cache is bounded, and every entry expires after the
cache's TIMEOUT, settings.CACHES).

Entries are per user (never per role): her id, role and territories are in the key, with the
active language, today's date (the period menus end at the current month), the request path and
its sorted query string. What is cached is only what the view computes after its own checks
(scope → 404, role → 403), which run on every request.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import date
from typing import TypeVar
from urllib.parse import urlencode

from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.db import connection
from django.utils import translation

from crecer.accounts import scope

T = TypeVar("T")
PREFIX = "crecer:tablero"
# On PostgreSQL two audited transactions may commit out of id order (ids come from a sequence
# when the row is written, not at commit): an event committed late below the highest id would go
# unseen by the highest id alone, so the version also counts the ids just below it.
LATE_WINDOW = 1000
_MISSING = object()


def results_stamp() -> str:
    """The name of the results file the engine's CURRENT points to ('' before a refresh)."""
    from crecer.indicators.engine import current_results

    path = current_results()
    return path.name if path is not None else ""


def audit_version() -> tuple[int, int]:
    """(highest audit event id, number of events within LATE_WINDOW below it): one query over
    the primary key (plain SQL: the ORM's compilation of it costs more than running it)."""
    from crecer.core.models import AuditEvent

    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(id), COUNT(*) FROM {table} "
                       f"WHERE id > (SELECT MAX(id) FROM {table}) - %s", [LATE_WINDOW])
        top, n = cursor.fetchone()
    return top or 0, n


def data_version() -> tuple[str, int, int]:
    """What the cached pages depend on: the results file and the audit trail."""
    return (results_stamp(), *audit_version())


def request_parts(request) -> tuple[str, str]:
    """The request's path and its query string, sorted (the same page whatever the order of
    its parameters)."""
    items = sorted((k, v) for k in request.GET for v in request.GET.getlist(k))
    return request.path, urlencode(items)


def key(key_parts: Iterable, user) -> str:
    """The cache key of `key_parts` for the user, in the active language, at today's date and
    the current data version."""
    who = (user.pk, getattr(user, "role", ""), tuple(scope.root_paths(user)))
    raw = repr((data_version(), who, translation.get_language(), date.today().isoformat(),
                tuple(key_parts)))
    return f"{PREFIX}:{user.pk}:{hashlib.sha256(raw.encode()).hexdigest()}"


def cached(key_parts: Iterable, user, build: Callable[[], T]) -> T:
    """`build()`'s result for this user and data version, computed once. Exceptions (404, 400)
    propagate and nothing is stored."""
    store = caches["default"]
    if isinstance(store, DummyCache):  # no cache (the test settings): not even the key
        return build()
    k = key(key_parts, user)
    value = store.get(k, _MISSING)
    if value is _MISSING:
        value = build()
        store.set(k, value)
    return value
