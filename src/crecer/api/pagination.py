"""Limit/offset pagination for list endpoints: two queries (count and page), whatever the size.

    class MyFilters(PageParams):       # the query parameters of a list endpoint
        q: str = ""

    @router.get("", response=page_of(MyOut))
    def my_list(request, filters: Query[MyFilters]):
        return paginate(queryset.order_by("name", "pk"), filters)

Order the queryset on a unique key (add "pk") so that pages never overlap.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.db.models import QuerySet
from ninja import Field, Schema
from pydantic import create_model

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class PageParams(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT,
                       description=f"Rows per page (at most {MAX_LIMIT}).")
    offset: int = Field(0, ge=0, description="Rows to skip.")


@cache
def page_of(item: type[Schema]) -> type[Schema]:
    """The response schema of a page of `item`: {count, limit, offset, items}."""
    return create_model(  # type: ignore[call-overload]
        f"{item.__name__.removesuffix('Out')}Page",
        __base__=Schema,
        count=(int, ...),
        limit=(int, ...),
        offset=(int, ...),
        items=(list[item], ...),
    )


def paginate(queryset: QuerySet, params: PageParams, *, after=None) -> dict[str, Any]:
    """One page of `queryset`. `after(rows)` may decorate the fetched rows in bulk (one query
    for all of them, never one per row) before they are serialised."""
    rows = list(queryset[params.offset: params.offset + params.limit])
    if params.offset == 0 and len(rows) < params.limit:
        count = len(rows)  # the whole result fits in this page: no COUNT query needed
    else:
        count = queryset.count()
    if after is not None:
        rows = after(rows)
    return {"count": count, "limit": params.limit, "offset": params.offset, "items": rows}
