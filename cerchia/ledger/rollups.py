"""The member × group × month rollup: kept in step with the ledger inside each write's
transaction (``apply``), and rebuilt from the ledger by SQL aggregates (``rebuild``).

Each ledger fact contributes deltas to one or more rows (``contributions_of_*``); a write applies
its contributions, an edit removes the old ones and applies the new. Facts outside any group
count in the person's own informal network, so every row has a group. Money goes to the row of
its currency; counts and hours to the row of the group's currency.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth

from cerchia.dues.models import add_months
from cerchia.groups.models import Group, Kind
from cerchia.ledger.models import (
    ROLLUP_COUNTERS,
    WINDOW_COUNTERS,
    ClosedBusiness,
    Connection,
    Credit,
    Investment,
    OneToOne,
    Referral,
    Rollup,
    SixMonthRollup,
    SixMonthWindow,
)

RollupKey = tuple[int, int, datetime.date, str]  # user, group, month, currency


@dataclass
class Delta:
    user_id: int
    group: Group | None  # None: the person's informal network
    day: datetime.date
    currency: str = ""  # "" : the group's currency
    values: dict[str, Any] = field(default_factory=dict)


def month_of(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


# --- what each fact contributes -----------------------------------------------------------


def contributions_of_referral(referral: Referral) -> list[Delta]:
    out = [
        Delta(referral.giver_id, referral.group, referral.given_on, values={"referrals_given": 1})
    ]
    if referral.receiver_id is not None:
        out.append(
            Delta(
                referral.receiver_id,
                referral.group,
                referral.given_on,
                values={"referrals_received": 1},
            )
        )
    return out


def contributions_of_closed(closed: ClosedBusiness) -> list[Delta]:
    return [
        Delta(
            closed.receiver_id,
            closed.group,
            closed.closed_on,
            closed.currency,
            {"closed_received_count": 1, "closed_received_minor": closed.amount_minor},
        ),
        Delta(
            closed.giver_id,
            closed.group,
            closed.closed_on,
            closed.currency,
            {"closed_given_count": 1, "closed_given_minor": closed.amount_minor},
        ),
    ]


def contributions_of_one_to_one(one: OneToOne) -> list[Delta]:
    if one.status != OneToOne.Status.HELD or one.held_on is None:
        return []
    return [
        Delta(user_id, one.group, one.held_on, values={"one_to_ones": 1})
        for user_id in (one.proposer_id, one.partner_id)
    ]


def contributions_of_connection(connection: Connection) -> list[Delta]:
    out = [
        Delta(connection.owner_id, connection.group, connection.met_on, values={"connections": 1})
    ]
    if connection.followed_up_on is not None:
        out.append(
            Delta(
                connection.owner_id,
                connection.group,
                connection.followed_up_on,
                values={"follow_ups_done": 1},
            )
        )
    return out


def contributions_of_investment(investment: Investment) -> list[Delta]:
    """Money to the row of its currency, hours to the row of the group's currency (two rows
    when an investment in another currency also took hours, as ``rebuild`` counts them)."""
    out = []
    user_id, group, day = investment.user_id, investment.group, investment.spent_on
    if investment.amount_minor:
        out.append(
            Delta(
                user_id, group, day, investment.currency, {"money_minor": investment.amount_minor}
            )
        )
    if investment.hours:
        out.append(Delta(user_id, group, day, values={"hours": investment.hours}))
    return out


ATTENDANCE_COUNTERS: dict[str, dict[str, int]] = {
    "present": {"attended": 1},
    "late": {"attended": 1, "late": 1},
    "absent": {"absent": 1},
    "substitute": {"substituted": 1},
}


def contributions_of_attendance(
    user_id: int, group: Group, day: datetime.date, status: str
) -> list[Delta]:
    values = ATTENDANCE_COUNTERS.get(status)
    return [Delta(user_id, group, day, values=dict(values))] if values else []


CREDIT_COUNTER = {"education": "education", "testimonial": "testimonials"}


def contributions_of_credit(credit: Credit) -> list[Delta]:
    return [
        Delta(
            credit.user_id, credit.group, credit.earned_on, values={CREDIT_COUNTER[credit.kind]: 1}
        )
    ]


def contributions_of_visit(inviter_id: int, group: Group, day: datetime.date) -> list[Delta]:
    return [Delta(inviter_id, group, day, values={"visitors_brought": 1})]


# --- applying them ------------------------------------------------------------------------


def _key(delta: Delta, informal: dict[int, Group]) -> RollupKey:
    group = delta.group if delta.group is not None else informal[delta.user_id]
    currency = delta.currency or group.currency
    return (delta.user_id, group.pk, month_of(delta.day), currency)


def _merge(deltas: Iterable[Delta], sign: int, informal: dict[int, Group]) -> dict[RollupKey, dict]:
    merged: dict[RollupKey, dict[str, Any]] = defaultdict(dict)
    for delta in deltas:
        row = merged[_key(delta, informal)]
        for name, value in delta.values.items():
            row[name] = row.get(name, 0) + sign * value
    return merged


@transaction.atomic(savepoint=False)
def apply(add: Sequence[Delta] = (), remove: Sequence[Delta] = ()) -> None:
    """Add ``add`` and take away ``remove`` (an edit: the old contributions, then the new)."""
    outside = {delta.user_id for delta in (*add, *remove) if delta.group is None}
    informal = _informal_map(outside) if outside else {}
    merged = _merge(add, 1, informal)
    for key, values in _merge(remove, -1, informal).items():
        into = merged[key]
        for name, value in values.items():
            into[name] = into.get(name, 0) + value
    rows = {}
    for key, values in merged.items():
        changes = {name: value for name, value in values.items() if value}
        if changes:
            rows[key] = changes
    if not rows:
        return
    _add_to_rows(rows)
    # After the monthly rows: that statement waits while a window is being built (its lock),
    # so this one sees the window once it is there, and adds to it.
    _add_to_windows(rows)
    for key, changes in rows.items():
        if any(value < 0 for value in changes.values()):
            _drop_if_empty(key)


ROLLUP_NUMBERS = (*ROLLUP_COUNTERS, "hours")
KEY_FIELDS = ("user", "group", "month", "currency")


def _values_params(
    rows: dict[RollupKey, dict[str, Any]], names: Sequence[str]
) -> tuple[list[Any], list[Any], list[Any]]:
    """The monthly rollup's key fields, the fields ``names``, and the parameters of one
    ``VALUES`` tuple per row (its key, then each of ``names``, 0 when unchanged) — in key
    order, so that two writes touching the same rows lock them in the same order."""
    fields = {f.name: f for f in Rollup._meta.concrete_fields}
    keys = [fields[name] for name in KEY_FIELDS]
    numbers = [fields[name] for name in names]
    params: list[Any] = []
    for key, changes in sorted(rows.items()):
        params += [
            f.get_db_prep_save(value, connection) for f, value in zip(keys, key, strict=True)
        ]
        params += [f.get_db_prep_save(changes.get(f.name, 0), connection) for f in numbers]
    return keys, numbers, params


def _add_to_rows(rows: dict[RollupKey, dict[str, Any]]) -> None:
    """Add each row's changes to it, creating the missing rows, in one statement: an
    ``INSERT ... ON CONFLICT DO UPDATE`` (PostgreSQL, and SQLite since 3.24) that adds to the
    columns, which ``bulk_create(update_conflicts=True)`` cannot do."""
    meta = Rollup._meta
    quote = connection.ops.quote_name
    keys, numbers, params = _values_params(rows, ROLLUP_NUMBERS)
    changed = {name for changes in rows.values() for name in changes}
    columns = ", ".join(quote(f.column) for f in (*keys, *numbers))
    placeholders = ", ".join(["%s"] * (len(keys) + len(numbers)))
    table = quote(meta.db_table)
    additions = ", ".join(
        f"{quote(f.column)} = {table}.{quote(f.column)} + EXCLUDED.{quote(f.column)}"
        for f in numbers
        if f.name in changed
    )
    unique = ", ".join(quote(f.column) for f in keys)
    # Only quoted names from the model are spliced in; every value is a parameter.
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES "  # noqa: S608
        + ", ".join([f"({placeholders})"] * len(rows))
        + f" ON CONFLICT ({unique}) DO UPDATE SET {additions}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _add_to_windows(rows: dict[RollupKey, dict[str, Any]]) -> None:
    """Add the monthly rows' changes to the six-month rows of every built window that holds
    their month, in one ``INSERT ... SELECT`` joined with the windows (it inserts nothing when
    no window holds them). Several months of one window add up before they are written."""
    picked = {
        key: {name: changes[name] for name in WINDOW_COUNTERS if changes.get(name)}
        for key, changes in rows.items()
    }
    picked = {key: changes for key, changes in picked.items() if changes}
    if not picked:
        return
    quote = connection.ops.quote_name
    keys, numbers, params = _values_params(picked, WINDOW_COUNTERS)
    # VALUES columns are column1, column2, ... on both databases: user, group, month,
    # currency, then the counters.
    placeholders = ", ".join(["%s"] * (len(keys) + len(numbers)))
    values = ", ".join([f"({placeholders})"] * len(picked))
    sums = ", ".join(f"SUM(v.column{5 + i})" for i in range(len(numbers)))
    table = quote(SixMonthRollup._meta.db_table)
    columns = _window_columns()
    additions = ", ".join(
        f"{quote(name)} = {table}.{quote(name)} + EXCLUDED.{quote(name)}"
        for name in WINDOW_COUNTERS
    )
    windows = quote(SixMonthWindow._meta.db_table)
    # Only quoted names from the models are spliced in; every value is a parameter. The
    # WHERE before ON CONFLICT is SQLite's way to tell the upsert from a join's ON.
    sql = (
        f"INSERT INTO {table} ({columns}) "  # noqa: S608
        f"SELECT w.start, v.column1, v.column2, v.column4, {sums} "
        f"FROM (VALUES {values}) v JOIN {windows} w "
        "ON w.start <= v.column3 AND v.column3 <= w.last_month WHERE 1 = 1 "
        "GROUP BY w.start, v.column1, v.column2, v.column4 "
        # In key order, as the monthly rows: concurrent writes lock rows in the same order.
        "ORDER BY w.start, v.column1, v.column2, v.column4 "
        f"ON CONFLICT (start, group_id, user_id, currency) DO UPDATE SET {additions}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- six-month windows --------------------------------------------------------------------

WINDOW_MONTHS = 6


def window_built(start: datetime.date) -> bool:
    return SixMonthWindow.objects.filter(start=start).exists()


def ensure_window(start: datetime.date) -> bool:
    """Build the six-month window from ``start`` unless it is there (looked up without the
    build's lock, so readers of a built window never wait for writers); True if built now."""
    if window_built(start):
        return False
    build_window(start)
    return True


def build_window(start: datetime.date) -> SixMonthWindow:
    """The six-month window from the month ``start``, building its rows from the monthly
    rollup unless it is built already; windows older than the one before it are dropped.

    On PostgreSQL the monthly rollup is locked against writes while the rows are summed
    (SHARE ROW EXCLUSIVE, which a second builder waits for too): a write either committed
    before, and is in the sums, or waits and then adds to the built window — never both,
    never neither. Once a month, by the daily job; at 10M referrals it takes seconds."""
    start = start.replace(day=1)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                table = connection.ops.quote_name(Rollup._meta.db_table)
                cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        found = SixMonthWindow.objects.filter(start=start).first()
        if found is not None:
            return found
        window = SixMonthWindow.objects.create(
            start=start, last_month=add_months(start, WINDOW_MONTHS - 1)
        )
        _fill_window(window)
        older = SixMonthWindow.objects.filter(start__lt=add_months(start, -1))
        SixMonthRollup.objects.filter(start__in=older.values("start")).delete()
        older.delete()
    return window


def _window_columns() -> str:
    """The six-month rollup's columns an insert names: its key, then the counters."""
    fields = {f.name: f for f in SixMonthRollup._meta.concrete_fields}
    names = ("start", "user", "group", "currency", *WINDOW_COUNTERS)
    return ", ".join(connection.ops.quote_name(fields[name].column) for name in names)


def _fill_window(window: SixMonthWindow) -> None:
    """The window's rows: the monthly rows of its months, summed per member, group and
    currency (rows with nothing to count are left out)."""
    quote = connection.ops.quote_name
    target, source = SixMonthRollup._meta, Rollup._meta
    columns = _window_columns()
    sums = ", ".join(f"SUM(r.{quote(name)})" for name in WINDOW_COUNTERS)
    anything = " OR ".join(f"r.{quote(name)} <> 0" for name in WINDOW_COUNTERS)
    sql = (
        f"INSERT INTO {quote(target.db_table)} ({columns}) "  # noqa: S608 (quoted names only)
        f"SELECT %s, r.user_id, r.group_id, r.currency, {sums} "
        f"FROM {quote(source.db_table)} r WHERE r.month >= %s AND r.month <= %s AND ({anything}) "
        "GROUP BY r.user_id, r.group_id, r.currency"
    )
    adapt = connection.ops.adapt_datefield_value
    with connection.cursor() as cursor:
        cursor.execute(sql, [adapt(window.start), adapt(window.start), adapt(window.last_month)])


def window_snapshot(start: datetime.date) -> dict[tuple[int, int, str], dict[str, int]]:
    """The window's non-zero rows as plain values (for comparing with the monthly rows)."""
    out = {}
    for row in SixMonthRollup.objects.filter(start=start).values(
        "user_id", "group_id", "currency", *WINDOW_COUNTERS
    ):
        key = (row.pop("user_id"), row.pop("group_id"), row.pop("currency"))
        values = {name: value for name, value in row.items() if value}
        if values:
            out[key] = values
    return out


def _empty_q() -> Q:
    q = Q(hours=0)
    for name in ROLLUP_COUNTERS:
        q &= Q(**{name: 0})
    return q


def _drop_if_empty(key: RollupKey) -> None:
    user_id, group_id, month, currency = key
    Rollup.objects.filter(
        _empty_q(), user_id=user_id, group_id=group_id, month=month, currency=currency
    ).delete()


# --- rebuilding from the ledger -----------------------------------------------------------


def _informal_map(user_ids: set[int]) -> dict[int, Group]:
    from cerchia.accounts.models import User
    from cerchia.groups.services import ensure_informal_network

    found = {g.owner_id: g for g in Group.objects.filter(kind=Kind.INFORMAL, owner_id__in=user_ids)}
    for user_id in user_ids - set(found):
        found[user_id] = ensure_informal_network(User(pk=user_id))
    return found  # type: ignore[return-value]


class _Accumulator:
    """Sums aggregate rows into rollup keys, resolving groups and currencies in bulk."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, int | None, datetime.date, str, dict[str, Any]]] = []

    def add(
        self, user_id: int, group_id: int | None, month: Any, currency: str, values: dict
    ) -> None:
        if isinstance(month, datetime.datetime):
            month = month.date()
        self.rows.append((user_id, group_id, month, currency, values))

    def result(self) -> dict[RollupKey, dict[str, Any]]:
        informal = _informal_map({u for u, g, _m, _c, _v in self.rows if g is None})
        group_ids = {g for _u, g, _m, _c, _v in self.rows if g is not None}
        currencies = dict(Group.objects.filter(pk__in=group_ids).values_list("pk", "currency"))
        for group in informal.values():
            currencies[group.pk] = group.currency
        out: dict[RollupKey, dict[str, Any]] = defaultdict(dict)
        for user_id, group_id, month, currency, values in self.rows:
            gid = group_id if group_id is not None else informal[user_id].pk
            key = (user_id, gid, month, currency or currencies[gid])
            row = out[key]
            for name, value in values.items():
                if value:
                    row[name] = row.get(name, 0) + value
        return out


def _referrals(acc: _Accumulator) -> None:
    base = Referral.objects.annotate(m=TruncMonth("given_on"))
    for row in base.values("giver_id", "group_id", "m").annotate(n=Count("pk")).order_by():
        acc.add(row["giver_id"], row["group_id"], row["m"], "", {"referrals_given": row["n"]})
    received = base.filter(receiver__isnull=False).values("receiver_id", "group_id", "m")
    for row in received.annotate(n=Count("pk")).order_by():
        acc.add(row["receiver_id"], row["group_id"], row["m"], "", {"referrals_received": row["n"]})


def _closed(acc: _Accumulator) -> None:
    base = ClosedBusiness.objects.annotate(m=TruncMonth("closed_on"))
    for side, prefix in (("receiver_id", "closed_received"), ("giver_id", "closed_given")):
        rows = base.values(side, "group_id", "m", "currency").annotate(
            n=Count("pk"), total=Sum("amount_minor")
        )
        for row in rows.order_by():
            acc.add(
                row[side],
                row["group_id"],
                row["m"],
                row["currency"],
                {f"{prefix}_count": row["n"], f"{prefix}_minor": row["total"]},
            )


def _one_to_ones(acc: _Accumulator) -> None:
    base = OneToOne.objects.filter(status=OneToOne.Status.HELD).annotate(m=TruncMonth("held_on"))
    for side in ("proposer_id", "partner_id"):
        for row in base.values(side, "group_id", "m").annotate(n=Count("pk")).order_by():
            acc.add(row[side], row["group_id"], row["m"], "", {"one_to_ones": row["n"]})


def _connections(acc: _Accumulator) -> None:
    made = Connection.objects.annotate(m=TruncMonth("met_on"))
    for row in made.values("owner_id", "group_id", "m").annotate(n=Count("pk")).order_by():
        acc.add(row["owner_id"], row["group_id"], row["m"], "", {"connections": row["n"]})
    done = Connection.objects.filter(followed_up_on__isnull=False).annotate(
        m=TruncMonth("followed_up_on")
    )
    for row in done.values("owner_id", "group_id", "m").annotate(n=Count("pk")).order_by():
        acc.add(row["owner_id"], row["group_id"], row["m"], "", {"follow_ups_done": row["n"]})


def _investments(acc: _Accumulator) -> None:
    base = Investment.objects.annotate(m=TruncMonth("spent_on"))
    money = base.filter(amount_minor__gt=0).values("user_id", "group_id", "m", "currency")
    for row in money.annotate(total=Sum("amount_minor")).order_by():
        acc.add(
            row["user_id"],
            row["group_id"],
            row["m"],
            row["currency"],
            {"money_minor": row["total"]},
        )
    hours = base.filter(hours__gt=0).values("user_id", "group_id", "m")
    for row in hours.annotate(total=Sum("hours")).order_by():
        acc.add(row["user_id"], row["group_id"], row["m"], "", {"hours": row["total"]})


def _credits(acc: _Accumulator) -> None:
    base = Credit.objects.annotate(m=TruncMonth("earned_on"))
    for row in base.values("user_id", "group_id", "kind", "m").annotate(n=Count("pk")).order_by():
        acc.add(
            row["user_id"], row["group_id"], row["m"], "", {CREDIT_COUNTER[row["kind"]]: row["n"]}
        )


def _by_zone(acc: _Accumulator, qs: Any, user_field: str, values: dict[str, Any]) -> None:
    """Meeting facts count in the month of the meeting's local date (the group's zone)."""
    zones = qs.values_list("meeting__group__time_zone", flat=True).distinct().order_by()
    for zone in set(zones):
        rows = (
            qs.filter(meeting__group__time_zone=zone)
            .annotate(m=TruncMonth("meeting__starts_at", tzinfo=ZoneInfo(zone)))
            .values(user_field, "meeting__group_id", "m")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in rows:
            acc.add(
                row[user_field],
                row["meeting__group_id"],
                row["m"],
                "",
                {name: row["n"] for name in values},
            )


def _attendance(acc: _Accumulator) -> None:
    from cerchia.meetings.models import Attendance, Registration

    for statuses, counter in (
        (["present", "late"], "attended"),
        (["late"], "late"),
        (["absent"], "absent"),
        (["substitute"], "substituted"),
    ):
        qs = Attendance.objects.filter(status__in=statuses)
        _by_zone(acc, qs, "user_id", {counter: 1})
    visits = Registration.objects.filter(
        visitor__isnull=False, registered_by__isnull=False, checked_in_at__isnull=False
    )
    _by_zone(acc, visits, "registered_by_id", {"visitors_brought": 1})


@transaction.atomic
def rebuild(progress: Any = None) -> int:
    """Recompute every rollup row from the ledger; returns how many rows there are."""
    acc = _Accumulator()
    steps = (_referrals, _closed, _one_to_ones, _connections, _investments, _credits, _attendance)
    for number, step in enumerate(steps, 1):
        step(acc)
        if progress is not None:
            progress(number, len(steps))
    rows = acc.result()
    Rollup.objects.all().delete()
    Rollup.objects.bulk_create(
        [
            Rollup(user_id=u, group_id=g, month=m, currency=c, **values)
            for (u, g, m, c), values in rows.items()
            if values
        ],
        batch_size=1000,
    )
    # The built six-month windows again, from the rebuilt months.
    refill_windows()
    return len(rows)


def refill_windows() -> None:
    """Every built six-month window's rows summed again from the monthly rows."""
    SixMonthRollup.objects.all().delete()
    for window in SixMonthWindow.objects.all():
        _fill_window(window)


def snapshot() -> dict[RollupKey, dict[str, Any]]:
    """Every non-empty rollup row as plain values (for comparing rebuilt and incremental)."""
    names = (*ROLLUP_COUNTERS, "hours")
    out = {}
    for row in Rollup.objects.exclude(_empty_q()).values(
        "user_id", "group_id", "month", "currency", *names
    ):
        key = (row.pop("user_id"), row.pop("group_id"), row.pop("month"), row.pop("currency"))
        out[key] = {k: (Decimal(v) if k == "hours" else v) for k, v in row.items() if v}
    return out
