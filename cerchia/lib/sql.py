"""Small helpers for the few raw statements on hot paths."""

from __future__ import annotations

from typing import Any

from django.db import connection


def id_in(column: str, ids: list[int]) -> tuple[str, list[Any]]:
    """``column`` among ``ids`` with its parameters: one array parameter on PostgreSQL (a
    statement that does not grow with 10,000 ids), a list of parameters elsewhere."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [ids]
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids)
