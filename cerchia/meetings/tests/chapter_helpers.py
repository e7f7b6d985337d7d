"""Small helpers for the chapter tests (agenda, rotation, meeting mode, attendance): weekly
meetings on Tuesdays at 07:00 in Rome, a frozen clock, members and officers."""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import time_machine

from cerchia.accounts.models import User
from cerchia.audit.models import AuditEntry
from cerchia.conftest import add_member, make_user
from cerchia.groups.models import Group
from cerchia.meetings.models import Attendance, Meeting
from cerchia.notices.models import Notice

ROME = ZoneInfo("Europe/Rome")
# A Tuesday: the chapter's first meeting in most tests.
FIRST_TUESDAY = datetime.date(2026, 1, 6)


def at(day: datetime.date, hour: int = 7, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=ROME)


@contextlib.contextmanager
def frozen(moment: datetime.datetime) -> Iterator[None]:
    with time_machine.travel(moment, tick=False):
        yield


def meeting_at(
    group: Group, start: datetime.datetime, *, minutes: int = 90, **fields: Any
) -> Meeting:
    values: dict[str, Any] = {"kind": "chapter_meeting", "title": "Weekly meeting", **fields}
    return Meeting.objects.create(
        group=group,
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=minutes),
        **values,
    )


def weekly(
    group: Group, first: datetime.date, count: int, *, minutes: int = 90, **fields: Any
) -> list[Meeting]:
    """``count`` weekly meetings from ``first`` at 07:00 Rome time."""
    return [
        meeting_at(group, at(first + datetime.timedelta(weeks=n)), minutes=minutes, **fields)
        for n in range(count)
    ]


def people(group: Group, names: list[str], *, role: str = "member") -> list[User]:
    """Active members with these display names (e-mail from the first name)."""
    users = []
    for name in names:
        user = make_user(f"{name.split()[0].lower()}@example.org", name)
        add_member(group, user, role=role)
        users.append(user)
    return users


def mark(meeting: Meeting, user: User, status: str, substitute: str = "") -> Attendance:
    """Attendance written directly (the services are tested on their own)."""
    row, _created = Attendance.objects.update_or_create(
        meeting=meeting, user=user, defaults={"status": status, "substitute_name": substitute}
    )
    return row


def notices_of(user: User, kind: str = "") -> list[Notice]:
    rows = Notice.objects.filter(user=user)
    if kind:
        rows = rows.filter(kind=kind)
    return list(rows.order_by("pk"))


def audit(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("pk"))
