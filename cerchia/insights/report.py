"""The member report, "where my business comes from": per group and per kind of group, what a
person gave and received, what it cost them and what it returned, the monthly trend and where
their referrals come from.

Every figure of ``by_group`` and ``by_kind`` agrees with the rows ``cerchia export-ledger``
writes for the same days (``cerchia.ledger.exports.ledger_rows``). They are computed by SQL
aggregates straight on the ledger tables, each filtered by the person's own indexed column
(giver, receiver, owner, user) and the date, so the cost follows the person's rows and the
number of queries is the same whatever the data. The trend reads the monthly rollup (whole
months). Different currencies are never added together."""

from __future__ import annotations

import calendar
import datetime
import functools
import json
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cerchia.accounts.models import Profile, User, level_of
from cerchia.accounts.privacy import can_see
from cerchia.accounts.selectors import links_params, links_sql, reach_from_links
from cerchia.groups.models import Group, Kind, Membership
from cerchia.ledger.models import ClosedBusiness, Connection, Investment, Referral, Rollup
from cerchia.ledger.selectors_ledger import check_range, parse_day

# The figures of each group and kind object, in the order the CSV writes them.
METRICS = (
    "referrals_received",
    "referrals_given",
    "referrals_won",
    "conversion",
    "closed_business_received_minor",
    "closed_business_given_minor",
    "money_minor",
    "hours",
    "roi",
    "revenue_per_hour_minor",
    "reciprocity",
    "connections",
    "follow_ups_done",
    "follow_up_rate",
)
# What is summed (the ratios are worked out from these).
SUMMED = (
    "referrals_received",
    "referrals_given",
    "referrals_won",
    "closed_business_received_minor",
    "closed_business_given_minor",
    "money_minor",
    "connections",
    "follow_ups_done",
)
TREND_FIELDS = (
    "referrals_received",
    "referrals_given",
    "closed_business_received_minor",
    "money_minor",
    "hours",
)
UNKNOWN_CITY = "unknown"
KIND_ORDER = {kind: i for i, kind in enumerate(Kind.values)}

_RATIO = Decimal("0.0001")
_HOURS = Decimal("0.01")


# --- the period asked about ----------------------------------------------------------------

PERIODS = (
    ("30d", gettext_lazy("Last 30 days")),
    ("3m", gettext_lazy("Last quarter (3 months)")),
    ("6m", gettext_lazy("Last 6 months")),
    ("12m", gettext_lazy("Last year (12 months)")),
    ("custom", gettext_lazy("From … to …")),
)
DEFAULT_PERIOD = "12m"
_MONTHS = {"3m": 3, "6m": 6, "12m": 12}


@dataclass(frozen=True)
class ReportPeriod:
    key: str
    start: datetime.date | None  # None: since the first entry
    end: datetime.date


def report_period(
    key: str, today: datetime.date, start_text: str = "", end_text: str = ""
) -> ReportPeriod:
    """The period ``key`` names, ending ``today`` (inclusive): the last 30 days, or the last
    3, 6 or 12 months to the day (2026-03-10 → from 2025-12-11). "custom" reads the two dates:
    a blank start is the first entry, a blank end is today; a bad date or a start after the
    end raises LedgerError. Unknown keys mean the last 12 months."""
    if key == "custom":
        start = parse_day(start_text, _("From"))
        end = parse_day(end_text, _("To")) or today
        check_range(start, end)
        return ReportPeriod(key, start, end)
    if key == "30d":
        return ReportPeriod(key, today - datetime.timedelta(days=29), today)
    key = key if key in _MONTHS else DEFAULT_PERIOD
    return ReportPeriod(
        key, _months_before(today, _MONTHS[key]) + datetime.timedelta(days=1), today
    )


def _months_before(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` earlier, or that month's last day (31 May → 28 February)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(day.day, last))


# --- small arithmetic ----------------------------------------------------------------------


def ratio(numerator: int | Decimal, denominator: int | Decimal) -> float | None:
    """``numerator / denominator`` rounded half up to 4 decimals; None when it is zero."""
    if not denominator:
        return None
    return float((Decimal(numerator) / Decimal(denominator)).quantize(_RATIO, ROUND_HALF_UP))


def per_hour(amount_minor: int, hours: Decimal) -> int | None:
    """Minor units per hour, rounded half up to a whole number; None without hours."""
    if not hours:
        return None
    return int((Decimal(amount_minor) / hours).quantize(Decimal(1), ROUND_HALF_UP))


def finish(totals: dict[str, Any], hours: Decimal) -> dict[str, Any]:
    """The metrics of one object from its sums (``hours`` exact, shown with 2 decimals)."""
    received = totals["closed_business_received_minor"]
    money = totals["money_minor"]
    return {
        "referrals_received": totals["referrals_received"],
        "referrals_given": totals["referrals_given"],
        "referrals_won": totals["referrals_won"],
        "conversion": ratio(totals["referrals_won"], totals["referrals_received"]),
        "closed_business_received_minor": received,
        "closed_business_given_minor": totals["closed_business_given_minor"],
        "money_minor": money,
        "hours": float(hours.quantize(_HOURS, ROUND_HALF_UP)),
        "roi": ratio(received - money, money),
        "revenue_per_hour_minor": per_hour(received, hours),
        "reciprocity": ratio(totals["referrals_given"], totals["referrals_received"]),
        "connections": totals["connections"],
        "follow_ups_done": totals["follow_ups_done"],
        "follow_up_rate": ratio(totals["follow_ups_done"], totals["connections"]),
    }


@dataclass
class _Bucket:
    """One group in one currency while the sums come in."""

    group: dict[str, Any]
    currency: str
    sums: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SUMMED, 0))
    hours: Decimal = Decimal("0")

    def add(self, name: str, value: Any) -> None:
        self.sums[name] += value or 0


# --- per group and per kind ----------------------------------------------------------------


def _dates_sql(column: str, has_start: bool, has_end: bool) -> str:
    """`` AND column >= %s AND column <= %s`` for the bounds given (``_day_params``)."""
    return (f" AND {column} >= %s" if has_start else "") + (
        f" AND {column} <= %s" if has_end else ""
    )


def _day_params(start: datetime.date | None, end: datetime.date | None) -> list[Any]:
    """The parameters of ``_dates_sql`` for these bounds."""
    adapt = connection.ops.adapt_datefield_value
    return [adapt(day) for day in (start, end) if day is not None]


# The statements below are the same for every request with the same bounds: each is written
# once per process (and database vendor), not formatted again on every report.


# The report's sums, one SELECT per source on the person's own index (names from the models,
# values as parameters): (SQL, date column, parameters before the person's id).
_SUMS: tuple[tuple[str, ...], ...] = (
    (
        "SELECT 'given', group_id, '', COUNT(*), 0, 0 FROM {referral} "
        "WHERE giver_id = %s{dates} GROUP BY group_id",
        "given_on",
    ),
    (
        "SELECT 'received', group_id, '', COUNT(*), SUM(CASE WHEN status = %s THEN 1 ELSE 0 END), "
        "0 FROM {referral} WHERE receiver_id = %s{dates} GROUP BY group_id",
        "given_on",
        Referral.Status.WON.value,
    ),
    (
        "SELECT 'closed_received', group_id, currency, SUM(amount_minor), 0, 0 FROM {closed} "
        "WHERE receiver_id = %s{dates} GROUP BY group_id, currency",
        "closed_on",
    ),
    (
        "SELECT 'closed_given', group_id, currency, SUM(amount_minor), 0, 0 FROM {closed} "
        "WHERE giver_id = %s{dates} GROUP BY group_id, currency",
        "closed_on",
    ),
    (
        "SELECT 'connections', group_id, '', COUNT(*), "
        "SUM(CASE WHEN followed_up_on IS NOT NULL THEN 1 ELSE 0 END), 0 "
        "FROM {connection} WHERE owner_id = %s{dates} GROUP BY group_id",
        "met_on",
    ),
    (
        "SELECT 'invested', group_id, currency, SUM(amount_minor), 0, SUM(hours) "
        "FROM {investment} WHERE user_id = %s{dates} GROUP BY group_id, currency",
        "spent_on",
    ),
)


@functools.cache
def _sums_sql(vendor: str, has_start: bool, has_end: bool) -> str:
    tables = {
        "referral": Referral._meta.db_table,
        "closed": ClosedBusiness._meta.db_table,
        "connection": Connection._meta.db_table,
        "investment": Investment._meta.db_table,
    }
    return " UNION ALL ".join(
        sql.format(dates=_dates_sql(column, has_start, has_end), **tables)
        for sql, column, *_args in _SUMS
    )


def _ledger_sums(
    user: Any, start: datetime.date | None, end: datetime.date | None
) -> list[tuple[str, int | None, str, dict[str, Any]]]:
    """(what, group id, currency or "" for the group's, values) from one aggregate per source,
    each on the person's own index (giver/receiver/owner/user + date), sent as one statement:
    the report is asked for often, and one statement costs the ORM one compilation."""
    sql = _sums_sql(connection.vendor, start is not None, end is not None)
    day_params = _day_params(start, end)
    params: list[Any] = []
    for _sql, _column, *args in _SUMS:
        params.extend([*args, user.pk, *day_params])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()

    found: list[tuple[str, int | None, str, dict[str, Any]]] = []
    for what, group_id, currency, first, second, hours in rows:
        first, second = int(first or 0), int(second or 0)
        if what == "given":
            found.append((what, group_id, "", {"referrals_given": first}))
        elif what == "received":
            values = {"referrals_received": first, "referrals_won": second}
            found.append((what, group_id, "", values))
        elif what == "closed_received":
            found.append((what, group_id, currency, {"closed_business_received_minor": first}))
        elif what == "closed_given":
            found.append((what, group_id, currency, {"closed_business_given_minor": first}))
        elif what == "connections":
            found.append((what, group_id, "", {"connections": first, "follow_ups_done": second}))
        else:
            if first:
                found.append(("money", group_id, currency, {"money_minor": first}))
            if hours:
                # SQLite sums the decimal column as a float: back to the column's 2 decimals.
                found.append(("hours", group_id, "", {"hours": _exact_hours(hours)}))
    return found


def _exact_hours(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(_HOURS, ROUND_HALF_UP)


_GROUPS_SQL = (
    "SELECT g.id, g.slug, g.name, g.kind, g.currency, g.owner_id, "
    "m.joined_at, m.created_at, m.left_at FROM {group} g "
    "LEFT JOIN {membership} m ON m.group_id = g.id AND m.user_id = %s "
    "WHERE g.id IN ({ids}) OR (g.kind = %s AND g.owner_id = %s)"
)
_GROUP_KEYS = ("pk", "slug", "name", "kind", "currency", "owner_id")
_MEMBERSHIP_KEYS = ("joined_at", "created_at", "left_at")


def _aware(moment: Any) -> Any:
    """A raw datetime as the ORM gives it (SQLite's come back naive, in UTC)."""
    if moment is not None and timezone.is_naive(moment):
        return timezone.make_aware(moment, datetime.UTC)
    return moment


@functools.lru_cache(maxsize=128)  # by the number of groups named
def _groups_sql(vendor: str, n_ids: int) -> str:
    return _GROUPS_SQL.format(
        group=Group._meta.db_table,
        membership=Membership._meta.db_table,
        ids=", ".join(["%s"] * n_ids),
    )


def _groups(user: Any, group_ids: set[int]) -> tuple[dict[int, dict[str, Any]], dict[str, Any]]:
    """The groups the sums name, and the person's informal network (read, never created: a
    report writes nothing), each with the person's membership dates (the advisor weighs the
    months they cover) — in one statement."""
    ids = sorted(group_ids) or [0]
    sql = _groups_sql(connection.vendor, len(ids))
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk, *ids, Kind.INFORMAL.value, user.pk])
        rows = cursor.fetchall()
    by_id: dict[int, dict[str, Any]] = {}
    for row in rows:
        group = dict(zip(_GROUP_KEYS, row[:6], strict=True))
        dates = [_aware(moment) for moment in row[6:]]
        group["membership"] = (
            dict(zip(_MEMBERSHIP_KEYS, dates, strict=True)) if dates[1] is not None else None
        )
        by_id[group["pk"]] = group
    informal: dict[str, Any] | None = next(
        (
            row
            for row in by_id.values()
            if row["kind"] == Kind.INFORMAL and row["owner_id"] == user.pk
        ),
        None,
    )
    if informal is None:
        # Facts outside any group with no informal network yet: the export's slug for it.
        informal = {
            "pk": None,
            "slug": f"informal-{user.pk}",
            "name": "",
            "kind": Kind.INFORMAL.value,
            "currency": Group._meta.get_field("currency").get_default(),
            "membership": None,
        }
    return by_id, informal


def _name_of(group: dict[str, Any]) -> str:
    if group["kind"] == Kind.INFORMAL:
        return _("My informal network")
    return str(group["name"])


def by_group_and_kind(
    user: Any, start: datetime.date | None, end: datetime.date | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``by_group``: one object per group and currency the person has entries in over the
    period (counts and hours in the group's currency); ``by_kind``: the same summed over the
    groups of each kind, per currency."""
    by_group, by_kind, _groups_by_slug = _by_group_and_kind(user, start, end)
    return by_group, by_kind


def _by_group_and_kind(
    user: Any, start: datetime.date | None, end: datetime.date | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, dict[str, Any]]]:
    found = _ledger_sums(user, start, end)
    by_id, informal = _groups(user, {gid for _w, gid, _c, _v in found if gid is not None})
    buckets: dict[tuple[Any, str], _Bucket] = {}
    for _what, group_id, currency, values in found:
        group = by_id[group_id] if group_id is not None else informal
        # By pk: a fact booked to the informal network itself joins the facts with no group.
        money_currency = currency or group["currency"]
        key = (group["pk"], money_currency)
        bucket = buckets.get(key)
        if bucket is None:
            bucket = buckets[key] = _Bucket(group, money_currency)
        for name, value in values.items():
            if name == "hours":
                bucket.hours += value
            else:
                bucket.add(name, value)

    names = {key: _name_of(bucket.group) for key, bucket in buckets.items()}

    def order(key: tuple[Any, str]) -> tuple[Any, ...]:
        bucket = buckets[key]
        g = bucket.group
        informal_first = g["kind"] != Kind.INFORMAL
        own_currency_first = bucket.currency != g["currency"]
        return (informal_first, names[key].lower(), g["slug"], own_currency_first, bucket.currency)

    by_group: list[dict[str, Any]] = []
    for key in sorted(buckets, key=order):
        bucket = buckets[key]
        g = bucket.group
        by_group.append(
            {
                "group_slug": g["slug"],
                "group_name": names[key],
                "group_kind": g["kind"],
                "currency": bucket.currency,
                **finish(bucket.sums, bucket.hours),
            }
        )

    kinds: dict[tuple[str, str], tuple[dict[str, int], list[Decimal]]] = {}
    for bucket in buckets.values():
        sums, hours = kinds.setdefault(
            (bucket.group["kind"], bucket.currency), (dict.fromkeys(SUMMED, 0), [Decimal("0")])
        )
        for name in SUMMED:
            sums[name] += bucket.sums[name]
        hours[0] += bucket.hours
    by_kind = [
        {"group_kind": kind, "currency": currency, **finish(sums, hours[0])}
        for (kind, currency), (sums, hours) in sorted(
            kinds.items(), key=lambda item: (KIND_ORDER.get(item[0][0], 99), item[0][1])
        )
    ]
    groups_by_slug = {bucket.group["slug"]: bucket.group for bucket in buckets.values()}
    return by_group, by_kind, groups_by_slug


# --- trend ---------------------------------------------------------------------------------


def _months(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months = []
    month = first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


_TREND_SQL = (
    "SELECT month, currency, SUM(referrals_received), SUM(referrals_given), "
    "SUM(closed_received_minor), SUM(money_minor), SUM(hours) FROM {rollup} "
    "WHERE user_id = %s{dates} GROUP BY month, currency"
)
_TREND_KEYS = ("month", "currency", *TREND_FIELDS)
# A month without entries in one currency.
_NO_MONTH: dict[str, Any] = {
    "referrals_received": 0,
    "referrals_given": 0,
    "closed_business_received_minor": 0,
    "money_minor": 0,
    "hours": 0.0,
}


@functools.cache
def _trend_sql(vendor: str, has_start: bool, has_end: bool) -> str:
    return _TREND_SQL.format(
        rollup=Rollup._meta.db_table, dates=_dates_sql("month", has_start, has_end)
    )


def trend(
    user: Any, start: datetime.date | None, end: datetime.date | None, today: datetime.date
) -> list[dict[str, Any]]:
    """Per month the period touches (whole months, from the rollup) and per currency: the
    referrals received and given, the closed business received, the money and the hours.
    Months without entries are zeros; no entries at all is an empty list."""
    first_month = start.replace(day=1) if start is not None else None
    last_month = end.replace(day=1) if end is not None else None
    sql = _trend_sql(connection.vendor, first_month is not None, last_month is not None)
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk, *_day_params(first_month, last_month)])
        sums = [dict(zip(_TREND_KEYS, row, strict=True)) for row in cursor.fetchall()]
    for row in sums:
        for name in TREND_FIELDS[:-1]:
            row[name] = int(row[name] or 0)  # PostgreSQL sums bigints as numeric
        row["hours"] = _exact_hours(row["hours"] or 0)
    if not sums:
        return []
    found = {(row["month"], row["currency"]): row for row in sums}
    first = start or min(row["month"] for row in sums)
    last = end or max(max(row["month"] for row in sums), today)
    currencies = sorted({row["currency"] for row in sums})
    out = []
    for month in _months(first, last):
        label = month.strftime("%Y-%m")
        for currency in currencies:
            entry = found.get((month, currency))
            if entry is None:
                out.append({"month": label, "currency": currency, **_NO_MONTH})
                continue
            out.append(
                {
                    "month": label,
                    "currency": currency,
                    "referrals_received": entry["referrals_received"],
                    "referrals_given": entry["referrals_given"],
                    "closed_business_received_minor": entry["closed_business_received_minor"],
                    "money_minor": entry["money_minor"],
                    "hours": float(entry["hours"]),  # exact to 2 decimals already
                }
            )
    return out


# --- geography -----------------------------------------------------------------------------


def _city_key(city: str) -> str:
    return " ".join(city.split()).casefold()


# The referrals received per giver and kind of group, with each giver's city, visibility and
# whether the account is active; then the person's own profile (count 0); then the person's
# links to those givers (``links_sql``, the rule ``reach_map`` applies), in the last column.
_GEOGRAPHY_SQL = (
    "WITH c AS (SELECT r.giver_id, g.kind, COUNT(*) AS n FROM {referral} r "
    "LEFT JOIN {group} g ON g.id = r.group_id WHERE r.receiver_id = %s{dates} "
    "GROUP BY r.giver_id, g.kind) "
    "SELECT c.giver_id, c.kind, c.n, p.city, p.visibility, u.is_active, CAST(NULL AS INTEGER) "
    "FROM c JOIN {user} u ON u.id = c.giver_id LEFT JOIN {profile} p ON p.user_id = c.giver_id "
    "UNION ALL SELECT p.user_id, NULL, 0, p.city, p.visibility, u.is_active, NULL "
    "FROM {profile} p JOIN {user} u ON u.id = p.user_id WHERE p.user_id = %s "
    "UNION ALL SELECT l.owner_id, NULL, NULL, NULL, NULL, NULL, l.link FROM ({links}) l"
)
# The givers, for the links.
_GIVERS = "IN (SELECT c.giver_id FROM c)"


@functools.cache
def _geography_sql(vendor: str, has_start: bool, has_end: bool) -> str:
    return _GEOGRAPHY_SQL.format(
        referral=Referral._meta.db_table,
        group=Group._meta.db_table,
        profile=Profile._meta.db_table,
        user=User._meta.db_table,
        dates=_dates_sql("r.given_on", has_start, has_end),
        links=links_sql(f"owner_id {_GIVERS}", f"blocker_id {_GIVERS}", f"m.user_id {_GIVERS}"),
    )


@functools.lru_cache(maxsize=1024)
def _location_level(visibility: str) -> str:
    """The "location" level of a profile's visibility as the database returns it (JSON text):
    most profiles share a handful of choices, each decoded once."""
    return level_of(json.loads(visibility), "location")


def geography(user: Any, start: datetime.date | None, end: datetime.date | None) -> dict[str, Any]:
    """Where the referrals received over the period come from: counts by the giver's city,
    counted only where the person may see that giver's city under the giver's own profile
    visibility (the "location" field); hidden or missing → "unknown". ``local_share`` is the
    share from the person's own city (None without a city of their own, or without
    referrals); ``by_kind`` shows it per kind of group (a chamber's local reach)."""
    sql = _geography_sql(connection.vendor, start is not None, end is not None)
    params = [user.pk, *_day_params(start, end), user.pk, *links_params(user)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    counts: list[dict[str, Any]] = []
    profiles: dict[int, dict[str, Any]] = {}
    found_links: list[tuple[int, int]] = []
    for person_id, kind, n, city, visibility, is_active, link in rows:
        if link is not None:
            found_links.append((person_id, link))
            continue
        location = (
            _location_level(visibility)
            if isinstance(visibility, str)
            else level_of(visibility, "location")
        )
        profiles[person_id] = {"city": city, "location": location, "user__is_active": is_active}
        if person_id != user.pk:  # a referral's giver is never its receiver
            counts.append({"giver_id": person_id, "group__kind": kind, "n": n})
    giver_ids = {row["giver_id"] for row in counts}
    reach = reach_from_links(user, giver_ids, found_links) if giver_ids else {}
    own = profiles.get(user.pk)
    own_city = " ".join((own or {}).get("city", "").split())
    own_key = _city_key(own_city) if own_city else None

    def city_of(giver_id: int) -> str:
        profile = profiles.get(giver_id)
        if profile is None or not profile["user__is_active"]:
            return UNKNOWN_CITY
        city = " ".join((profile["city"] or "").split())
        if not city or not can_see(profile["location"], reach.get(giver_id, 0)):
            return UNKNOWN_CITY
        return city

    cities: dict[str, dict[str, Any]] = {}  # by city key: the name shown first, the count
    kinds: dict[str, list[int]] = {}  # kind: [received, local]
    total = local = 0
    for row in counts:
        city = city_of(row["giver_id"])
        key = UNKNOWN_CITY if city == UNKNOWN_CITY else _city_key(city)
        entry = cities.setdefault(key, {"city": city, "referrals_received": 0})
        entry["referrals_received"] += row["n"]
        is_local = own_key is not None and key == own_key and city != UNKNOWN_CITY
        kind = row["group__kind"] or Kind.INFORMAL.value
        per_kind = kinds.setdefault(kind, [0, 0])
        per_kind[0] += row["n"]
        total += row["n"]
        if is_local:
            per_kind[1] += row["n"]
            local += row["n"]
    listed = sorted(
        cities.values(),
        key=lambda c: (c["city"] == UNKNOWN_CITY, -c["referrals_received"], c["city"].lower()),
    )
    return {
        "referrals_received": total,
        "city": own_city or None,
        "local_share": ratio(local, total) if own_key else None,
        "cities": [{**c, "share": ratio(c["referrals_received"], total)} for c in listed],
        "by_kind": [
            {
                "group_kind": kind,
                "referrals_received": received,
                "local": here,
                "local_share": ratio(here, received) if own_key else None,
            }
            for kind, (received, here) in sorted(
                kinds.items(), key=lambda item: KIND_ORDER.get(item[0], 99)
            )
        ],
    }


# --- the report ----------------------------------------------------------------------------


def member_report(
    user: Any,
    start: datetime.date | None,
    end: datetime.date | None,
    *,
    today: datetime.date | None = None,
) -> dict[str, Any]:
    """``user``'s report from ``start`` to ``end`` (inclusive; None: no bound), exactly the
    JSON ``cerchia report`` prints."""
    from cerchia.insights.advisor import advice_for

    today = today or timezone.localdate()
    by_group, by_kind, groups = _by_group_and_kind(user, start, end)
    return {
        "from": start.isoformat() if start else None,
        "to": end.isoformat() if end else None,
        "by_group": by_group,
        "by_kind": by_kind,
        "advice": advice_for(user, by_group, start, end, groups=groups),
        "trend": trend(user, start, end, today),
        "geography": geography(user, start, end),
    }
