"""Helpers for the one-to-one, connection and follow-up tests: a meeting that happened, who
was checked in, frozen time."""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import time_machine

from cerchia.accounts.models import User
from cerchia.groups.models import Group
from cerchia.meetings.models import Attendance, Meeting, Registration

ROME = ZoneInfo("Europe/Rome")
# A Tuesday; every test runs "today" unless it moves the clock.
TODAY = datetime.date(2026, 3, 10)
NOON = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=ROME)


@contextlib.contextmanager
def on(day: datetime.date, hour: int = 12) -> Iterator[None]:
    moment = datetime.datetime(day.year, day.month, day.day, hour, 0, tzinfo=ROME)
    with time_machine.travel(moment, tick=False):
        yield


def meeting_of(group: Group, day: datetime.date = TODAY, title: str = "Spring mixer") -> Meeting:
    """A meeting of ``group`` from 8:00 to 10:00 Rome time on ``day``."""
    start = datetime.datetime(day.year, day.month, day.day, 8, 0, tzinfo=ROME)
    return Meeting.objects.create(
        group=group,
        kind="mixer",
        title=title,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
    )


def checked_in(meeting: Meeting, *people: User) -> None:
    """Registered and checked in at the door (an event's way)."""
    for person in people:
        Registration.objects.create(
            meeting=meeting,
            user=person,
            name=person.email,
            audience="member",
            status="registered",
            checked_in_at=meeting.starts_at,
        )


def present(meeting: Meeting, *people: User, status: str = "present") -> None:
    """Marked on the attendance sheet (a chapter meeting's way)."""
    for person in people:
        Attendance.objects.create(meeting=meeting, user=person, status=status)
