"""Reads of the dedup app, each limited to what the caller may see.

A pair is visible when BOTH persons lie in the user's territories; a merge when both persons
do. `active_persons_table` is the one system-wide read, for the batch job (no user).
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import QuerySet

from crecer.accounts.scope import within
from crecer.registry.models import Person
from crecer.territory.queries import subtree_q

from .models import DuplicateCandidate, Merge, Status


def candidates_for(user, *, status: str | None = Status.PENDING) -> QuerySet[DuplicateCandidate]:
    """Pairs in the user's scope; pending ones only show pairs of two unmerged persons."""
    qs = DuplicateCandidate.objects.filter(
        within(user, "person_a__territory"), within(user, "person_b__territory"))
    if status:
        qs = qs.filter(status=status)
    if status == Status.PENDING:
        qs = qs.filter(person_a__merged_into__isnull=True, person_b__merged_into__isnull=True)
    return qs.select_related(
        "person_a__territory", "person_b__territory", "person_a__household",
        "person_b__household", "reviewed_by")


def review_queue(user) -> QuerySet[DuplicateCandidate]:
    """Pending pairs in scope, most likely first."""
    return candidates_for(user).order_by("-score", "created_at")


def merges_for(user) -> QuerySet[Merge]:
    return (Merge.objects.filter(within(user, "survivor__territory"),
                                 within(user, "merged__territory"))
            .select_related("survivor__territory", "merged__territory", "actor", "undone_by")
            .order_by("-at"))


ACTIVE_COLUMNS = ["id", "given_names", "first_surname", "second_surname", "sex", "birth_date",
                  "id_number", "phone"]


def active_persons_table(territory_path: str | None = None) -> dict[str, list[Any]]:
    """Every unmerged person (or those under `territory_path`) as columns, read with ONE SQL
    query and fetched in chunks: the input of the registry-wide duplicate search."""
    qs = Person.objects.filter(merged_into__isnull=True)
    if territory_path:
        qs = qs.filter(subtree_q([territory_path], field="territory__path"))
    sql, params = qs.values_list(*ACTIVE_COLUMNS).order_by().query.sql_with_params()
    cols: dict[str, list[Any]] = {c: [] for c in ACTIVE_COLUMNS}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(50_000):
            for name, values in zip(ACTIVE_COLUMNS, zip(*rows, strict=True), strict=True):
                cols[name].extend(values)
    return cols
