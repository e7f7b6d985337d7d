"""Reads for the ledger page and the investments list: the period a person asks about, their
totals per group from the monthly rollup, and their own investments."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cerchia.groups.models import Group, Kind, Membership
from cerchia.ledger.models import ROLLUP_COUNTERS, Investment, Rollup
from cerchia.ledger.services import LedgerError
from cerchia.lib.money import format_money

PERIODS = (
    ("month", gettext_lazy("This month")),
    ("30d", gettext_lazy("Last 30 days")),
    ("quarter", gettext_lazy("This quarter")),
    ("year", gettext_lazy("This year")),
    ("custom", gettext_lazy("From … to …")),
)


@dataclass(frozen=True)
class Period:
    key: str
    start: datetime.date
    end: datetime.date

    @property
    def first_month(self) -> datetime.date:
        return self.start.replace(day=1)

    @property
    def last_month(self) -> datetime.date:
        return self.end.replace(day=1)

    @property
    def month_end(self) -> datetime.date:
        """The last day of the period's last month: the rollup counts whole months."""
        following = (self.last_month + datetime.timedelta(days=32)).replace(day=1)
        return following - datetime.timedelta(days=1)


def parse_day(text: str | None, what: str) -> datetime.date | None:
    """A YYYY-MM-DD date, None when blank; LedgerError naming ``what`` otherwise."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise LedgerError(
            _("%(what)s must be a date like 2026-03-31, not %(text)s.")
            % {"what": what, "text": text}
        ) from None


def check_range(start: datetime.date | None, end: datetime.date | None) -> None:
    if start is not None and end is not None and start > end:
        raise LedgerError(_("The start date comes after the end date."))


def period_for(key: str, today: datetime.date, start_text: str = "", end_text: str = "") -> Period:
    """The period ``key`` names, as of ``today``; "custom" reads the two dates (a blank start
    is the first of this year, a blank end is today). Unknown keys mean this month."""
    if key == "custom":
        start = parse_day(start_text, _("From")) or today.replace(month=1, day=1)
        end = parse_day(end_text, _("To")) or today
        check_range(start, end)
        return Period(key, start, end)
    if key == "30d":
        return Period(key, today - datetime.timedelta(days=29), today)
    if key == "quarter":
        first = today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1)
        return Period(key, first, today)
    if key == "year":
        return Period(key, today.replace(month=1, day=1), today)
    return Period("month", today.replace(day=1), today)


# --- totals from the rollup ----------------------------------------------------------------

COUNTS = tuple(name for name in ROLLUP_COUNTERS if not name.endswith("_minor"))
AMOUNTS = ("closed_given_minor", "closed_received_minor", "money_minor")


@dataclass
class GroupTotals:
    group_id: int
    name: str
    slug: str
    kind: str
    counts: dict[str, int] = field(default_factory=dict)
    hours: Decimal = Decimal("0.00")
    # Per currency, never added together: {"EUR": 12000, "CHF": 5000}.
    closed_given: dict[str, int] = field(default_factory=dict)
    closed_received: dict[str, int] = field(default_factory=dict)
    money: dict[str, int] = field(default_factory=dict)

    @staticmethod
    def shown(amounts: dict[str, int]) -> list[str]:
        return [format_money(v, c) for c, v in sorted(amounts.items()) if v]

    @property
    def closed_given_display(self) -> list[str]:
        return self.shown(self.closed_given)

    @property
    def closed_received_display(self) -> list[str]:
        return self.shown(self.closed_received)

    @property
    def money_display(self) -> list[str]:
        return self.shown(self.money)


def ledger_totals(user: Any, period: Period) -> list[GroupTotals]:
    """``user``'s totals per group over the whole months ``period`` touches, in one query
    (money per currency). Informal network first, then groups by name."""
    rows = (
        Rollup.objects.filter(
            user=user, month__gte=period.first_month, month__lte=period.last_month
        )
        .values("group_id", "group__name", "group__slug", "group__kind", "currency")
        .annotate(**{name: Sum(name) for name in (*ROLLUP_COUNTERS, "hours")})
        .order_by()
    )
    by_group: dict[int, GroupTotals] = {}
    for row in rows:
        totals = by_group.get(row["group_id"])
        if totals is None:
            kind = row["group__kind"]
            name = _("My informal network") if kind == Kind.INFORMAL else row["group__name"]
            totals = by_group[row["group_id"]] = GroupTotals(
                row["group_id"], name, row["group__slug"], kind, counts=defaultdict(int)
            )
        for name in COUNTS:
            totals.counts[name] += row[name] or 0
        totals.hours += row["hours"] or Decimal("0")
        currency = row["currency"]
        for attr, name in zip(("closed_given", "closed_received", "money"), AMOUNTS, strict=True):
            if row[name]:
                amounts = getattr(totals, attr)
                amounts[currency] = amounts.get(currency, 0) + row[name]
    return sorted(by_group.values(), key=lambda t: (t.kind != Kind.INFORMAL, t.name.lower()))


# --- investments ---------------------------------------------------------------------------


def investments_of(
    user: Any,
    *,
    group_id: int | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    kind: str = "",
) -> QuerySet[Investment]:
    """``user``'s own investments, newest first, with their group loaded."""
    qs = Investment.objects.filter(user=user).select_related("group")
    if group_id is not None:
        qs = qs.filter(group_id=group_id)
    if date_from is not None:
        qs = qs.filter(spent_on__gte=date_from)
    if date_to is not None:
        qs = qs.filter(spent_on__lte=date_to)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-spent_on", "-pk")


def investment_groups(user: Any) -> list[Group]:
    """The groups a person may book an investment to: those they are an active member of."""
    ids = Membership.objects.active().filter(user=user).values("group_id")
    return list(Group.objects.filter(pk__in=ids).exclude(kind=Kind.INFORMAL).order_by("name", "pk"))
