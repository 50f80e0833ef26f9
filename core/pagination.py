"""One way to cut a list into pages, so that no list page grows with the history."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import QuerySet


def paginer(request: Any, object_list: Any, per_page: int, *, param: str = "page", count: int | None = None) -> Page:
    """The page asked by `?page=` (the last one if out of range), at most `per_page` rows.

    `TSF_PAGE_SIZE_MAX` caps every list's page size: the scale test shrinks it below its smallest
    data set, so that two sizes of the same programme must give pages of the same size.
    `count`: the list's exact length when the caller already has it from a query it makes anyway
    (the paginator's own COUNT would read the same rows a second time).
    """
    cap = settings.TSF_PAGE_SIZE_MAX
    paginator = Paginator(object_list, min(per_page, cap) if cap else per_page)
    if count is not None:
        paginator.count = count  # the cached property, set before anything asks it
    return paginator.get_page(request.GET.get(param))


def plafond(limite: int) -> int:
    """A list's own limit (the first N of a ranking, of a to-do list), under the same cap."""
    cap = settings.TSF_PAGE_SIZE_MAX
    return min(limite, cap) if cap else limite


def existent(querysets: list[QuerySet]) -> list[bool]:
    """Whether each queryset has a row, all in one query (an EXISTS per queryset): a page that shows
    several lists, most of them often empty, reads only the others (each list read costs Django a
    millisecond or two of compiling its SQL; the probe's EXISTS much less)."""
    selects: list[str] = []
    params: list[Any] = []
    for qs in querysets:
        try:
            sql, qs_params = qs.order_by().values("pk")[:1].query.sql_with_params()
        except EmptyResultSet:
            selects.append("FALSE")
            continue
        # Django-compiled SQL of our own querysets; every value stays a parameter.
        selects.append(f"EXISTS ({sql})")
        params.extend(qs_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(selects), params)  # noqa: S608  # nosec B608
        return [bool(v) for v in cursor.fetchone()]
