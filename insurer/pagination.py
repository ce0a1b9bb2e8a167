"""Pagination that stays fast on millions of rows.

- API lists use cursor pagination: constant time per page however deep an integrator
  walks, and stable while rows are being added.
- HTML tables use page numbers with a *capped* count: counting 3,000,000 transactions on
  every page view costs more than the page itself, so we count at most COUNT_CAP + 1 rows
  and show "10,000+".
"""

from __future__ import annotations

from functools import cached_property

from django.core.paginator import Paginator
from rest_framework.pagination import CursorPagination

COUNT_CAP = 10_000


class ApiCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000
    ordering = "-id"


class CappedPaginator(Paginator):
    """A Paginator whose count stops at COUNT_CAP + 1 (``count_is_capped`` tells)."""

    @cached_property
    def count(self) -> int:
        # Without its ORDER BY: the database need not sort rows it only counts.
        return self.object_list.order_by()[: COUNT_CAP + 1].count()

    @property
    def count_is_capped(self) -> bool:
        return self.count > COUNT_CAP
