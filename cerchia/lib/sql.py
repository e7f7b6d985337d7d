"""Small helpers for the few raw statements on hot paths."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any, TypeVar

from django.db import connection, transaction
from django.db.models import Model

M = TypeVar("M", bound=Model)
Converter = Callable[[Any, Any, Any], Any]


def id_in(column: str, ids: list[int]) -> tuple[str, list[Any]]:
    """``column`` among ``ids`` with its parameters: one array parameter on PostgreSQL (a
    statement that does not grow with 10,000 ids), a list of parameters elsewhere."""
    if connection.vendor == "postgresql":
        # As one text literal: psycopg would otherwise inspect every number to pick a type.
        return f"{column} = ANY(%s::bigint[])", ["{" + ",".join(str(int(i)) for i in ids) + "}"]
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


@contextmanager
def work_mem(size: str) -> Iterator[None]:
    """Inside: PostgreSQL's memory for each sort or hash of one statement raised to ``size``
    (``SET LOCAL``, in a transaction of its own); elsewhere nothing changes."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('work_mem', %s, true)", [size])
        yield


def columns(model: type[Model], alias: str) -> str:
    """Every concrete column of ``model`` under the table alias ``alias``, in field order:
    the select list that ``instance`` reads back."""
    return _columns(model, alias, connection.vendor)


@cache
def _columns(model: type[Model], alias: str, vendor: str) -> str:
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(f.column)}" for f in model._meta.concrete_fields)


@cache
def _converters(model: type[Model], vendor: str) -> tuple[tuple[int, Converter, Any], ...]:
    """What the ORM's compiler would apply to each of ``model``'s columns on this database."""
    found: list[tuple[int, Converter, Any]] = []
    for index, field in enumerate(model._meta.concrete_fields):
        column = field.get_col(model._meta.db_table)
        found.extend(
            (index, convert, column)
            for convert in (
                *connection.ops.get_db_converters(column),
                *field.get_db_converters(connection),  # type: ignore[attr-defined]
            )
        )
    return tuple(found)


def instance(model: type[M], row: Sequence[Any], offset: int = 0) -> M | None:
    """The ``model`` instance whose columns (``columns(model, ...)``) start at ``offset`` in
    ``row``, converted as a queryset would; None when its primary key is NULL (an outer join
    that found nothing)."""
    fields = model._meta.concrete_fields
    values = list(row[offset : offset + len(fields)])
    pk_index = fields.index(model._meta.pk)
    if values[pk_index] is None:
        return None
    for index, convert, column in _converters(model, connection.vendor):
        values[index] = convert(values[index], column, connection)
    return model.from_db(connection.alias, [f.attname for f in fields], values)
