"""Reads for one-to-ones, connections and follow-ups: a person's own lists, the follow-ups
they owe, the people they may meet, and follow-up rates.

Rates are SQL aggregates (one query per report) and carry counts only: a leader learns how
well an event or a group follows up, never who met whom."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from cerchia.accounts.models import User
from cerchia.groups.models import Group, Kind, Membership
from cerchia.ledger.models import Connection, OneToOne

# The states a connection's follow-up can be filtered by.
OPEN = "open"
DONE = "done"
OVERDUE = "overdue"
FOLLOW_UP_STATES = (OPEN, DONE, OVERDUE)


# --- one-to-ones ------------------------------------------------------------------------


def one_to_ones_of(
    user: User,
    *,
    group: Group | None = None,
    status: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet[OneToOne]:
    """The one-to-ones ``user`` proposed or was invited to, newest first. Their date is the
    day held, else the day planned, else the day proposed."""
    found = (
        OneToOne.objects.filter(Q(proposer=user) | Q(partner=user))
        .annotate(
            day=Coalesce("held_on", TruncDate("scheduled_for"), TruncDate("created_at")),
        )
        .select_related("group", "proposer__profile", "partner__profile")
        .order_by("-day", "-pk")
    )
    if group is not None:
        found = found.filter(group=group)
    if status:
        found = found.filter(status=status)
    if date_from is not None:
        found = found.filter(day__gte=date_from)
    if date_to is not None:
        found = found.filter(day__lte=date_to)
    return found


def active_groups_of(user: User) -> QuerySet[Group]:
    """The groups ``user`` is an active member of (not their informal network): where a
    one-to-one or a connection may be recorded."""
    return (
        Group.objects.filter(memberships__user=user, memberships__status=Membership.Status.ACTIVE)
        .exclude(kind=Kind.INFORMAL)
        .distinct()
        .order_by("name")
    )


def people_to_meet(user: User) -> QuerySet[User]:
    """Whom ``user`` may propose a one-to-one to: the active members of the groups they are
    active in, alphabetically."""
    shared = Membership.objects.active().filter(user=user).exclude(group__kind=Kind.INFORMAL)
    return (
        User.objects.filter(
            is_active=True,
            memberships__status=Membership.Status.ACTIVE,
            memberships__group_id__in=shared.values("group_id"),
        )
        .exclude(pk=user.pk)
        .distinct()
        .select_related("profile")
        .order_by("profile__display_name", "pk")
    )


# --- connections and follow-ups ---------------------------------------------------------


def follow_up_state(connection: Connection, today: datetime.date) -> str:
    if connection.followed_up_on is not None:
        return DONE
    return OVERDUE if connection.follow_up_due < today else OPEN


def connections_of(
    user: User,
    *,
    group: Group | None = None,
    meeting_id: int | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    state: str = "",
    today: datetime.date | None = None,
) -> QuerySet[Connection]:
    """The people ``user`` met, newest first. ``state``: open (not followed up yet, overdue
    included), done, or overdue (open and past its due date)."""
    today = today or timezone.localdate()
    found = Connection.objects.filter(owner=user).select_related(
        "group", "meeting", "person__profile"
    )
    if group is not None:
        found = found.filter(group=group)
    if meeting_id is not None:
        found = found.filter(meeting_id=meeting_id)
    if date_from is not None:
        found = found.filter(met_on__gte=date_from)
    if date_to is not None:
        found = found.filter(met_on__lte=date_to)
    if state == OPEN:
        found = found.filter(followed_up_on__isnull=True)
    elif state == DONE:
        found = found.filter(followed_up_on__isnull=False)
    elif state == OVERDUE:
        found = found.filter(followed_up_on__isnull=True, follow_up_due__lt=today)
    return found.order_by("-met_on", "-pk")


def follow_ups_of(user: User) -> QuerySet[Connection]:
    """The task list: every open follow-up of ``user``, overdue first, then due today, then
    the ones still to come."""
    return (
        Connection.objects.filter(owner=user, followed_up_on__isnull=True)
        .select_related("group", "meeting")
        .order_by("follow_up_due", "met_on", "pk")
    )


def follow_ups_due(day: datetime.date) -> dict[int, list[str]]:
    """For the daily digest, in one query: each person with follow-ups due ``day`` or
    overdue, and the names of the people to follow up, most overdue first."""
    due: dict[int, list[str]] = {}
    rows = (
        Connection.objects.filter(followed_up_on__isnull=True, follow_up_due__lte=day)
        .order_by("owner_id", "follow_up_due", "pk")
        .values_list("owner_id", "name")
    )
    for owner_id, name in rows:
        due.setdefault(owner_id, []).append(name)
    return due


# --- follow-up rates ----------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUpRate:
    """Connections made and how their follow-ups went. The rate is the share followed up
    within the window (``followed_up_on <= follow_up_due``) of all connections made."""

    made: int = 0
    in_time: int = 0
    late: int = 0  # followed up after the due date
    missed: int = 0  # not followed up and past the due date

    @property
    def pending(self) -> int:
        """Not followed up yet, still within the window."""
        return self.made - self.in_time - self.late - self.missed

    @property
    def rate(self) -> float | None:
        return self.in_time / self.made if self.made else None

    @property
    def percent(self) -> int | None:
        rate = self.rate
        return None if rate is None else round(rate * 100)


def _aggregates(today: datetime.date) -> dict[str, Any]:
    return {
        "made": Count("pk"),
        "in_time": Count("pk", filter=Q(followed_up_on__lte=F("follow_up_due"))),
        "late": Count("pk", filter=Q(followed_up_on__gt=F("follow_up_due"))),
        "missed": Count("pk", filter=Q(followed_up_on__isnull=True, follow_up_due__lt=today)),
    }


def _period(
    found: QuerySet[Connection],
    date_from: datetime.date | None,
    date_to: datetime.date | None,
) -> QuerySet[Connection]:
    if date_from is not None:
        found = found.filter(met_on__gte=date_from)
    if date_to is not None:
        found = found.filter(met_on__lte=date_to)
    return found


def _rate(found: QuerySet[Connection], today: datetime.date | None) -> FollowUpRate:
    totals = found.aggregate(**_aggregates(today or timezone.localdate()))
    return FollowUpRate(**{key: value or 0 for key, value in totals.items()})


def meeting_follow_up_rate(meeting: Any, *, today: datetime.date | None = None) -> FollowUpRate:
    """Everyone's connections made at one meeting or event (one query)."""
    return _rate(Connection.objects.filter(meeting=meeting), today)


def group_follow_up_rate(
    group: Group,
    *,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    today: datetime.date | None = None,
) -> FollowUpRate:
    """Everyone's connections made in one group, at its events or not (one query)."""
    return _rate(_period(Connection.objects.filter(group=group), date_from, date_to), today)


@dataclass(frozen=True)
class EventFollowUp:
    meeting_id: int
    title: str
    starts_at: datetime.datetime
    rate: FollowUpRate


def group_follow_up_by_event(
    group: Group,
    *,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    today: datetime.date | None = None,
) -> list[EventFollowUp]:
    """The group's events with connections made there, latest first, each with its rate (one
    query)."""
    rows = (
        _period(Connection.objects.filter(group=group, meeting__isnull=False), date_from, date_to)
        .values("meeting_id", "meeting__title", "meeting__starts_at")
        .annotate(**_aggregates(today or timezone.localdate()))
        .order_by("-meeting__starts_at", "-meeting_id")
    )
    return [
        EventFollowUp(
            meeting_id=row["meeting_id"],
            title=row["meeting__title"],
            starts_at=row["meeting__starts_at"],
            rate=FollowUpRate(
                made=row["made"], in_time=row["in_time"], late=row["late"], missed=row["missed"]
            ),
        )
        for row in rows
    ]


def user_follow_up_rate(
    user: User,
    *,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    today: datetime.date | None = None,
) -> FollowUpRate:
    """One person's own follow-up rate (one query)."""
    return _rate(_period(Connection.objects.filter(owner=user), date_from, date_to), today)
