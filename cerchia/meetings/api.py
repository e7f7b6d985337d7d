"""Meetings and series in the API. Times are ISO 8601: with an offset they are taken as
given; without one, in the group's (or the series') time zone. Prices are integer minor units
in the group's currency."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from cerchia.api.auth import OPTIONAL
from cerchia.api.pagination import page
from cerchia.groups.access import Rights, access_group, rights_in
from cerchia.groups.models import Group
from cerchia.lib.http import ApiRequest
from cerchia.meetings import services
from cerchia.meetings.access import access_meeting, access_meeting_to_run, can_run
from cerchia.meetings.models import Meeting, Registration, Series
from cerchia.meetings.recurrence import parse_local
from cerchia.meetings.selectors import (
    meeting_with_counts,
    meetings_of,
    series_meetings,
    shows_online_link,
)

router = Router(tags=["meetings"])


class MeetingOut(Schema):
    id: int
    group: int
    series: int | None
    kind: str
    title: str
    description: str
    venue: str
    online_url: str  # empty for a members-only meeting unless you are a member
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    original_start: datetime.datetime | None  # the series' time for this week (RECURRENCE-ID)
    moved: bool
    time_zone: str
    capacity: int | None
    members_only: bool
    approval_required: bool
    questions: list[str]
    currency: str
    price_member_minor: int
    price_non_member_minor: int
    price_visitor_minor: int
    cancelled: bool
    cancelled_at: datetime.datetime | None
    registered_count: int
    seats_taken: int  # registered or offered: both hold a seat
    waitlisted_count: int
    my_status: str  # my live registration's status, "" when none
    url: str
    ics_url: str

    @staticmethod
    def resolve_group(obj: Meeting) -> int:
        return obj.group_id

    @staticmethod
    def resolve_series(obj: Meeting) -> int | None:
        return obj.series_id

    @staticmethod
    def resolve_online_url(obj: Meeting) -> str:
        return obj.online_url if getattr(obj, "show_link", False) else ""

    @staticmethod
    def resolve_moved(obj: Meeting) -> bool:
        return obj.original_start is not None and obj.original_start != obj.starts_at

    @staticmethod
    def resolve_time_zone(obj: Meeting) -> str:
        return obj.group.time_zone

    @staticmethod
    def resolve_currency(obj: Meeting) -> str:
        return obj.group.currency

    @staticmethod
    def resolve_cancelled(obj: Meeting) -> bool:
        return obj.is_cancelled

    @staticmethod
    def resolve_registered_count(obj: Meeting) -> int:
        return getattr(obj, "registered_count", 0) or 0

    @staticmethod
    def resolve_seats_taken(obj: Meeting) -> int:
        return getattr(obj, "seats_taken", 0) or 0

    @staticmethod
    def resolve_waitlisted_count(obj: Meeting) -> int:
        return getattr(obj, "waitlisted_count", 0) or 0

    @staticmethod
    def resolve_my_status(obj: Meeting) -> str:
        return getattr(obj, "my_status", None) or ""

    @staticmethod
    def resolve_url(obj: Meeting) -> str:
        return obj.get_absolute_url()

    @staticmethod
    def resolve_ics_url(obj: Meeting) -> str:
        return f"/meetings/{obj.pk}.ics"


class MeetingPage(Schema):
    items: list[MeetingOut]
    count: int


class EventIn(Schema):
    kind: str
    title: str
    description: str = ""
    venue: str = ""
    online_url: str = ""
    capacity: int | None = None
    members_only: bool | None = None  # default: the group's rule for members-only events
    approval_required: bool = False
    questions: list[str] = []
    price_member_minor: int = 0
    price_non_member_minor: int = 0
    price_visitor_minor: int = 0


class MeetingIn(EventIn):
    starts_at: datetime.datetime
    ends_at: datetime.datetime


class MeetingPatch(Schema):
    kind: str | None = None
    title: str | None = None
    description: str | None = None
    venue: str | None = None
    online_url: str | None = None
    capacity: int | None = None  # send null with "unlimited": true to remove the limit
    unlimited: bool = False
    members_only: bool | None = None
    approval_required: bool | None = None
    questions: list[str] | None = None
    price_member_minor: int | None = None
    price_non_member_minor: int | None = None
    price_visitor_minor: int | None = None
    starts_at: datetime.datetime | None = None  # moving one week of a series keeps its
    ends_at: datetime.datetime | None = None  # original_start


class CancellationIn(Schema):
    reason: str = ""


class SeriesOut(Schema):
    id: int
    group: int
    kind: str
    title: str
    rrule: str
    starts_at: datetime.datetime
    time_zone: str
    duration_minutes: int
    exdates: list[str]  # local times without an offset
    ended: bool
    members_only: bool
    capacity: int | None
    next_meetings: list[MeetingOut]
    url: str

    @staticmethod
    def resolve_group(obj: Series) -> int:
        return obj.group_id

    @staticmethod
    def resolve_starts_at(obj: Series) -> datetime.datetime:
        return obj.dtstart

    @staticmethod
    def resolve_ended(obj: Series) -> bool:
        return obj.ended_at is not None

    @staticmethod
    def resolve_next_meetings(obj: Series) -> list[Meeting]:
        return getattr(obj, "next_meetings", [])

    @staticmethod
    def resolve_url(obj: Series) -> str:
        return f"/groups/{obj.group.slug}/series/{obj.pk}/"


class SeriesIn(EventIn):
    rrule: str  # e.g. FREQ=WEEKLY;BYDAY=TU
    starts_at: datetime.datetime  # the first meeting's start
    duration_minutes: int
    time_zone: str = ""  # default: the group's
    exdates: list[str] = []  # dates or local times with no meeting


class SeriesPatch(Schema):
    exdates: list[str] | None = None  # replaces every exception
    add_exdates: list[str] = []
    remove_exdates: list[str] = []
    end: datetime.date | None = None  # the last day the series meets


def _member(rights: Rights) -> bool:
    return rights.active_member or can_run(rights)


def _shown(meeting: Meeting, rights: Rights) -> Meeting:
    """Mark whether the caller sees the online link."""
    registered = getattr(meeting, "my_status", None) == Registration.Status.REGISTERED
    meeting.show_link = shows_online_link(  # type: ignore[attr-defined]
        meeting, member=_member(rights), registered=registered
    )
    return meeting


def _reloaded(meeting: Meeting, request: ApiRequest, rights: Rights) -> Meeting:
    return _shown(meeting_with_counts(meeting, request.auth), rights)


def _runner_group(request: ApiRequest, group_id: int) -> Group:
    group = access_group(request.auth, group_id)
    if not can_run(rights_in(request.auth, group)):
        raise PermissionDenied(_("Only the group's leaders may plan its meetings."))
    return group


@router.get(
    "/groups/{group_id}/meetings",
    response=MeetingPage,
    auth=OPTIONAL,
    summary="A group's meetings: upcoming ones soonest first; ?past=true for past ones",
)
def list_meetings(
    request: ApiRequest, group_id: int, past: bool = False, limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    group = access_group(request.auth, group_id)
    rights = rights_in(request.auth, group)
    items, count = page(meetings_of(group, viewer=request.auth, past=past), limit, offset)
    return {"items": [_shown(m, rights) for m in items], "count": count}


@router.post(
    "/groups/{group_id}/meetings",
    response={201: MeetingOut},
    summary="Plan a meeting or event (the group's leaders)",
)
def create_meeting(request: ApiRequest, group_id: int, payload: MeetingIn) -> Status[Meeting]:
    group = _runner_group(request, group_id)
    fields = payload.dict()
    if fields["members_only"] is None:
        del fields["members_only"]
    meeting = services.create_meeting(group, actor=request.auth, **fields)
    return Status(201, _reloaded(meeting, request, rights_in(request.auth, group)))


@router.get(
    "/meetings/{meeting_id}",
    response=MeetingOut,
    auth=OPTIONAL,
    summary="One meeting, with its registration counts",
)
def get_meeting(request: ApiRequest, meeting_id: int) -> Meeting:
    meeting, rights = access_meeting(request.auth, meeting_id)
    return _reloaded(meeting, request, rights)


@router.patch(
    "/meetings/{meeting_id}",
    response=MeetingOut,
    summary="Change a meeting (leaders); new times for one week of a series move that week",
)
def patch_meeting(request: ApiRequest, meeting_id: int, payload: MeetingPatch) -> Meeting:
    meeting, rights = access_meeting_to_run(request.auth, meeting_id)
    changes = payload.dict(exclude_unset=True, exclude_none=True)
    if changes.pop("unlimited", False):
        changes["capacity"] = None
    services.update_meeting(meeting, actor=request.auth, changes=changes)
    return _reloaded(meeting, request, rights)


@router.post(
    "/meetings/{meeting_id}/cancellation",
    response=MeetingOut,
    summary="Cancel a meeting, or one week of a series (leaders); everyone registered is told",
)
def cancel_meeting(request: ApiRequest, meeting_id: int, payload: CancellationIn) -> Meeting:
    meeting, rights = access_meeting_to_run(request.auth, meeting_id)
    services.cancel_meeting(meeting, actor=request.auth, reason=payload.reason)
    return _reloaded(meeting, request, rights)


def _series_out(series: Series, request: ApiRequest, rights: Rights) -> Series:
    series.next_meetings = [  # type: ignore[attr-defined]
        _shown(m, rights) for m in series_meetings(series)[:10]
    ]
    return series


@router.post(
    "/groups/{group_id}/series",
    response={201: SeriesOut},
    summary="Plan a recurring meeting (leaders): an RFC 5545 rule from a first start",
)
def create_series(request: ApiRequest, group_id: int, payload: SeriesIn) -> Status[Series]:
    group = _runner_group(request, group_id)
    fields = payload.dict()
    if fields["members_only"] is None:
        del fields["members_only"]
    series = services.create_series(group, actor=request.auth, **fields)
    return Status(201, _series_out(series, request, rights_in(request.auth, group)))


def _access_series(request: ApiRequest, group_id: int, series_id: int) -> tuple[Series, Rights]:
    group = access_group(request.auth, group_id)
    series = get_object_or_404(Series, group=group, pk=series_id)
    series.group = group
    return series, rights_in(request.auth, group)


@router.get(
    "/groups/{group_id}/series/{series_id}",
    response=SeriesOut,
    auth=OPTIONAL,
    summary="A recurring meeting: its rule, exceptions and next meetings",
)
def get_series(request: ApiRequest, group_id: int, series_id: int) -> Series:
    series, rights = _access_series(request, group_id, series_id)
    return _series_out(series, request, rights)


@router.patch(
    "/groups/{group_id}/series/{series_id}",
    response=SeriesOut,
    summary="Change a series' exceptions or end it (leaders)",
)
def patch_series(
    request: ApiRequest, group_id: int, series_id: int, payload: SeriesPatch
) -> Series:
    series, rights = _access_series(request, group_id, series_id)
    if not can_run(rights):
        raise PermissionDenied(_("Only the group's leaders may plan its meetings."))
    for value in payload.remove_exdates:
        try:
            parse_local(value)
        except ValueError:
            raise services.MeetingError(
                _("Exceptions are dates (2026-12-29) or local times (2026-12-29T07:00).")
            ) from None
    series = services.update_series(
        series,
        actor=request.auth,
        exdates=payload.exdates,
        add_exdates=payload.add_exdates,
        remove_exdates=payload.remove_exdates,
        end_on=payload.end,
    )
    return _series_out(series, request, rights)
