"""Retention reports for administrators: who joined, who left and why, who lapsed, who renewed,
and the member mix — counts only, never people.

Every number comes from a handful of SQL aggregates (one query per family of numbers, each with
one conditional count per month), so a report costs the same few queries for ten members or
ten thousand. docs/retention.md defines each number; ``RetentionReport.as_dict`` is the shape
the API, the page and the CSV files share."""

from __future__ import annotations

import datetime
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, DateField, Exists, F, Min, OuterRef, Q, QuerySet
from django.db.models.functions import Cast, Lower, Trim, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from cerchia.accounts.models import Profile
from cerchia.accounts.privacy import Reach
from cerchia.accounts.selectors import field_visible_at
from cerchia.dues.models import Invoice, add_months
from cerchia.groups.models import MAX_DEPTH, Group, Membership

# The periods an administrator may choose, in months; the default one.
PERIODS = (6, 12, 24)
DEFAULT_MONTHS = 12
# Places shown by name; the rest are added up as "other places".
TOP_PLACES = 10
# Memberships that were (or still are) members: the rest never joined.
JOINED_STATUSES = (
    Membership.Status.ACTIVE,
    Membership.Status.LEFT,
    Membership.Status.TERMINATED,
)
# What a fellow member may see of a card: the mix counts only what is shared that far.
MIX_REACH = Reach.GROUP_MEMBER
ONE_DAY = datetime.timedelta(days=1)


def rate(part: int, whole: int) -> float | None:
    """``part / whole`` to four places; None when there is nothing to divide by."""
    return round(part / whole, 4) if whole else None


@dataclass(frozen=True)
class MonthRow:
    month: datetime.date  # its first day
    new: int
    resigned: int
    terminated: int
    lapsed: int
    members_at_end: int
    renewals_due: int
    renewed: int

    @property
    def label(self) -> str:
        return self.month.strftime("%Y-%m")

    @property
    def renewal_rate(self) -> float | None:
        return rate(self.renewed, self.renewals_due)

    def as_dict(self) -> dict[str, Any]:
        return {
            "month": self.label,
            "new": self.new,
            "resigned": self.resigned,
            "terminated": self.terminated,
            "lapsed": self.lapsed,
            "members_at_end": self.members_at_end,
            "renewals_due": self.renewals_due,
            "renewed": self.renewed,
            "renewal_rate": self.renewal_rate,
        }


@dataclass(frozen=True)
class CountRow:
    """One line of a breakdown: ``kind`` says what ``key`` is (a reason, a size band, a city,
    or one of the catch-alls: ``not_given``, ``not_shared``, ``other``)."""

    kind: str
    key: str
    label: str
    count: int

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "key": self.key, "label": self.label, "count": self.count}


@dataclass(frozen=True)
class RetentionReport:
    group: Group
    group_ids: list[int]  # the group and the chapters below it that the numbers cover
    months: int
    first_day: datetime.date  # the first day of the first month
    today: datetime.date  # the last day counted
    monthly: list[MonthRow]
    members_at_start: int
    retained: int
    reasons: list[CountRow]
    company_size: list[CountRow]
    places: list[CountRow]

    @property
    def members_now(self) -> int:
        return self.monthly[-1].members_at_end

    @property
    def retention_rate(self) -> float | None:
        return rate(self.retained, self.members_at_start)

    @property
    def totals(self) -> dict[str, Any]:
        sums = {
            name: sum(getattr(row, name) for row in self.monthly)
            for name in ("new", "resigned", "terminated", "lapsed", "renewals_due", "renewed")
        }
        return {**sums, "renewal_rate": rate(sums["renewed"], sums["renewals_due"])}

    def as_dict(self) -> dict[str, Any]:
        return {
            "group": self.group.pk,
            "groups_included": self.group_ids,
            "months": self.months,
            "first_day": self.first_day,
            "last_day": self.today,
            "monthly": [row.as_dict() for row in self.monthly],
            "totals": self.totals,
            "retention": {
                "members_at_start": self.members_at_start,
                "retained": self.retained,
                "members_now": self.members_now,
                "retention_rate": self.retention_rate,
            },
            "reasons": [row.as_dict() for row in self.reasons],
            "company_size": [row.as_dict() for row in self.company_size],
            "places": [row.as_dict() for row in self.places],
        }


CSV_REPORTS = ("monthly", "reasons", "mix")


def csv_table(report: RetentionReport, name: str) -> tuple[list[str], list[list[Any]]]:
    """One of the report's tables as a header and rows, with the JSON's keys as column names:
    ``monthly`` (a row per month), ``reasons`` (per reason) or ``mix`` (per band and place)."""
    data = report.as_dict()
    if name == "monthly":
        header = list(data["monthly"][0])
        return header, [list(row.values()) for row in data["monthly"]]
    columns = ["kind", "key", "label", "count"]
    if name == "reasons":
        return columns, [[row[c] for c in columns] for row in data["reasons"]]
    if name == "mix":
        return ["dimension", *columns], [
            [dimension, *(row[c] for c in columns)]
            for dimension in ("company_size", "places")
            for row in data[dimension]
        ]
    raise ValueError(f"unknown report {name!r}; one of {CSV_REPORTS}")


def months_param(value: Any) -> int | None:
    """The period asked for, if it is one of ``PERIODS``; None otherwise."""
    try:
        months = int(value)
    except (TypeError, ValueError):
        return None
    return months if months in PERIODS else None


def report_scope(group: Group) -> list[Group]:
    """The group and its chapters at any depth: groups of its own kind below it (never its
    sections and committees, whose members are its members already, nor groups of other kinds
    such as a chamber's leads group). Parents come loaded, so their rules cost no query."""
    below = Q()
    for depth in range(1, MAX_DEPTH):
        chain = ["parent"] * depth
        # Every link of the chain is a chapter of the same kind.
        below |= Q(
            **{"__".join(chain) + "_id": group.pk},
            **{"__".join(chain[:step]) + "__kind": group.kind for step in range(1, depth)},
            **{"__".join(chain[:step]) + "__unit": "" for step in range(1, depth)},
        )
    return list(
        Group.objects.filter(Q(pk=group.pk) | (below & Q(kind=group.kind, unit="")))
        .select_related("__".join(["parent"] * MAX_DEPTH))
        .order_by("pk")
    )


def _month_spans(today: datetime.date, months: int) -> list[tuple[datetime.date, datetime.date]]:
    """(first day, last day counted) of each month, oldest first; the last one ends today."""
    this_month = today.replace(day=1)
    spans = []
    for back in range(months - 1, -1, -1):
        start = add_months(this_month, -back)
        end = min(add_months(start, 1) - ONE_DAY, today)
        spans.append((start, end))
    return spans


class _Clock:
    """Days to instants in the group's time zone (joins and departures are instants)."""

    def __init__(self, time_zone: str) -> None:
        self.tz = zoneinfo.ZoneInfo(time_zone)

    def start_of(self, day: datetime.date) -> datetime.datetime:
        return datetime.datetime.combine(day, datetime.time.min, tzinfo=self.tz)


def _paid_dues() -> QuerySet[Invoice]:
    return Invoice.objects.filter(kind=Invoice.Kind.DUES, status=Invoice.Status.PAID)


def _member_on(day: datetime.date, clock: _Clock, by_grace: dict[int, list[int]]) -> Q:
    """Memberships that were members at the end of ``day``: joined, not yet resigned or
    terminated, and either without dues or paid up to at least ``day`` minus the grace days
    (as the status engine has it: active or in grace, not lapsed or still pending)."""
    next_start = clock.start_of(day + ONE_DAY)
    paid_up = Q(tier__isnull=True)
    for grace, group_ids in by_grace.items():
        covering = _paid_dues().filter(
            membership=OuterRef("pk"),
            period_start__lte=day,
            period_end__gte=day - datetime.timedelta(days=grace),
        )
        paid_up |= Q(Exists(covering), group_id__in=group_ids)
    return Q(
        # No join date: joined before anything the report looks at (older records).
        Q(status__in=JOINED_STATUSES),
        Q(joined_at__isnull=True) | Q(joined_at__lt=next_start),
        Q(left_at__isnull=True) | Q(left_at__gte=next_start),
        paid_up,
    )


def _membership_counts(
    scope_ids: list[int],
    spans: list[tuple[datetime.date, datetime.date]],
    clock: _Clock,
    by_grace: dict[int, list[int]],
) -> dict[str, int]:
    """Joined, resigned, terminated and members at each month's end; members at the start and
    still there today; reasons for leaving over the period. One query."""
    counts: dict[str, Any] = {}
    for i, (first, last) in enumerate(spans):
        start, end = clock.start_of(first), clock.start_of(last + ONE_DAY)
        counts[f"new_{i}"] = Count(
            "pk", filter=Q(status__in=JOINED_STATUSES, joined_at__gte=start, joined_at__lt=end)
        )
        for name, status in (
            ("resigned", Membership.Status.LEFT),
            ("terminated", Membership.Status.TERMINATED),
        ):
            counts[f"{name}_{i}"] = Count(
                "pk", filter=Q(status=status, left_at__gte=start, left_at__lt=end)
            )
        counts[f"members_{i}"] = Count("pk", filter=_member_on(last, clock, by_grace))
    before = spans[0][0] - ONE_DAY
    today = spans[-1][1]
    counts["at_start"] = Count("pk", filter=_member_on(before, clock, by_grace))
    counts["retained"] = Count(
        "pk", filter=_member_on(before, clock, by_grace) & _member_on(today, clock, by_grace)
    )
    period = Q(
        status=Membership.Status.LEFT,
        left_at__gte=clock.start_of(spans[0][0]),
        left_at__lt=clock.start_of(today + ONE_DAY),
    )
    for code in [*Membership.LeaveReason.values, ""]:
        counts[f"reason_{code}"] = Count("pk", filter=period & Q(leave_reason=code))
    return Membership.objects.filter(group_id__in=scope_ids).aggregate(**counts)


def _invoice_counts(
    scope_ids: list[int],
    spans: list[tuple[datetime.date, datetime.date]],
    clock: _Clock,
    by_grace: dict[int, list[int]],
) -> dict[str, int]:
    """Renewals due, renewed and lapses in each month, from the paid dues periods. One query.

    A paid period ending on E is *due* for renewal on E + 1 and *renewed* when another paid
    dues period of the same membership covers E + 1; unrenewed, it *lapses* on E + grace + 1
    unless the member resigned or was terminated before that day. Memberships without dues now
    (honorary) are left out."""
    next_day = Cast(OuterRef("period_end") + ONE_DAY, output_field=DateField())
    renewal = _paid_dues().filter(
        membership=OuterRef("membership"),
        period_start__lte=next_day,
        period_end__gt=OuterRef("period_end"),
    )
    ends = (
        _paid_dues()
        .filter(
            group_id__in=scope_ids,
            period_end__isnull=False,
            membership__status__in=JOINED_STATUSES,
            membership__tier__isnull=False,
        )
        .annotate(
            renewed=Exists(renewal),
            left_on=TruncDate("membership__left_at", tzinfo=clock.tz),
        )
    )
    still_member = Q(membership__left_at__isnull=True)
    for grace, group_ids in by_grace.items():
        lapse_day = Cast(F("period_end") + datetime.timedelta(days=grace + 1), DateField())
        still_member |= Q(group_id__in=group_ids, left_on__gte=lapse_day)
    counts: dict[str, Any] = {}
    for i, (first, last) in enumerate(spans):
        due = Q(period_end__gte=first - ONE_DAY, period_end__lte=last - ONE_DAY)
        counts[f"due_{i}"] = Count("pk", filter=due)
        counts[f"renewed_{i}"] = Count("pk", filter=due & Q(renewed=True))
        lapsing = Q(pk__in=[])
        for grace, group_ids in by_grace.items():
            shift = datetime.timedelta(days=grace + 1)
            lapsing |= Q(
                group_id__in=group_ids,
                period_end__gte=first - shift,
                period_end__lte=last - shift,
            )
        counts[f"lapsed_{i}"] = Count(
            "membership", distinct=True, filter=lapsing & Q(renewed=False) & still_member
        )
    return ends.aggregate(**counts)


def _company_size_mix(members_now: Q, scope_ids: list[int], total: int) -> list[CountRow]:
    """Members today by company size band. One query."""
    shared = field_visible_at("company_size", MIX_REACH, prefix="user__profile__")
    bands = [*Profile.CompanySize.values, ""]
    counts = (
        Membership.objects.filter(group_id__in=scope_ids)
        .filter(members_now, shared)
        .aggregate(
            **{
                f"band_{code}": Count("pk", filter=Q(user__profile__company_size=code))
                for code in bands
            }
        )
    )
    labels = dict(Profile.CompanySize.choices)
    rows = [
        CountRow("band", code, str(labels[code]), counts[f"band_{code}"])
        for code in Profile.CompanySize.values
    ]
    rows.append(CountRow("not_given", "", _("Not given"), counts["band_"]))
    shown = sum(counts.values())
    rows.append(CountRow("not_shared", "", _("Not shared with members"), total - shown))
    return rows


def _place_mix(members_now: Q, scope_ids: list[int], total: int) -> list[CountRow]:
    """Members today by city (spelling and case aside): the commonest by name, the rest as
    other places. One query."""
    shared = field_visible_at("location", MIX_REACH, prefix="user__profile__")
    cities = list(
        Membership.objects.filter(group_id__in=scope_ids)
        .filter(members_now, shared)
        .annotate(city=Lower(Trim("user__profile__city")))
        .values("city")
        .annotate(count=Count("pk"), spelling=Min(Trim("user__profile__city")))
        .order_by("-count", "city")
    )
    named = [row for row in cities if row["city"]]
    rows = [
        CountRow("city", row["city"], row["spelling"], row["count"]) for row in named[:TOP_PLACES]
    ]
    rows.append(
        CountRow("other", "", _("Other places"), sum(row["count"] for row in named[TOP_PLACES:]))
    )
    rows.append(
        CountRow("not_given", "", _("Not given"), sum(r["count"] for r in cities if not r["city"]))
    )
    shown = sum(row["count"] for row in cities)
    rows.append(CountRow("not_shared", "", _("Not shared with members"), total - shown))
    return rows


def retention_report(
    group: Group, *, months: int = DEFAULT_MONTHS, today: datetime.date | None = None
) -> RetentionReport:
    """The retention numbers of ``group`` and its chapters over the last ``months`` months
    (this one included, up to today in the group's time zone). Five queries in all."""
    if months not in PERIODS:
        raise ValueError(f"months must be one of {PERIODS}")
    clock = _Clock(group.time_zone)
    today = today or timezone.localdate(timezone=clock.tz)
    scope = report_scope(group)
    scope_ids = [g.pk for g in scope]
    by_grace: dict[int, list[int]] = defaultdict(list)
    for member_group in scope:
        by_grace[member_group.rules.grace_days].append(member_group.pk)
    spans = _month_spans(today, months)
    members = _membership_counts(scope_ids, spans, clock, by_grace)
    invoices = _invoice_counts(scope_ids, spans, clock, by_grace)
    monthly = [
        MonthRow(
            month=first,
            new=members[f"new_{i}"],
            resigned=members[f"resigned_{i}"],
            terminated=members[f"terminated_{i}"],
            lapsed=invoices[f"lapsed_{i}"],
            members_at_end=members[f"members_{i}"],
            renewals_due=invoices[f"due_{i}"],
            renewed=invoices[f"renewed_{i}"],
        )
        for i, (first, _last) in enumerate(spans)
    ]
    reason_labels = dict(Membership.LeaveReason.choices)
    reasons = [
        CountRow("reason", code, str(reason_labels[code]), members[f"reason_{code}"])
        for code in Membership.LeaveReason.values
    ]
    reasons.append(CountRow("not_given", "", _("No reason given"), members["reason_"]))
    members_now = _member_on(today, clock, by_grace)
    total_now = monthly[-1].members_at_end
    return RetentionReport(
        group=group,
        group_ids=scope_ids,
        months=months,
        first_day=spans[0][0],
        today=today,
        monthly=monthly,
        members_at_start=members["at_start"],
        retained=members["retained"],
        reasons=reasons,
        company_size=_company_size_mix(members_now, scope_ids, total_now),
        places=_place_mix(members_now, scope_ids, total_now),
    )
