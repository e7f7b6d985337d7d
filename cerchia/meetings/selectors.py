"""Reads about meetings: a group's upcoming and past meetings as a viewer sees them, with
their registration counts in SQL, and the meetings each calendar feed carries."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from cerchia.groups.kinds import GroupVisibility
from cerchia.groups.models import Group, Membership
from cerchia.meetings.models import Meeting, Registration, Series

Status = Registration.Status
# A person's registration still in play (one per person per meeting).
LIVE = (Status.PENDING, Status.REGISTERED, Status.WAITLISTED, Status.OFFERED)
# Feeds carry meetings from this far back, so last week's still shows in the calendar.
FEED_PAST_DAYS = 90


def with_counts(meetings: QuerySet[Meeting], viewer: Any = None) -> QuerySet[Meeting]:
    """Annotate ``registered_count``, ``seats_taken`` (registered or offered: both hold a
    seat), ``waitlisted_count`` and the viewer's own live registration status as
    ``my_status`` (None when none) — in the same query."""
    meetings = meetings.annotate(
        registered_count=Count("registrations", filter=Q(registrations__status=Status.REGISTERED)),
        seats_taken=Count(
            "registrations",
            filter=Q(registrations__status__in=(Status.REGISTERED, Status.OFFERED)),
        ),
        waitlisted_count=Count("registrations", filter=Q(registrations__status=Status.WAITLISTED)),
    )
    if getattr(viewer, "is_authenticated", False):
        mine = Registration.objects.filter(
            meeting=OuterRef("pk"), user=viewer, status__in=LIVE
        ).values("status")[:1]
        meetings = meetings.annotate(my_status=Subquery(mine))
    return meetings


def meetings_of(
    group: Group,
    *,
    viewer: Any = None,
    past: bool = False,
    now: datetime.datetime | None = None,
) -> QuerySet[Meeting]:
    """A group's meetings (the caller checked the viewer may see the group): upcoming ones —
    not yet over — soonest first, or past ones latest first. Cancelled meetings stay listed,
    marked; members-only ones too."""
    now = now or timezone.now()
    meetings = Meeting.objects.filter(group=group).select_related("group", "series")
    if past:
        meetings = meetings.filter(ends_at__lt=now).order_by("-starts_at", "-pk")
    else:
        meetings = meetings.filter(ends_at__gte=now).order_by("starts_at", "pk")
    return with_counts(meetings, viewer)


def meeting_with_counts(meeting: Meeting, viewer: Any = None) -> Meeting:
    """One meeting with the same counts as the lists show."""
    found = with_counts(Meeting.objects.filter(pk=meeting.pk), viewer).first()
    if found is None:  # pragma: no cover - the caller just read it
        return meeting
    found.group = meeting.group
    found.series = meeting.series
    return found


def series_meetings(series: Series, *, now: datetime.datetime | None = None) -> QuerySet[Meeting]:
    """A series' occurrences from now on, as materialised (moved and cancelled ones too)."""
    now = now or timezone.now()
    return with_counts(
        Meeting.objects.filter(series=series, ends_at__gte=now)
        .select_related("group", "series")
        .order_by("starts_at", "pk")
    )


def shows_online_link(meeting: Meeting | Series, *, member: bool, registered: bool = False) -> bool:
    """A members-only meeting's online link is for its members (and those registered);
    anyone who may see other meetings sees their link."""
    return bool(meeting.online_url) and (not meeting.members_only or member or registered)


# --- calendar feeds -----------------------------------------------------------------------


def public_feed(group: Group, *, now: datetime.datetime | None = None) -> list[Meeting]:
    """What a public group's feed carries: its series' occurrences (to export each series
    with its exceptions) and its other meetings from ``FEED_PAST_DAYS`` back."""
    since = (now or timezone.now()) - datetime.timedelta(days=FEED_PAST_DAYS)
    return _feed_meetings(Q(group=group), since)


def is_public(group: Group) -> bool:
    """Groups with a public feed: public, listed ones."""
    return group.visibility == GroupVisibility.PUBLIC and not group.is_informal


def member_group_ids(user: Any) -> list[int]:
    """The groups a person is an active member of (their meetings go in the private feed)."""
    return list(
        Membership.objects.active()
        .filter(user=user)
        .exclude(group__kind="informal")
        .values_list("group_id", flat=True)
    )


def private_feed(
    user: Any, *, now: datetime.datetime | None = None
) -> tuple[list[Meeting], list[Meeting]]:
    """What a person's private feed carries: every meeting of their groups (series whole,
    with their exceptions), and apart from those the meetings they hold a seat at, in groups
    they may still see."""
    since = (now or timezone.now()) - datetime.timedelta(days=FEED_PAST_DAYS)
    groups = member_group_ids(user)
    registered = Registration.objects.filter(user=user, status=Status.REGISTERED).values(
        "meeting_id"
    )
    elsewhere = list(
        Meeting.objects.filter(
            pk__in=registered,
            group__in=Group.objects.visible_to(user),
            ends_at__gte=since,
        )
        .exclude(group_id__in=groups)
        .select_related("group", "series")
        .order_by("starts_at", "pk")
    )
    return _feed_meetings(Q(group_id__in=groups), since), elsewhere


def _feed_meetings(scope: Q, since: datetime.datetime) -> list[Meeting]:
    """Meetings in ``scope`` ending after ``since``, plus every occurrence of the series among
    them (a series is exported as one event with its exceptions, which may be older)."""
    recent = Meeting.objects.filter(scope, ends_at__gte=since)
    series_ids = recent.exclude(series=None).values("series_id")
    return list(
        Meeting.objects.filter(Q(pk__in=recent.values("pk")) | Q(series_id__in=series_ids))
        .select_related("group", "series")
        .order_by("starts_at", "pk")
    )
