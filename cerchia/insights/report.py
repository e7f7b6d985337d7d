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
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cerchia.accounts.models import Profile
from cerchia.accounts.privacy import can_see
from cerchia.accounts.selectors import reach_map
from cerchia.groups.models import Group, Kind
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


def _dated(field_name: str, start: datetime.date | None, end: datetime.date | None) -> Q:
    q = Q()
    if start is not None:
        q &= Q(**{f"{field_name}__gte": start})
    if end is not None:
        q &= Q(**{f"{field_name}__lte": end})
    return q


# --- per group and per kind ----------------------------------------------------------------


def _ledger_sums(
    user: Any, start: datetime.date | None, end: datetime.date | None
) -> list[tuple[str, int | None, str, dict[str, Any]]]:
    """(what, group id, currency or "" for the group's, values) from one aggregate per source,
    each on the person's own index (giver/receiver/owner/user + date)."""
    found: list[tuple[str, int | None, str, dict[str, Any]]] = []
    referrals = Referral.objects.filter(_dated("given_on", start, end)).order_by()
    given = referrals.filter(giver=user).values("group_id").annotate(n=Count("pk"))
    found.extend(("given", row["group_id"], "", {"referrals_given": row["n"]}) for row in given)
    received = (
        referrals.filter(receiver=user)
        .values("group_id")
        .annotate(n=Count("pk"), won=Count("pk", filter=Q(status=Referral.Status.WON)))
    )
    for row in received:
        values = {"referrals_received": row["n"], "referrals_won": row["won"]}
        found.append(("received", row["group_id"], "", values))

    closed = ClosedBusiness.objects.filter(_dated("closed_on", start, end)).order_by()
    for side, name in (
        ("receiver", "closed_business_received_minor"),
        ("giver", "closed_business_given_minor"),
    ):
        rows = (
            closed.filter(**{side: user})
            .values("group_id", "currency")
            .annotate(total=Sum("amount_minor"))
        )
        found.extend(
            ("closed", row["group_id"], row["currency"], {name: row["total"]}) for row in rows
        )

    connections = (
        Connection.objects.filter(owner=user)
        .filter(_dated("met_on", start, end))
        .order_by()
        .values("group_id")
        .annotate(n=Count("pk"), done=Count("pk", filter=Q(followed_up_on__isnull=False)))
    )
    for row in connections:
        values = {"connections": row["n"], "follow_ups_done": row["done"]}
        found.append(("connections", row["group_id"], "", values))

    investments = (
        Investment.objects.filter(user=user)
        .filter(_dated("spent_on", start, end))
        .order_by()
        .values("group_id", "currency")
        .annotate(money=Sum("amount_minor"), hours=Sum("hours"))
    )
    for row in investments:
        if row["money"]:
            found.append(("money", row["group_id"], row["currency"], {"money_minor": row["money"]}))
        if row["hours"]:
            found.append(("hours", row["group_id"], "", {"hours": Decimal(row["hours"])}))
    return found


def _groups(user: Any, group_ids: set[int]) -> tuple[dict[int, dict[str, Any]], dict[str, Any]]:
    """The groups the sums name, and the person's informal network (read, never created: a
    report writes nothing) — in one query."""
    rows = Group.objects.filter(Q(pk__in=group_ids) | Q(kind=Kind.INFORMAL, owner=user)).values(
        "pk", "slug", "name", "kind", "currency", "owner_id"
    )
    by_id: dict[int, dict[str, Any]] = {row["pk"]: dict(row) for row in rows}
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

    def order(bucket: _Bucket) -> tuple[Any, ...]:
        g = bucket.group
        informal_first = g["kind"] != Kind.INFORMAL
        return (informal_first, _name_of(g).lower(), g["slug"], bucket.currency != g["currency"])

    by_group: list[dict[str, Any]] = []
    for bucket in sorted(buckets.values(), key=lambda b: (*order(b), b.currency)):
        g = bucket.group
        by_group.append(
            {
                "group_slug": g["slug"],
                "group_name": _name_of(g),
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
    return by_group, by_kind


# --- trend ---------------------------------------------------------------------------------


def _months(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months = []
    month = first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def trend(
    user: Any, start: datetime.date | None, end: datetime.date | None, today: datetime.date
) -> list[dict[str, Any]]:
    """Per month the period touches (whole months, from the rollup) and per currency: the
    referrals received and given, the closed business received, the money and the hours.
    Months without entries are zeros; no entries at all is an empty list."""
    rows = Rollup.objects.filter(user=user)
    if start is not None:
        rows = rows.filter(month__gte=start.replace(day=1))
    if end is not None:
        rows = rows.filter(month__lte=end.replace(day=1))
    sums = list(
        rows.order_by()
        .values("month", "currency")
        .annotate(
            referrals_received=Sum("referrals_received"),
            referrals_given=Sum("referrals_given"),
            closed_business_received_minor=Sum("closed_received_minor"),
            money_minor=Sum("money_minor"),
            hours=Sum("hours"),
        )
    )
    if not sums:
        return []
    found = {(row["month"], row["currency"]): row for row in sums}
    first = start or min(row["month"] for row in sums)
    last = end or max(max(row["month"] for row in sums), today)
    currencies = sorted({row["currency"] for row in sums})
    out = []
    for month in _months(first, last):
        for currency in currencies:
            row = found.get((month, currency), {})
            hours = Decimal(row.get("hours") or 0).quantize(_HOURS, ROUND_HALF_UP)
            out.append(
                {
                    "month": month.strftime("%Y-%m"),
                    "currency": currency,
                    "referrals_received": row.get("referrals_received") or 0,
                    "referrals_given": row.get("referrals_given") or 0,
                    "closed_business_received_minor": row.get("closed_business_received_minor")
                    or 0,
                    "money_minor": row.get("money_minor") or 0,
                    "hours": float(hours),
                }
            )
    return out


# --- geography -----------------------------------------------------------------------------


def _city_key(city: str) -> str:
    return " ".join(city.split()).casefold()


def geography(user: Any, start: datetime.date | None, end: datetime.date | None) -> dict[str, Any]:
    """Where the referrals received over the period come from: counts by the giver's city,
    counted only where the person may see that giver's city under the giver's own profile
    visibility (the "location" field); hidden or missing → "unknown". ``local_share`` is the
    share from the person's own city (None without a city of their own, or without
    referrals); ``by_kind`` shows it per kind of group (a chamber's local reach)."""
    counts = list(
        Referral.objects.filter(receiver=user)
        .filter(_dated("given_on", start, end))
        .order_by()
        .values("giver_id", "group__kind")
        .annotate(n=Count("pk"))
    )
    giver_ids = {row["giver_id"] for row in counts}
    profiles: dict[int, dict[str, Any]] = {
        row["user_id"]: dict(row)
        for row in Profile.objects.filter(user_id__in={*giver_ids, user.pk}).values(
            "user_id", "city", "visibility", "user__is_active"
        )
    }
    reach = reach_map(user, giver_ids) if giver_ids else {}
    own = profiles.get(user.pk)
    own_city = " ".join((own or {}).get("city", "").split())
    own_key = _city_key(own_city) if own_city else None

    def city_of(giver_id: int) -> str:
        profile = profiles.get(giver_id)
        if profile is None or not profile["user__is_active"]:
            return UNKNOWN_CITY
        city = " ".join((profile["city"] or "").split())
        level = Profile(visibility=profile["visibility"]).level_of("location")
        if not city or not can_see(level, reach.get(giver_id, 0)):
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
    by_group, by_kind = by_group_and_kind(user, start, end)
    return {
        "from": start.isoformat() if start else None,
        "to": end.isoformat() if end else None,
        "by_group": by_group,
        "by_kind": by_kind,
        "advice": advice_for(user, by_group, start, end),
        "trend": trend(user, start, end, today),
        "geography": geography(user, start, end),
    }
