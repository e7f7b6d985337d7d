"""The events funnel: for each event of a group (a meeting people registered for), registered
→ checked in → connections made there → connections followed up, with the rate of each step,
and what a connection cost the attendees (their ledger investments linked to the event —
tickets and the hours of attending — divided by the connections made there, per currency).

Two queries per list, whatever the number of events: one for the meetings with their counts
(the connections as correlated subqueries) and one for the investments per meeting and
currency. Currencies are never added together."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _

from cerchia.groups.access import Rights, access_group, rights_in
from cerchia.groups.models import Group
from cerchia.ledger.models import Connection, Investment
from cerchia.ledger.services import LedgerError
from cerchia.lib.money import format_money
from cerchia.meetings.models import Attendance, Meeting, Registration

# The period shown when none is asked for: the last 365 days, today included.
DEFAULT_DAYS = 365
# Attendance marks that mean the person was there.
PRESENT = (Attendance.Status.PRESENT, Attendance.Status.LATE)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _amounts(money: Mapping[str, int]) -> list[dict[str, Any]]:
    return [{"currency": c, "amount_minor": a} for c, a in sorted(money.items())]


def _per(amount: int, connections: int) -> int:
    """Minor units per connection, rounded half up."""
    return int((Decimal(amount) / connections).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass
class Cost:
    """Money per currency and hours, linked to one event (or summed over several)."""

    money: dict[str, int] = field(default_factory=dict)
    hours: Decimal = Decimal("0.00")

    def add(self, other: Cost) -> None:
        for currency, amount in other.money.items():
            self.money[currency] = self.money.get(currency, 0) + amount
        self.hours += other.hours

    def per_connection(self, connections: int) -> dict[str, int] | None:
        if not connections:
            return None
        return {c: _per(amount, connections) for c, amount in sorted(self.money.items())}

    def hours_per_connection(self, connections: int) -> Decimal | None:
        if not connections:
            return None
        return (self.hours / connections).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    def money_display(self) -> list[str]:
        return [format_money(amount, c) for c, amount in sorted(self.money.items())]


@dataclass
class EventRow:
    """One event's funnel (``registered``/``checked_in`` are None on an attendee's own row,
    which counts only their connections and costs)."""

    meeting_id: int | None  # None: a sum over events
    title: str
    kind: str
    starts_at: datetime.datetime | None
    registered: int | None
    checked_in: int | None
    connections: int
    followed_up: int
    cost: Cost

    @property
    def check_in_rate(self) -> float | None:
        if self.registered is None or self.checked_in is None:
            return None
        return _rate(self.checked_in, self.registered)

    @property
    def connections_per_attendee(self) -> float | None:
        if self.checked_in is None:
            return None
        return round(self.connections / self.checked_in, 2) if self.checked_in else None

    @property
    def follow_up_rate(self) -> float | None:
        return _rate(self.followed_up, self.connections)

    @property
    def cost_per_connection(self) -> dict[str, int] | None:
        return self.cost.per_connection(self.connections)

    @property
    def cost_per_connection_display(self) -> list[str]:
        per = self.cost_per_connection or {}
        return [format_money(amount, c) for c, amount in per.items()]

    @property
    def hours_per_connection(self) -> Decimal | None:
        return self.cost.hours_per_connection(self.connections)

    def as_dict(self) -> dict[str, Any]:
        per = self.cost_per_connection
        hours = self.hours_per_connection
        event = (
            {}
            if self.meeting_id is None
            else {
                "meeting": self.meeting_id,
                "title": self.title,
                "kind": self.kind,
                "starts_at": self.starts_at,
            }
        )
        return {
            **event,
            "registered": self.registered,
            "checked_in": self.checked_in,
            "connections": self.connections,
            "followed_up": self.followed_up,
            "check_in_rate": self.check_in_rate,
            "connections_per_attendee": self.connections_per_attendee,
            "follow_up_rate": self.follow_up_rate,
            "cost": _amounts(self.cost.money),
            "hours": f"{self.cost.hours:.2f}",
            "cost_per_connection": (None if per is None else _amounts(per)),
            "hours_per_connection": None if hours is None else f"{hours:.2f}",
        }


def totals_of(rows: Iterable[EventRow]) -> EventRow:
    """The funnel summed over events (the rows are already aggregates)."""
    rows = list(rows)
    cost = Cost()
    for row in rows:
        cost.add(row.cost)
    own = any(row.registered is None for row in rows)
    return EventRow(
        meeting_id=None,
        title=_("All events"),
        kind="",
        starts_at=None,
        registered=None if own else sum(row.registered or 0 for row in rows),
        checked_in=None if own else sum(row.checked_in or 0 for row in rows),
        connections=sum(row.connections for row in rows),
        followed_up=sum(row.followed_up for row in rows),
        cost=cost,
    )


# --- period ----------------------------------------------------------------------------------


def default_period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    return today - datetime.timedelta(days=DEFAULT_DAYS - 1), today


def _bounds(
    group: Group, start: datetime.date, end: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    """From the start of ``start`` to the end of ``end``, in the group's time zone."""
    if start > end:
        raise LedgerError(_("The start date comes after the end date."))
    zone = ZoneInfo(group.time_zone)
    first = datetime.datetime.combine(start, datetime.time.min, tzinfo=zone)
    after = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, zone)
    return first, after


def _events(group: Group, start: datetime.date, end: datetime.date) -> Any:
    """The group's events in the period: meetings, not cancelled, that people registered for."""
    first, after = _bounds(group, start, end)
    return Meeting.objects.filter(
        group=group, cancelled_at__isnull=True, starts_at__gte=first, starts_at__lt=after
    ).filter(Exists(Registration.objects.filter(meeting=OuterRef("pk"))))


def _count(qs: Any) -> Any:
    """A correlated COUNT(*) of ``qs`` (already filtered on the outer meeting), 0 for none."""
    counted = qs.order_by().values("meeting_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _costs(investments: Any) -> dict[int, Cost]:
    """Meeting id → the investments linked to it (a ticket or an attendance), per currency."""
    rows = (
        investments.annotate(
            meeting_ref=Coalesce("registration__meeting_id", "attendance__meeting_id")
        )
        .order_by()
        .values("meeting_ref", "currency")
        .annotate(money=Sum("amount_minor"), hours=Sum("hours"))
    )
    costs: dict[int, Cost] = defaultdict(Cost)
    for row in rows:
        cost = costs[row["meeting_ref"]]
        if row["currency"] and row["money"]:
            cost.money[row["currency"]] = cost.money.get(row["currency"], 0) + row["money"]
        cost.hours = (cost.hours + (row["hours"] or Decimal("0"))).quantize(Decimal("0.01"))
    return costs


def _linked_to(meeting_ids: list[int]) -> Q:
    return Q(registration__meeting_id__in=meeting_ids) | Q(attendance__meeting_id__in=meeting_ids)


def event_funnel(group: Group, start: datetime.date, end: datetime.date) -> list[EventRow]:
    """Every event of ``group`` in the period, newest first, for its leaders (two queries)."""
    connections = Connection.objects.filter(meeting=OuterRef("pk"))
    registered = Q(registrations__status=Registration.Status.REGISTERED) | Q(
        registrations__checked_in_at__isnull=False
    )
    meetings = list(
        _events(group, start, end)
        .annotate(
            n_registered=Count("registrations", filter=registered, distinct=True),
            n_checked_in=Count(
                "registrations",
                filter=Q(registrations__checked_in_at__isnull=False),
                distinct=True,
            ),
            n_connections=_count(connections),
            n_followed_up=_count(connections.filter(followed_up_on__isnull=False)),
        )
        .order_by("-starts_at", "-pk")
        .values(
            "pk",
            "title",
            "kind",
            "starts_at",
            "n_registered",
            "n_checked_in",
            "n_connections",
            "n_followed_up",
        )
    )
    ids = [m["pk"] for m in meetings]
    costs = _costs(Investment.objects.filter(_linked_to(ids))) if ids else {}
    return [
        EventRow(
            meeting_id=m["pk"],
            title=m["title"],
            kind=m["kind"],
            starts_at=m["starts_at"],
            registered=m["n_registered"],
            checked_in=m["n_checked_in"],
            connections=m["n_connections"],
            followed_up=m["n_followed_up"],
            cost=costs.get(m["pk"], Cost()),
        )
        for m in meetings
    ]


def my_events(group: Group, user: Any, start: datetime.date, end: datetime.date) -> list[EventRow]:
    """The events of ``group`` in the period that ``user`` attended (checked in, or marked
    present or late), with only their own connections and costs (two queries)."""
    attended = Exists(
        Registration.objects.filter(meeting=OuterRef("pk"), user=user, checked_in_at__isnull=False)
    ) | Exists(Attendance.objects.filter(meeting=OuterRef("pk"), user=user, status__in=PRESENT))
    connections = Connection.objects.filter(meeting=OuterRef("pk"), owner=user)
    meetings = list(
        _events(group, start, end)
        .filter(attended)
        .annotate(
            n_connections=_count(connections),
            n_followed_up=_count(connections.filter(followed_up_on__isnull=False)),
        )
        .order_by("-starts_at", "-pk")
        .values("pk", "title", "kind", "starts_at", "n_connections", "n_followed_up")
    )
    ids = [m["pk"] for m in meetings]
    costs = _costs(Investment.objects.filter(_linked_to(ids), user=user)) if ids else {}
    return [
        EventRow(
            meeting_id=m["pk"],
            title=m["title"],
            kind=m["kind"],
            starts_at=m["starts_at"],
            registered=None,
            checked_in=None,
            connections=m["n_connections"],
            followed_up=m["n_followed_up"],
            cost=costs.get(m["pk"], Cost()),
        )
        for m in meetings
    ]


def funnel_chart(total: EventRow) -> list[dict[str, Any]]:
    """The four steps of the summed funnel as bars for the inline SVG: up to 200 units wide,
    coordinates as text so no locale puts a decimal comma in them."""
    steps = [
        (_("Registered"), total.registered or 0),
        (_("Checked in"), total.checked_in or 0),
        (_("Connections"), total.connections),
        (_("Followed up"), total.followed_up),
    ]
    top = max((n for _label, n in steps), default=0) or 1
    return [
        {
            "label": label,
            "value": n,
            "y": str(i * 28),
            "text_y": str(i * 28 + 16),
            "width": f"{n * 200 / top:.1f}",
            "end": f"{124 + n * 200 / top:.1f}",
        }
        for i, (label, n) in enumerate(steps)
    ]


def access_funnel(user: Any, key: int | str) -> Rights:
    """The rights of ``user`` in a group whose events funnel they may read: its leaders (every
    event) and its active members (their own rows). 404 where the group cannot be seen or
    has no events; 403 for everyone else."""
    group = access_group(user, key)
    if group.is_informal:
        raise Http404(_("This group has no events."))
    rights = rights_in(user, group)
    if not (rights.manager or rights.active_member):
        raise PermissionDenied(_("Only the group's members see its events funnel."))
    return rights


def as_dict(
    rights: Rights,
    start: datetime.date,
    end: datetime.date,
    events: list[EventRow],
    mine: list[EventRow],
) -> Mapping[str, Any]:
    return {
        "group": rights.group.pk,
        "from": start,
        "to": end,
        "manager": rights.manager,
        "events": [row.as_dict() for row in events],
        "totals": totals_of(events).as_dict() if rights.manager else None,
        "mine": [row.as_dict() for row in mine],
        "my_totals": totals_of(mine).as_dict(),
    }
