from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from ninja import Schema

MAX_LIMIT = 500


class PageParams(Schema):
    limit: int = 50
    offset: int = 0


def page(qs: QuerySet[Any], limit: int, offset: int) -> tuple[list[Any], int]:
    """One page of ``qs`` and the total count; limit is clamped to 1..500."""
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    return list(qs[offset : offset + limit]), qs.count()
