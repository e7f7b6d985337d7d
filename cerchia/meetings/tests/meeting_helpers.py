"""Helpers for the meetings-core tests: frozen time in Rome and a weekly chapter series."""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import time_machine

from cerchia.accounts.models import User
from cerchia.groups.models import Group
from cerchia.meetings.models import Meeting, Series
from cerchia.meetings.services import create_series

ROME = ZoneInfo("Europe/Rome")
UTC = datetime.UTC


def rome(*args: int) -> datetime.datetime:
    """An aware moment on the wall clock in Rome."""
    return datetime.datetime(*args, tzinfo=ROME)  # type: ignore[misc]


@contextlib.contextmanager
def at(moment: datetime.datetime) -> Iterator[None]:
    with time_machine.travel(moment, tick=False):
        yield


def tuesday_series(group: Group, leader: User, **fields: Any) -> Series:
    """Every Tuesday 07:00–08:30 Rome time from 6 October 2026 (call under ``at``)."""
    values: dict[str, Any] = {
        "rrule": "FREQ=WEEKLY;BYDAY=TU",
        "starts_at": datetime.datetime(2026, 10, 6, 7, 0),
        "duration_minutes": 90,
        "kind": "chapter_meeting",
        "title": "Weekly breakfast",
        "venue": "Hotel Roma, Sala Verde",
        **fields,
    }
    return create_series(group, actor=leader, **values)


def week(series: Series, day: datetime.date) -> Meeting:
    """The series' occurrence scheduled on ``day``."""
    return next(
        m
        for m in Meeting.objects.filter(series=series)
        if m.original_start is not None and m.original_start.astimezone(ROME).date() == day
    )


def local_starts(meetings: Any) -> list[str]:
    """Start times as "YYYY-MM-DD HH:MM" in Rome."""
    return [m.starts_at.astimezone(ROME).strftime("%Y-%m-%d %H:%M") for m in meetings]
