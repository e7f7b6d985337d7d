"""iCalendar (RFC 5545) for meetings: a public group's feed, a person's private feed and one
meeting's download.

A series goes out as one VEVENT with its RRULE and an EXDATE for each exception and each
cancelled week, plus an overriding VEVENT (same UID, RECURRENCE-ID = the week's original start)
for each week that was moved or changed. Times carry their TZID and the calendar its VTIMEZONE,
so a 07:00 Tuesday meeting stays at 07:00 local in every calendar program across DST changes.

Feeds carry what the meeting pages show anyone who may see them: no ticket codes, no answers,
no notes, and a members-only meeting's online link only for its members."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cerchia.meetings.models import Meeting, Series
from cerchia.meetings.recurrence import parse_local

PRODID = "-//Cerchia//Meetings//EN"
CONTENT_TYPE = "text/calendar; charset=utf-8"
# Whether a meeting's (or series') online link may go out: members-only links are for members.
LinkRule = Callable[[Meeting | Series], bool]


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _uid(kind: str, pk: int) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "cerchia"
    return f"{kind}-{pk}@{host}"


def _local(moment: datetime.datetime, zone: ZoneInfo) -> datetime.datetime:
    return moment.astimezone(zone)


def _description(item: Meeting | Series, *, link: bool, url: str) -> str:
    lines = []
    if item.members_only:
        lines.append(_("Members only."))
    if item.description:
        lines.append(item.description)
    if link and item.online_url:
        lines.append(_("Online: %(url)s") % {"url": item.online_url})
    lines.append(url)
    return "\n\n".join(lines)


def _fill(
    event: icalendar.Event,
    item: Meeting | Series,
    *,
    link: bool,
    url: str,
    stamp: datetime.datetime,
) -> None:
    event.add("dtstamp", stamp)
    event.add("summary", item.title)
    if item.venue:
        event.add("location", item.venue)
    event.add("description", _description(item, link=link, url=url))
    event.add("url", url)
    event.add("categories", [str(item.get_kind_display())])


def meeting_event(
    meeting: Meeting, *, link: bool, stamp: datetime.datetime, uid: str = ""
) -> icalendar.Event:
    """One meeting on its own: its own UID, STATUS:CANCELLED when cancelled."""
    zone = ZoneInfo(meeting.group.time_zone)
    event = icalendar.Event()
    event.add("uid", uid or _uid("meeting", meeting.pk))
    event.add("dtstart", _local(meeting.starts_at, zone))
    event.add("dtend", _local(meeting.ends_at, zone))
    event.add("status", "CANCELLED" if meeting.is_cancelled else "CONFIRMED")
    _fill(event, meeting, link=link, url=_absolute(meeting.get_absolute_url()), stamp=stamp)
    return event


def _differs(meeting: Meeting, series: Series) -> bool:
    """Whether a week needs its own VEVENT: moved, or its text changed."""
    if meeting.original_start is None:
        return True
    length = datetime.timedelta(minutes=series.duration_minutes)
    return (
        meeting.starts_at != meeting.original_start
        or meeting.ends_at != meeting.original_start + length
        or any(
            getattr(meeting, name) != getattr(series, name)
            for name in ("title", "description", "venue", "online_url", "members_only")
        )
    )


def series_events(
    series: Series, weeks: Iterable[Meeting], *, link: LinkRule, stamp: datetime.datetime
) -> list[icalendar.Event]:
    """A series as one recurring VEVENT and the overrides of its moved or changed weeks."""
    zone = ZoneInfo(series.time_zone)
    uid = _uid("series", series.pk)
    start = _local(series.dtstart, zone)
    url = _absolute(reverse("meetings:series", args=[series.group.slug, series.pk]))
    master = icalendar.Event()
    master.add("uid", uid)
    master.add("dtstart", start)
    master.add("dtend", start + datetime.timedelta(minutes=series.duration_minutes))
    master.add("rrule", icalendar.vRecur.from_ical(series.rrule))
    master.add("status", "CONFIRMED")
    weeks = [w for w in weeks if w.original_start is not None]
    excluded = {parse_local(value).replace(tzinfo=zone) for value in series.exdates or []}
    excluded |= {
        _local(w.original_start, zone)  # type: ignore[arg-type]
        for w in weeks
        if w.is_cancelled
    }
    if excluded:
        master.add("exdate", sorted(excluded))
    _fill(master, series, link=link(series), url=url, stamp=stamp)
    events = [master]
    for week in weeks:
        if week.is_cancelled or not _differs(week, series):
            continue
        override = meeting_event(week, link=link(week), stamp=stamp, uid=uid)
        override.add("recurrence-id", _local(week.original_start, zone))  # type: ignore[arg-type]
        events.append(override)
    return events


def build(
    name: str,
    meetings: Iterable[Meeting],
    *,
    link: LinkRule,
    whole_series: bool = True,
    singles: Iterable[Meeting] = (),
) -> bytes:
    """A calendar of ``meetings`` (series whole when ``whole_series``) and ``singles`` (each
    on its own), with the VTIMEZONEs its times need."""
    stamp = timezone.now().astimezone(datetime.UTC).replace(microsecond=0)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    by_series: dict[int, list[Meeting]] = {}
    series_of: dict[int, Series] = {}
    starts: list[datetime.datetime] = []
    for meeting in meetings:
        starts.append(meeting.starts_at)
        if whole_series and meeting.series_id is not None and meeting.series is not None:
            by_series.setdefault(meeting.series_id, []).append(meeting)
            series_of[meeting.series_id] = meeting.series
            meeting.series.group = meeting.group
        else:
            cal.add_component(meeting_event(meeting, link=link(meeting), stamp=stamp))
    for series_id, weeks in by_series.items():
        series = series_of[series_id]
        starts.append(series.dtstart)
        for event in series_events(series, weeks, link=link, stamp=stamp):
            cal.add_component(event)
    for meeting in singles:
        starts.append(meeting.starts_at)
        cal.add_component(meeting_event(meeting, link=link(meeting), stamp=stamp))
    first = min(starts, default=stamp).date() - datetime.timedelta(days=366)
    last = max([*starts, stamp]).date() + datetime.timedelta(days=3 * 366)
    cal.add_missing_timezones(first_date=first, last_date=last)
    return cal.to_ical()
